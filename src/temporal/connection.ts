import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config';
import { SEARCH_ATTRIBUTES } from './names';

/**
 * A client over a lazy connection: creating it never fails when Temporal is down, calls do, and
 * gRPC reconnects by itself when the server is back.
 */
export function createTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Client {
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

/** True when the frontend answers its health check within the deadline. */
export async function isTemporalServing(client: Client, timeoutMs = 2000): Promise<boolean> {
  const connection = client.connection;
  if (!(connection instanceof Connection)) return false;
  try {
    const response = await connection.withDeadline(Date.now() + timeoutMs, () => connection.healthService.check({}));
    return response.status === 1; // SERVING
  } catch {
    return false;
  }
}

const GRPC_ALREADY_EXISTS = 6;

const TYPE_TO_INDEXED: Record<string, number> = {
  KEYWORD: 2,
  TEXT: 1,
  INT: 3,
  DOUBLE: 4,
  BOOL: 5,
  DATETIME: 6,
  KEYWORD_LIST: 7,
};

/** Registers the custom search attributes that are missing (idempotent; the dev server flag only covers new databases). */
export async function ensureSearchAttributes(
  connection: Pick<Connection, 'operatorService'>,
  namespace: string,
): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing: Record<string, number> = {};
  for (const key of Object.values(SEARCH_ATTRIBUTES)) {
    if (!(key.name in (existing.customAttributes ?? {}))) missing[key.name] = TYPE_TO_INDEXED[key.type] ?? 2;
  }
  if (Object.keys(missing).length === 0) return;
  try {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  } catch (error) {
    // Two processes registering at once: the loser sees AlreadyExists, which is the state we want.
    if ((error as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw error;
  }
}
