import type { Db } from '../../src/db/knex';
import { upsertWecomCorp } from '../../src/db/queries/wecom-corps';
import { sharedApiUrl, SHARED_SIMULATOR_PORT } from './env';
import { uid } from './factories';

export const simulatorUrl = `http://127.0.0.1:${SHARED_SIMULATOR_PORT}`;

export interface SimulatedCorp {
  corpId: string;
  secret: string;
  agentId: number;
  callbackToken: string;
  encodingAesKey: string;
}

/** Calls the simulator's control API; throws on a non-2xx answer so a broken scenario fails loudly. */
export async function control<T = unknown>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${simulatorUrl}/control${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`simulator ${method} ${path} → ${response.status}: ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * A corp generated in the simulator (deterministic for its seed) and registered in the app, its
 * callbacks pointed at the app's receiver. Each test gets its own corp id.
 */
export async function createSimulatedCorp(
  db: Db,
  options: { seed?: number; customers?: number; employees?: number; groups?: number; apiUrl?: string } = {},
): Promise<SimulatedCorp> {
  const corpId = uid('ww');
  const apiUrl = options.apiUrl ?? sharedApiUrl;
  const corp = await control<SimulatedCorp>('POST', '/corps', {
    corpId,
    seed: options.seed ?? 1,
    customers: options.customers ?? 50,
    ...(options.employees === undefined ? {} : { employees: options.employees }),
    ...(options.groups === undefined ? {} : { groups: options.groups }),
    callbackUrl: `${apiUrl}/api-scrm/wecom/callback/${corpId}`,
  });
  await upsertWecomCorp(db, {
    corpId: corp.corpId,
    secret: corp.secret,
    agentId: corp.agentId,
    callbackToken: corp.callbackToken,
    encodingAesKey: corp.encodingAesKey,
  });
  return corp;
}
