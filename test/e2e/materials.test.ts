import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type { Db } from '../../src/db/knex';
import { findMaterial, type MaterialRow } from '../../src/db/queries/materials';
import { LocalFileStore } from '../../src/domain/files/local-file-store';
import { ValidationError } from '../../src/domain/errors';
import { requireMaterials, type MaterialDeps } from '../../src/domain/materials/materials';
import {
  freshMaterialMediaId,
  refreshMaterialsInUse,
  sendWithFreshMedia,
  welcomeContentOf,
} from '../../src/domain/materials/media';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { sharedApiUrl, sharedTemporalAddress, TEST_FILES_DIR } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { randomJpeg, randomPng } from '../helpers/images';
import { waitFor } from '../helpers/wait';
import { control, createSimulatedCorp, simulatorUrl, type SimulatedCorp } from '../helpers/wecom';

interface MaterialView {
  id: string;
  type: string;
  typeName: string;
  scope: number;
  scopeName: string;
  title: string | null;
  content: string | null;
  description: string | null;
  url: string | null;
  picUrl: string | null;
  appid: string | null;
  page: string | null;
  fileName: string | null;
  size: number | null;
  mime: string | null;
  mediaType: string | null;
  mediaId: string | null;
  mediaUploadedAt: string | null;
  mediaExpiresAt: string | null;
  imageUrl: string | null;
  cuser: string | null;
}
interface Envelope<T = unknown> {
  code: string;
  msg: string;
  data: T;
}
interface ErrorData {
  errors?: Array<{ field: string; message: string }>;
}
interface SimMedia {
  mediaId: string;
  type: string;
  size: number;
  createdAt: number;
}
interface SimWelcome {
  welcomeCode: string;
  text?: string;
  attachments: Array<Record<string, Record<string, unknown> | string>>;
}

const ZH = { 'accept-language': 'zh-CN' };
const MB = 1024 * 1024;
const MATERIAL_DIR = path.join(TEST_FILES_DIR, 'materials');
const DAY = 86400;

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const storedFiles = () => (existsSync(MATERIAL_DIR) ? readdirSync(MATERIAL_DIR).sort() : []);

/** An MP4 to a content sniffer: an ftyp box of brand isom, then filler. */
function mp4Bytes(size = 4096): Buffer {
  const bytes = Buffer.alloc(size, 3);
  Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0])]).copy(bytes);
  return bytes;
}
/** PNG signature followed by filler: a PNG to the content sniffer, of exactly `size` bytes. */
function pngOfSize(size: number): Buffer {
  const bytes = Buffer.alloc(size, 7);
  randomPng().subarray(0, 16).copy(bytes);
  return bytes;
}

async function simulatorMedia(corpId: string): Promise<SimMedia[]> {
  return (await control<{ media: SimMedia[] }>('GET', `/corps/${corpId}/state?sections=media`)).media;
}
async function simulatorWelcomes(corpId: string): Promise<SimWelcome[]> {
  return (await control<{ welcomes: SimWelcome[] }>('GET', `/corps/${corpId}/state?sections=welcomes`)).welcomes;
}
async function uploadsOf(corpId: string): Promise<number> {
  const stats = await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corpId}/stats`);
  return stats.apiCalls.byPath['media/upload'] ?? 0;
}
async function simulatorNow(corpId: string): Promise<Date> {
  return new Date((await control<{ now: number }>('GET', `/corps/${corpId}`)).now * 1000);
}
const advanceClock = (corpId: string, seconds: number) =>
  control('POST', `/corps/${corpId}/clock`, { advanceSeconds: seconds, silent: true });

let db: Db;
let deps: MaterialDeps;
beforeAll(() => {
  db = testDb();
  deps = {
    db,
    wecom: createWecomApiFactory(db, {
      baseUrl: `${simulatorUrl}/cgi-bin/`,
      logger: pino({ level: 'silent' }),
    }),
    files: new LocalFileStore(TEST_FILES_DIR),
  };
});
afterAll(async () => db.destroy());

async function materialsOf(corpId: string): Promise<MaterialRow[]> {
  return (await db('material').where({ corp_id: corpId }).orderBy('id')) as MaterialRow[];
}

async function setup(): Promise<{ corp: SimulatedCorp; api: Api }> {
  const corp = await createSimulatedCorp(db, { seed: 91, customers: 5 });
  return { corp, api: await apiOf(corp.corpId) };
}

type Api = Awaited<ReturnType<typeof apiOf>>;

async function apiOf(corpId: string) {
  const { token, username } = await createAdmin(db, sharedApiUrl, { corpId });
  const upload = async (
    query: Record<string, string>,
    file: { bytes: Buffer; filename?: string; type?: string } | undefined,
  ): Promise<{ status: number; body: Envelope<MaterialView & ErrorData> }> => {
    const form = new FormData();
    if (file) form.append('file', new Blob([file.bytes], { type: file.type ?? '' }), file.filename ?? 'blob');
    const response = await fetch(`${sharedApiUrl}/admin/material/upload?${new URLSearchParams(query).toString()}`, {
      method: 'POST',
      headers: { token, ...ZH },
      body: form,
    });
    return { status: response.status, body: (await response.json()) as Envelope<MaterialView & ErrorData> };
  };
  return {
    username,
    upload,
    get: <T>(p: string) => call<T>(sharedApiUrl, 'GET', p, { token, headers: ZH }),
    post: <T>(p: string, body: unknown = {}) => call<T>(sharedApiUrl, 'POST', p, { token, body, headers: ZH }),
  };
}

describe('materials over HTTP', () => {
  it('uploads image, mini-program, video and file materials to storage and WeCom, and saves text and link ones', async () => {
    const { corp, api } = await setup();
    const png = randomPng(4, 3);
    const jpeg = randomJpeg();
    const mp4 = mp4Bytes();
    const pdf = Buffer.from('%PDF-1.4\n报价单 2026\n%%EOF\n');

    const image = await api.upload(
      { type: 'image', scope: '1' },
      { bytes: png, filename: '海报.png', type: 'image/png' },
    );
    expect(image.status).toBe(200);
    expect(image.body.data).toMatchObject({
      type: 'image',
      typeName: '图片',
      scope: 1,
      scopeName: '客户',
      title: '海报.png',
      fileName: '海报.png',
      size: png.length,
      mime: 'image/png',
      mediaType: 'image',
      mediaId: expect.any(String),
      imageUrl: expect.stringMatching(/^http:\/\/p\.qpic\.cn\/pic_wework\//),
      cuser: api.username,
    });
    const uploadedAt = Date.parse(image.body.data.mediaUploadedAt as string);
    expect(Date.parse(image.body.data.mediaExpiresAt as string) - uploadedAt).toBe(3 * DAY * 1000);

    const mini = await api.upload(
      { type: 'miniprogram', scope: '2', title: '领取优惠券', appid: 'wx1234567890abcdef', page: 'pages/coupon/index' },
      { bytes: jpeg, filename: 'cover.jpg', type: 'image/jpeg' },
    );
    expect(mini.status).toBe(200);
    expect(mini.body.data).toMatchObject({
      type: 'miniprogram',
      scope: 2,
      title: '领取优惠券',
      appid: 'wx1234567890abcdef',
      page: 'pages/coupon/index',
      mime: 'image/jpeg',
      mediaType: 'image',
      imageUrl: null,
    });
    const video = await api.upload(
      { type: 'video', scope: '1', title: '产品介绍' },
      { bytes: mp4, filename: 'intro.mp4' },
    );
    expect(video.status).toBe(200);
    expect(video.body.data).toMatchObject({ type: 'video', title: '产品介绍', mime: 'video/mp4', mediaType: 'video' });
    // A file's kind is whatever it is; its name is what the customer sees in WeCom.
    const file = await api.upload({ type: 'file', scope: '3' }, { bytes: pdf, filename: '报价单.pdf' });
    expect(file.status).toBe(200);
    expect(file.body.data).toMatchObject({ type: 'file', scope: 3, fileName: '报价单.pdf', mime: 'application/pdf' });

    const text = await api.post<MaterialView>('/admin/material/save', {
      type: 'text',
      scope: 1,
      content: '您好，欢迎咨询',
    });
    expect(text.status).toBe(200);
    expect(text.body.data).toMatchObject({
      type: 'text',
      typeName: '纯文本',
      content: '您好，欢迎咨询',
      mediaId: null,
    });
    const link = await api.post<MaterialView>('/admin/material/save', {
      type: 'link',
      scope: 1,
      title: '春季活动',
      url: 'https://example.com/spring',
      description: '限时优惠',
      picUrl: image.body.data.imageUrl,
    });
    expect(link.status).toBe(200);
    expect(link.body.data).toMatchObject({
      type: 'link',
      url: 'https://example.com/spring',
      picUrl: image.body.data.imageUrl,
    });
    const edited = await api.post<MaterialView>('/admin/material/save', { id: link.body.data.id, title: '春季活动 2' });
    expect(edited.body.data).toMatchObject({ title: '春季活动 2', url: 'https://example.com/spring' });

    // Stored: the rows, the originals byte for byte, and WeCom's media of the right type and size.
    const rows = await materialsOf(corp.corpId);
    expect(rows.map((r) => r.type)).toEqual(['image', 'miniprogram', 'video', 'file', 'text', 'link']);
    for (const [view, bytes] of [
      [image, png],
      [mini, jpeg],
      [video, mp4],
      [file, pdf],
    ] as const) {
      const row = rows.find((r) => r.id === view.body.data.id) as MaterialRow;
      expect(row.file_key).toMatch(new RegExp(`^materials/${sha256(bytes)}\\.`));
      expect(readFileSync(path.join(TEST_FILES_DIR, row.file_key as string)).equals(bytes)).toBe(true);
    }
    const media = await simulatorMedia(corp.corpId);
    expect(media.map((m) => [m.mediaId, m.type, m.size]).sort()).toEqual(
      [
        [image.body.data.mediaId, 'image', png.length],
        [mini.body.data.mediaId, 'image', jpeg.length],
        [video.body.data.mediaId, 'video', mp4.length],
        [file.body.data.mediaId, 'file', pdf.length],
      ].sort(),
    );
  });

  it('refuses bad content and sizes with a Chinese message and stores nothing', async () => {
    const { corp, api } = await setup();
    const before = storedFiles();
    const refusals: Array<[Record<string, string>, Buffer, string, number, string]> = [
      [
        { type: 'image', scope: '1' },
        Buffer.from('这不是图片，只是文字。'),
        'fake.png',
        400,
        '文件内容必须是 JPG or PNG 格式',
      ],
      [{ type: 'video', scope: '1' }, randomPng(), 'clip.mp4', 400, '文件内容必须是 MP4 格式'],
      [
        { type: 'miniprogram', scope: '1', title: 't', appid: 'wx1', page: 'p' },
        mp4Bytes(),
        'c.jpg',
        400,
        'JPG or PNG',
      ],
      [{ type: 'file', scope: '1' }, Buffer.from('abc'), 'tiny.txt', 400, '文件必须大于 5 字节'],
      [{ type: 'image', scope: '1' }, pngOfSize(10 * MB + 1), 'big.png', 400, '文件过大：image 类素材最大 10 MB'],
      [{ type: 'video', scope: '1' }, mp4Bytes(10 * MB + 1), 'big.mp4', 400, '文件过大：video 类素材最大 10 MB'],
      [{ type: 'file', scope: '1' }, Buffer.alloc(20 * MB + 1, 1), 'big.bin', 413, '上传的文件（file）过大'],
      [{ type: 'miniprogram', scope: '1', title: '无 appid' }, randomPng(), 'c.png', 400, '小程序素材必填'],
      [{ type: 'text', scope: '1' }, randomPng(), 'x.png', 400, 'type'],
      [{ type: 'image', scope: '4' }, randomPng(), 'x.png', 400, 'scope'],
    ];
    for (const [query, bytes, filename, status, message] of refusals) {
      const answer = await api.upload(query, { bytes, filename });
      expect([filename, answer.status]).toEqual([filename, status]);
      expect(answer.body.msg).toContain(message);
    }
    const missing = await api.upload({ type: 'image', scope: '1' }, undefined);
    expect(missing.status).toBe(400);
    expect(missing.body.msg).toContain('file');

    const badText = await api.post('/admin/material/save', { type: 'text', scope: 1 });
    expect(badText.status).toBe(400);
    expect(badText.body.msg).toContain('纯文本素材必填');
    const badLink = await api.post('/admin/material/save', {
      type: 'link',
      scope: 1,
      title: '标'.repeat(43),
      url: 'https://e.com',
    });
    expect(badLink.status).toBe(400);
    expect(badLink.body.msg).toContain('最多 128 字节');
    const notAFile = await api.post('/admin/material/save', { type: 'image', scope: 1 });
    expect(notAFile.status).toBe(400);

    expect(await materialsOf(corp.corpId)).toEqual([]);
    expect(await simulatorMedia(corp.corpId)).toEqual([]);
    expect(storedFiles()).toEqual(before);
  });

  it('pages by type, scope and title and lists by type, within the corp only', async () => {
    const { api } = await setup();
    const other = await setup();
    await other.api.post('/admin/material/save', { type: 'text', scope: 1, content: '别家的文本' });
    const save = async (body: Record<string, unknown>) =>
      (await api.post<MaterialView>('/admin/material/save', body)).body.data;
    const a = await save({ type: 'text', scope: 1, title: '开场白 A', content: 'A' });
    const b = await save({ type: 'text', scope: 2, title: '开场白 B', content: 'B' });
    const c = await save({ type: 'link', scope: 1, title: '官网', url: 'https://example.com' });
    const img = (
      await api.upload({ type: 'image', scope: '1', title: '开场海报' }, { bytes: randomPng(), filename: 'p.png' })
    ).body.data;

    const page = (body: Record<string, unknown>) =>
      api.post<{ list: MaterialView[]; total: number }>('/admin/material/page', { pageNum: 1, pageSize: 10, ...body });
    const all = (await page({})).body.data;
    expect(all.total).toBe(4);
    expect(all.list.map((m) => m.id)).toEqual([img.id, c.id, b.id, a.id]);
    expect((await page({ type: 'text' })).body.data.list.map((m) => m.id)).toEqual([b.id, a.id]);
    expect((await page({ type: 'text', scope: 2 })).body.data.list.map((m) => m.id)).toEqual([b.id]);
    expect((await page({ title: '开场' })).body.data.list.map((m) => m.id)).toEqual([img.id, b.id, a.id]);
    const second = (await page({ pageSize: 3, pageNum: 2, sortField: 'id', sortOrder: 'asc' })).body.data;
    expect(second).toMatchObject({ total: 4, list: [expect.objectContaining({ id: img.id })] });

    const byType = await api.get<MaterialView[]>('/admin/material/listByType?type=text');
    expect(byType.body.data.map((m) => m.id)).toEqual([b.id, a.id]);
    expect(
      (await api.get<MaterialView[]>('/admin/material/listByType?type=text&scope=1')).body.data.map((m) => m.id),
    ).toEqual([a.id]);
    expect((await api.get<MaterialView[]>('/admin/material/listByType?type=video')).body.data).toEqual([]);
    const badType = await api.get('/admin/material/listByType?type=voice');
    expect(badType.status).toBe(400);
  });

  it('soft-deletes a material, and refuses while a published link uses it', async () => {
    const { corp, api } = await setup();
    const save = async (content: string) =>
      (await api.post<MaterialView>('/admin/material/save', { type: 'text', scope: 1, content })).body.data;
    const free = await save('没人用');
    const used = await save('链接在用');
    await db('acq_link').insert([
      { corp_id: corp.corpId, link_name: '已发布', state: uid('s').slice(0, 30), status: 1, media_ids: [used.id] },
      { corp_id: corp.corpId, link_name: '草稿', state: uid('s').slice(0, 30), status: 0, media_ids: [free.id] },
    ]);

    const deleted = await api.post<{ id: string }>('/admin/material/delete', { id: free.id });
    expect(deleted.status).toBe(200);
    expect((await findMaterial(db, corp.corpId, free.id)) ?? null).toBeNull();
    expect((await db('material').where({ id: free.id }).first()) as MaterialRow).toMatchObject({
      is_del: 1,
      muser: api.username,
    });
    expect((await api.post('/admin/material/delete', { id: free.id })).status).toBe(404);
    expect((await api.get<MaterialView[]>('/admin/material/listByType?type=text')).body.data.map((m) => m.id)).toEqual([
      used.id,
    ]);

    const refused = await api.post('/admin/material/delete', { id: used.id });
    expect(refused.status).toBe(409);
    expect(refused.body.msg).toContain('该素材正被已发布的获客链接使用：已发布');
    expect(await findMaterial(db, corp.corpId, used.id)).toBeDefined();

    const stranger = await setup();
    expect((await stranger.api.post('/admin/material/delete', { id: used.id })).status).toBe(404);
  });
});

describe('materials named by other saves', () => {
  it('refuses unknown ids, and a delete racing a link that names the material waits and then sees the link', async () => {
    const { corp, api } = await setup();
    const material = (await api.post<MaterialView>('/admin/material/save', { type: 'text', scope: 1, content: '欢迎' }))
      .body.data;
    const unknown = await db
      .transaction((trx) => requireMaterials(trx, corp.corpId, [material.id, '999999999']))
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(unknown).toBeInstanceOf(ValidationError);
    expect((unknown as ValidationError).problems.map((p) => p.field)).toEqual(['mediaIds[1]']);

    let deleteAnswered = false;
    let deleting: ReturnType<Api['post']> | undefined;
    await db.transaction(async (trx) => {
      await requireMaterials(trx, corp.corpId, [material.id]);
      deleting = api.post('/admin/material/delete', { id: material.id });
      void deleting.then(() => (deleteAnswered = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(deleteAnswered).toBe(false);
      await trx('acq_link').insert({
        corp_id: corp.corpId,
        link_name: '同时发布',
        state: uid('s').slice(0, 30),
        status: 1,
        media_ids: [material.id],
      });
    });
    const answer = await (deleting as ReturnType<Api['post']>);
    expect(answer.status).toBe(409);
    expect(await findMaterial(db, corp.corpId, material.id)).toBeDefined();
  });
});

describe('material media kept fresh', () => {
  it('re-uploads the original once the simulated corp passes 3 days, once under concurrency, and only for materials in use', async () => {
    const { corp, api } = await setup();
    const png = randomPng(5, 5);
    const used = (await api.upload({ type: 'image', scope: '1' }, { bytes: png, filename: 'a.png' })).body.data;
    const idle = (
      await api.upload({ type: 'file', scope: '1' }, { bytes: Buffer.from('idle file body'), filename: 'b.txt' })
    ).body.data;
    await db('acq_link').insert({
      corp_id: corp.corpId,
      link_name: '在用',
      state: uid('s').slice(0, 30),
      status: 1,
      media_ids: [used.id],
    });
    // Still fresh: nothing is uploaded.
    expect((await freshMaterialMediaId(deps, corp.corpId, used.id)).media_id).toBe(used.mediaId);
    expect(await refreshMaterialsInUse(deps, corp.corpId)).toEqual([]);
    const uploadsBefore = await uploadsOf(corp.corpId);

    await advanceClock(corp.corpId, 3 * DAY);
    const now = await simulatorNow(corp.corpId);
    const refreshed = await Promise.all(
      Array.from({ length: 6 }, () => freshMaterialMediaId(deps, corp.corpId, used.id, { now })),
    );
    const ids = new Set(refreshed.map((r) => r.media_id));
    expect(ids.size).toBe(1);
    const fresh = [...ids][0] as string;
    expect(fresh).not.toBe(used.mediaId);
    expect(await uploadsOf(corp.corpId)).toBe(uploadsBefore + 1);
    const row = (await findMaterial(db, corp.corpId, used.id)) as MaterialRow;
    expect(row.media_id).toBe(fresh);
    expect(Math.abs(new Date(row.media_uploaded_at as Date).getTime() - now.getTime())).toBeLessThan(5000);
    expect((await simulatorMedia(corp.corpId)).find((m) => m.mediaId === fresh)).toMatchObject({
      type: 'image',
      size: png.length,
    });

    // The refresher only takes what a published link uses: the idle file keeps its expired media_id.
    await advanceClock(corp.corpId, 3 * DAY);
    const later = await simulatorNow(corp.corpId);
    expect(await refreshMaterialsInUse(deps, corp.corpId, { now: later })).toEqual([used.id]);
    expect(((await findMaterial(db, corp.corpId, used.id)) as MaterialRow).media_id).not.toBe(fresh);
    expect(((await findMaterial(db, corp.corpId, idle.id)) as MaterialRow).media_id).toBe(idle.mediaId);
  });

  it('refreshes the media of materials in use from each corp’s Temporal Schedule, which the worker creates', async () => {
    const { corp, api } = await setup();
    const used = (await api.upload({ type: 'image', scope: '1' }, { bytes: randomPng(6, 6), filename: 'u.png' })).body
      .data;
    await db('acq_link').insert({
      corp_id: corp.corpId,
      link_name: '在用',
      state: uid('s').slice(0, 30),
      status: 1,
      media_ids: [used.id],
    });
    // Uploaded three days ago, as far as our records go: due for a refresh.
    await db('material')
      .where({ id: used.id })
      .update({ media_uploaded_at: new Date(Date.now() - 3 * DAY * 1000) });
    const temporal = new Client({ connection: await Connection.connect({ address: sharedTemporalAddress }) });
    try {
      const schedule = temporal.schedule.getHandle(`material-media-refresh-${corp.corpId}`);
      const description = await waitFor('the material refresh schedule', () =>
        schedule.describe().catch(() => undefined),
      );
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'refreshMaterialMediaWorkflow' });
      expect(description.policies.overlap).toBe('SKIP');
      await schedule.trigger();
      const refreshed = await waitFor('the material to be refreshed', async () => {
        const row = (await findMaterial(db, corp.corpId, used.id)) as MaterialRow;
        return row.media_id !== used.mediaId ? row : undefined;
      });
      expect(Date.now() - new Date(refreshed.media_uploaded_at as Date).getTime()).toBeLessThan(60_000);
    } finally {
      await temporal.connection.close();
    }
  });

  it('recovers a welcome send that WeCom answers 40007: refresh once, send again', async () => {
    const { corp, api } = await setup();
    const file = (
      await api.upload({ type: 'file', scope: '1' }, { bytes: Buffer.from('价目表 2026 版'), filename: '价目表.txt' })
    ).body.data;
    const text = (
      await api.post<MaterialView>('/admin/material/save', { type: 'text', scope: 1, content: '资料请查收' })
    ).body.data;
    // WeCom's clock passes 3 days; ours does not, so the stored media_id still looks fresh to us.
    await advanceClock(corp.corpId, 3 * DAY + 60);
    const added = await control<{ done: { welcomeCode: string } }>(
      'POST',
      `/corps/${corp.corpId}/actions/customer-adds-employee`,
      { silent: true, customer: { type: 1 } },
    );
    const client = await deps.wecom(corp.corpId);
    const sent: string[][] = [];
    await sendWithFreshMedia(deps, corp.corpId, [text.id, file.id], async (materials) => {
      const content = welcomeContentOf(materials, '您好');
      sent.push(materials.map((m) => m.media_id ?? ''));
      return client.call('sendWelcomeMessage', { body: { welcome_code: added.done.welcomeCode, ...content } });
    });

    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual(['', file.mediaId]);
    const fresh = ((await findMaterial(db, corp.corpId, file.id)) as MaterialRow).media_id as string;
    expect(fresh).not.toBe(file.mediaId);
    expect(sent[1]).toEqual(['', fresh]);
    const welcomes = (await simulatorWelcomes(corp.corpId)).filter((w) => w.welcomeCode === added.done.welcomeCode);
    expect(welcomes).toEqual([
      expect.objectContaining({
        text: '您好\n资料请查收',
        attachments: [{ msgtype: 'file', file: { media_id: fresh } }],
      }),
    ]);
  });
});
