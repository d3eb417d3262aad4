import type { Client } from '@temporalio/client';
import type { Db } from '../../src/db/knex';
import { upsertWecomCorp } from '../../src/db/queries/wecom-corps';
import { buildEncryptedEnvelope } from '../../src/wecom/callback-crypto';
import type { WecomSyncProgress } from '../../src/workflows/wecom-full-sync';
import { sharedApiUrl, SHARED_SIMULATOR_PORT, SHARED_TASK_QUEUE } from './env';
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
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
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

/** The decrypted XML of a callback the simulator sent (its id from an action's answer). */
export async function sentPlaintext(corpId: string, callbackId: number): Promise<string> {
  const log = await control<{ callbacks: Array<{ id: number; plaintext: string }> }>(
    'GET',
    `/corps/${corpId}/callbacks`,
  );
  const record = log.callbacks.find((c) => c.id === callbackId);
  if (!record) throw new Error(`simulator sent no callback ${callbackId} for ${corpId}`);
  return record.plaintext;
}

/** POSTs a decrypted event to the app's callback receiver, signed and encrypted as WeCom sends it. */
export async function postSignedCallback(
  corp: SimulatedCorp,
  plaintext: string,
  apiUrl = sharedApiUrl,
): Promise<Response> {
  const envelope = buildEncryptedEnvelope({
    token: corp.callbackToken,
    encodingAESKey: corp.encodingAesKey,
    receiveId: corp.corpId,
    plaintext,
  });
  const query = new URLSearchParams({
    msg_signature: envelope.msgSignature,
    timestamp: envelope.timestamp,
    nonce: envelope.nonce,
  });
  return fetch(`${apiUrl}/api-scrm/wecom/callback/${corp.corpId}?${query.toString()}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: envelope.body,
  });
}

/** Runs one full sync of everything for the corp, as production does before callbacks keep the mirror current. */
export async function syncWholeCorp(temporal: Client, corpId: string): Promise<WecomSyncProgress> {
  const handle = await temporal.workflow.start('wecomFullSync', {
    workflowId: `wecom-sync-all-${corpId}`,
    taskQueue: SHARED_TASK_QUEUE,
    args: [{ corpId, kind: 'all', startedBy: 'test' }],
  });
  const result = (await handle.result()) as WecomSyncProgress;
  if (!result.phases.every((p) => p.status === 'succeeded')) {
    throw new Error(`full sync of ${corpId} did not succeed: ${JSON.stringify(result.phases)}`);
  }
  return result;
}
