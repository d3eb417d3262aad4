import { execSync } from 'node:child_process';
import path from 'node:path';

/** Fixed settings of the test run; the test script exports the same names. */
export const REPO_ROOT = path.resolve(__dirname, '../..');
export const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/scrm_test';
export const TEST_JWT_SECRET = 'test-secret-for-jwt-signing-0123456789abcdef';
/** Shifts every port of the test run, so two checkouts can run their suites side by side. */
export const PORT_OFFSET = Number(process.env['SCRM_TEST_PORT_OFFSET'] ?? 0);
export const SHARED_TEMPORAL_PORT = 7633 + PORT_OFFSET;
export const SHARED_API_PORT = 18471 + PORT_OFFSET;
export const SHARED_SIMULATOR_PORT = 18490 + PORT_OFFSET;
/** Ports of the suites that run their own Temporal server and API. */
export const RESILIENCE_TEMPORAL_PORT = 7733 + PORT_OFFSET;
export const RESILIENCE_API_PORT = 18472 + PORT_OFFSET;
/**
 * The suite on the PostgreSQL-backed Temporal server: its frontend port (docker/temporal/postgres.yaml
 * derives the rest: 7901-7910, metrics 8667, membership 7600-7606) and its API.
 */
export const TEMPORAL_POSTGRES_PORT = 7900 + PORT_OFFSET;
export const TEMPORAL_POSTGRES_API_PORT = 18483 + PORT_OFFSET;
/** The API of the intake fault drills, whose database connections the drills kill. */
export const INTAKE_FAULTS_API_PORT = 18474 + PORT_OFFSET;
/** Monitoring ports of the shared worker: its own /metrics + health, and the Temporal SDK's exporter. */
export const SHARED_WORKER_METRICS_PORT = 18478 + PORT_OFFSET;
export const SHARED_SDK_METRICS_PORT = 18479 + PORT_OFFSET;
/** The API of the throttle tests, with small per-address limits of its own. */
export const THROTTLE_API_PORT = 18477 + PORT_OFFSET;
/** The two APIs of the Nexus suite, configured with a Nexus secret and SSO endpoint (the shared API has neither). */
export const NEXUS_API_PORT = 18481 + PORT_OFFSET;
export const NEXUS_PEER_API_PORT = 18482 + PORT_OFFSET;
/** The two API processes of the users suite's own installation (first admin at boot, last super admin). */
export const USERS_BOOT_API_PORTS = [18475 + PORT_OFFSET, 18476 + PORT_OFFSET] as const;
/** A second API process beside the shared one, for what must hold across processes. */
export const PEER_API_PORT = 18484 + PORT_OFFSET;
/** The API of the clue import suite, whose worker the crash drill kills. */
export const CLUE_IMPORT_API_PORT = 18486 + PORT_OFFSET;
/** The API of the in-service transfer suite (its own worker and task queue, short polls). */
export const CUSTOMER_TRANSFER_API_PORT = 18487 + PORT_OFFSET;
/** The API of the merge crash drill (its own worker). */
export const CLUE_MERGE_API_PORT = 18488 + PORT_OFFSET;
export const SHARED_TASK_QUEUE = 'test-main';
/** The browser origin the shared API lets through CORS (its CORS_ORIGINS). */
export const ADMIN_UI_ORIGIN = 'http://admin-ui.example.test:5173';
/**
 * Throttle settings of the shared API: short blocks and windows so a suite can wait one out, and
 * per-address limits far above the few deliberate wrong passwords and keys the suites send
 * from 127.0.0.1 (the throttle tests use other loopback addresses of their own).
 */
export const SHARED_THROTTLE_ENV: Record<string, string> = {
  LOGIN_BLOCK_SECONDS: '2',
  LOGIN_MAX_BLOCK_SECONDS: '8',
  LOGIN_FAIL_MEMORY_SECONDS: '120',
  LOGIN_MAX_FAILS_PER_IP: '500',
  LOGIN_IP_WINDOW_SECONDS: '60',
  LOGIN_IP_BLOCK_SECONDS: '5',
  PARTNER_KEY_MAX_FAILS_PER_IP: '500',
  PARTNER_KEY_FAIL_WINDOW_SECONDS: '60',
  PARTNER_KEY_BLOCK_SECONDS: '5',
  NEXUS_SIGNATURE_MAX_FAILS_PER_IP: '500',
  NEXUS_SIGNATURE_FAIL_WINDOW_SECONDS: '60',
  NEXUS_SIGNATURE_BLOCK_SECONDS: '5',
};
export const LOG_DIR = path.join(REPO_ROOT, '.data', PORT_OFFSET ? `test-logs-${PORT_OFFSET}` : 'test-logs');
/** The file store (FILES_DIR) of the APIs the tests start. */
export const TEST_FILES_DIR = path.join(REPO_ROOT, '.data', PORT_OFFSET ? `test-files-${PORT_OFFSET}` : 'test-files');

export function temporalBinary(): string {
  if (process.env['TEMPORAL_BIN']) return process.env['TEMPORAL_BIN'];
  const gopath = execSync('go env GOPATH', { encoding: 'utf8' }).trim();
  return path.join(gopath, 'bin', 'temporal');
}

export const sharedApiUrl = `http://127.0.0.1:${SHARED_API_PORT}`;
export const sharedTemporalAddress = `127.0.0.1:${SHARED_TEMPORAL_PORT}`;
