import type { Db } from '../../src/db/knex';
import { sharedApiUrl } from './env';
import { createAdmin, uid } from './factories';
import { call } from './http';
import { mirrorDept } from './mirror-org';
import { seedCorpTagGroup, seedEmployee } from './mirror-tags-groups';
import { control, createSimulatedCorp, type SimulatedCorp } from './wecom';
import { waitFor } from './wait';

export interface SimState {
  users: Array<{ userid: string; status: number; department: number[] }>;
  contactWays: Array<{ configId: string; user: string[]; state?: string; type: number }>;
  acquisitionLinks: Array<{ linkId: string; name: string; userList: string[]; departmentList: number[] }>;
}

const ZH = { 'accept-language': 'zh-CN' };

export const simState = (corpId: string) =>
  control<SimState>('GET', `/corps/${corpId}/state?sections=users,contactWays,acquisitionLinks`);

export interface AcquisitionCorp {
  corp: SimulatedCorp;
  api: {
    username: string;
    get<T>(path: string): ReturnType<typeof call<T>>;
    post<T>(path: string, body?: unknown): ReturnType<typeof call<T>>;
  };
  /** Active employees of the simulated corp, mirrored. */
  users: string[];
  deptId: string;
  tagId: string;
  channelId: string;
}

/** A simulated corp whose employees, one department and a corp tag are mirrored, with an admin of it and a channel. */
export async function acquisitionCorp(db: Db): Promise<AcquisitionCorp> {
  const corp = await createSimulatedCorp(db, { seed: 71, customers: 5, employees: 8 });
  const { users } = await simState(corp.corpId);
  const active = users.filter((u) => u.status === 1).map((u) => u.userid);
  for (const userid of active) await seedEmployee(db, corp.corpId, { userid });
  const deptId = String(users[0]!.department[0]);
  await mirrorDept(db, corp.corpId, { dept_id: deptId });
  const tags = await seedCorpTagGroup(db, corp.corpId, { tags: [{ name: '抖音来的' }] });
  const { token, username } = await createAdmin(db, sharedApiUrl, { corpId: corp.corpId });
  const api = {
    username,
    get: <T>(path: string) => call<T>(sharedApiUrl, 'GET', path, { token, headers: ZH }),
    post: <T>(path: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', path, { token, body, headers: ZH }),
  };
  const channel = await api.post<{ id: string }>('/admin/channel/save', { name: uid('渠道'), type: 'ad' });
  return { corp, api, users: active, deptId, tagId: tags.tagIds[0]!, channelId: channel.body.data.id };
}

/**
 * Saves a link with status 1 and answers it once WeCom holds it. The save waits up to 8 s for the
 * publish workflow; on a loaded machine it may answer `publishing: true` first, and the link is
 * then read until the workflow is done (the save's own answer is tested in acquisition-links).
 */
export async function saveAndPublishLink<T extends { id: string; publishing: boolean }>(
  ctx: AcquisitionCorp,
  body: Record<string, unknown>,
): Promise<T> {
  const saved = await ctx.api.post<T>('/admin/cust/get/link/save', { status: 1, ...body });
  if (saved.status !== 200) throw new Error(`save answered ${saved.status}: ${JSON.stringify(saved.body)}`);
  if (!saved.body.data.publishing) return saved.body.data;
  const id = saved.body.data.id;
  return waitFor(
    `link ${id} published`,
    async () => {
      const got = await ctx.api.get<T>(`/admin/cust/get/link/${id}`);
      return got.status === 200 && !got.body.data.publishing ? got.body.data : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}
