import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { FailureThrottle, postgresLimiter } from './failure-throttle';
import { LoginThrottle } from './login-throttle';
import { SharedBudget, type RequestBudget } from './request-budget';

/** The throttles of one API process, over the shared PostgreSQL table. */
export interface Throttles {
  login: LoginThrottle;
  /** Failed secret keys on the partner (collect) API, per address. */
  partnerKeys: FailureThrottle;
  /** Failed signatures of the HR system's (Nexus) server-to-server calls, per address. */
  nexusSignatures: FailureThrottle;
  /** Partners' request budgets (requests per minute), shared by every API process. */
  partnerRequests: RequestBudget;
}

export function createThrottles(db: Db, config: Config): Throttles {
  return {
    login: new LoginThrottle(db, {
      maxConsecutiveFails: config.LOGIN_MAX_CONSECUTIVE_FAILS,
      failMemorySeconds: config.LOGIN_FAIL_MEMORY_SECONDS,
      blockSeconds: config.LOGIN_BLOCK_SECONDS,
      maxBlockSeconds: config.LOGIN_MAX_BLOCK_SECONDS,
      maxFailsPerAddress: config.LOGIN_MAX_FAILS_PER_IP,
      addressWindowSeconds: config.LOGIN_IP_WINDOW_SECONDS,
      addressBlockSeconds: config.LOGIN_IP_BLOCK_SECONDS,
    }),
    partnerKeys: new FailureThrottle(
      postgresLimiter(db, {
        keyPrefix: 'partner_key_fail_ip',
        points: config.PARTNER_KEY_MAX_FAILS_PER_IP,
        durationSeconds: config.PARTNER_KEY_FAIL_WINDOW_SECONDS,
        blockSeconds: config.PARTNER_KEY_BLOCK_SECONDS,
      }),
    ),
    partnerRequests: new SharedBudget(db, 'partner_requests'),
    nexusSignatures: new FailureThrottle(
      postgresLimiter(db, {
        keyPrefix: 'nexus_signature_fail_ip',
        points: config.NEXUS_SIGNATURE_MAX_FAILS_PER_IP,
        durationSeconds: config.NEXUS_SIGNATURE_FAIL_WINDOW_SECONDS,
        blockSeconds: config.NEXUS_SIGNATURE_BLOCK_SECONDS,
      }),
    ),
  };
}
