import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import path from 'node:path';
import type { Db } from '../../src/db/knex';
import { insertUser } from '../../src/db/queries/users';
import { sharedApiUrl, TEST_FILES_DIR } from '../helpers/env';
import { createAdmin, testDb, uid } from '../helpers/factories';
import { call } from '../helpers/http';
import { randomJpeg, randomPng } from '../helpers/images';

const UPLOAD = '/admin/user/uploadAvatar';
const UPDATE = '/admin/user/updateAvatar';
const MAX_BYTES = 2 * 1024 * 1024; // AVATAR_MAX_BYTES default: the test API does not set it
const AVATAR_DIR = path.join(TEST_FILES_DIR, 'avatars');

interface Avatar {
  url: string;
  name: string;
  contentType: string;
  size: number;
}
interface Envelope<T = unknown> {
  code: string;
  msg: string;
  data: T;
}

const storedNames = () => (existsSync(AVATAR_DIR) ? readdirSync(AVATAR_DIR).sort() : []);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function form(parts: Array<{ field: string; bytes: Buffer | string; filename?: string; type?: string }>): FormData {
  const data = new FormData();
  for (const part of parts) {
    if (part.filename === undefined && typeof part.bytes === 'string') data.append(part.field, part.bytes);
    else data.append(part.field, new Blob([part.bytes], { type: part.type ?? '' }), part.filename ?? 'blob');
  }
  return data;
}

async function upload(
  token: string | undefined,
  body: RequestInit['body'],
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Envelope<Avatar> }> {
  const response = await fetch(`${sharedApiUrl}${UPLOAD}`, {
    method: 'POST',
    headers: { ...(token ? { token } : {}), ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
  return { status: response.status, body: (await response.json()) as Envelope<Avatar> };
}

const uploadFile = (token: string, bytes: Buffer, filename: string, type: string) =>
  upload(token, form([{ field: 'file', bytes, filename, type }]));

/** A multipart body of one file part sent chunked (no Content-Length), so only the streamed limit can stop it. */
function chunkedMultipart(bytes: Buffer): { body: ReadableStream<Uint8Array>; contentType: string } {
  const boundary = `----avatar${uid()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n` +
      'Content-Type: image/png\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunks = [
    head,
    ...Array.from({ length: Math.ceil(bytes.length / 65536) }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536)),
    tail,
  ];
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** PNG signature followed by filler: a PNG to the content sniffer, of exactly `size` bytes. */
function pngOfSize(size: number): Buffer {
  const bytes = Buffer.alloc(size, 7);
  bytes.set(randomPng().subarray(0, 16));
  return bytes;
}

async function fetchFile(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${sharedApiUrl}${url}`, { headers });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A browser's conditional GET: status and body length. */
function revalidate(url: string, etag: string): Promise<{ status: number; length: number }> {
  return new Promise((resolve, reject) => {
    const request = get(`${sharedApiUrl}${url}`, { headers: { 'if-none-match': etag } }, (response) => {
      let length = 0;
      response.on('data', (chunk: Buffer) => (length += chunk.length));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, length }));
    });
    request.on('error', reject);
  });
}

describe('user avatars: upload, serve, set', () => {
  let db: Db;
  let admin: Awaited<ReturnType<typeof createAdmin>>;

  beforeAll(async () => {
    db = testDb();
    admin = await createAdmin(db, sharedApiUrl);
  });
  afterAll(async () => db.destroy());

  it('accepts a PNG, stores it once under its hash and serves it back byte-equal as image/png', async () => {
    const png = randomPng(3, 2);
    const before = storedNames();
    const response = await uploadFile(admin.token, png, 'me.png', 'image/png');
    expect(response.status).toBe(200);
    const name = `${sha256(png)}.png`;
    expect(response.body).toEqual({
      code: '200',
      msg: 'success',
      data: { url: `/files/avatars/${name}`, name, contentType: 'image/png', size: png.length },
    });
    expect(storedNames()).toEqual([...before, name].sort());
    expect(readFileSync(path.join(AVATAR_DIR, name)).equals(png)).toBe(true);

    const served = await fetchFile(response.body.data.url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(png)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(served.headers.get('content-length')).toBe(String(png.length));
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = served.headers.get('etag');
    expect(etag).toBe(`"${sha256(png)}"`);
    // Plain node:http: fetch marks a request with If-None-Match as no-cache, which a server must not answer with 304.
    const revalidated = await revalidate(response.body.data.url, etag as string);
    expect(revalidated.status).toBe(304);
    expect(revalidated.length).toBe(0);

    const again = await uploadFile(admin.token, png, 'other-name.png', 'image/png');
    expect(again.body.data.url).toBe(response.body.data.url);
    expect(storedNames()).toEqual([...before, name].sort());
  });

  it('recognises a JPEG by its content, whatever its name and declared type', async () => {
    const jpeg = randomJpeg();
    const response = await uploadFile(admin.token, jpeg, 'photo.bin', 'application/octet-stream');
    expect(response.status).toBe(200);
    expect(response.body.data).toEqual({
      url: `/files/avatars/${sha256(jpeg)}.jpg`,
      name: `${sha256(jpeg)}.jpg`,
      contentType: 'image/jpeg',
      size: jpeg.length,
    });
    const served = await fetchFile(response.body.data.url);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(jpeg)).toBe(true);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a text file named .png and declared image/png, in English and Chinese, storing nothing', async () => {
    const before = storedNames();
    const text = Buffer.from(`<svg onload="alert(1)">not an image ${uid()}</svg>\n`);
    const response = await uploadFile(admin.token, text, 'avatar.png', 'image/png');
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      code: '400',
      msg: 'file: must be a PNG, JPEG or WebP image',
      data: { errors: [{ field: 'file', message: 'must be a PNG, JPEG or WebP image' }] },
    });
    const zh = await upload(admin.token, form([{ field: 'file', bytes: text, filename: 'a.png', type: 'image/png' }]), {
      'accept-language': 'zh-CN',
    });
    expect(zh.status).toBe(400);
    expect(zh.body.data).toEqual({ errors: [{ field: 'file', message: '必须是 PNG、JPEG 或 WebP 格式的图片' }] });
    const empty = await uploadFile(admin.token, Buffer.alloc(0), 'empty.png', 'image/png');
    expect(empty.status).toBe(400);
    expect(empty.body.data).toEqual({ errors: [{ field: 'file', message: 'must not be empty' }] });
    expect(storedNames()).toEqual(before);
  });

  it('refuses a file over the limit with 413, whether the length is declared or streamed, storing nothing', async () => {
    const before = storedNames();
    const tooLarge = {
      code: '413',
      msg: `uploaded file (file) too large (at most ${MAX_BYTES} bytes)`,
      data: null,
    };
    // Declared length within the allowance for part headers: busboy stops at the limit.
    const justOver = await uploadFile(admin.token, pngOfSize(MAX_BYTES + 1), 'big.png', 'image/png');
    expect(justOver.status).toBe(413);
    expect(justOver.body).toEqual(tooLarge);
    // Declared length far over: refused before reading.
    const farOver = await uploadFile(admin.token, pngOfSize(4 * MAX_BYTES), 'huge.png', 'image/png');
    expect(farOver.status).toBe(413);
    expect(farOver.body).toEqual(tooLarge);
    // No declared length: the streamed count stops it.
    const chunked = chunkedMultipart(pngOfSize(2 * MAX_BYTES));
    const streamed = await upload(admin.token, chunked.body, { 'content-type': chunked.contentType });
    expect(streamed.status).toBe(413);
    expect(streamed.body).toEqual(tooLarge);
    expect(storedNames()).toEqual(before);

    // The limit itself is accepted (the API still answers on the same connection pool after the refusals).
    const atLimit = await uploadFile(admin.token, pngOfSize(MAX_BYTES), 'max.png', 'image/png');
    expect(atLimit.status).toBe(200);
    expect(atLimit.body.data.size).toBe(MAX_BYTES);
  });

  it('refuses what is not one multipart file part named file: 415 for other bodies, 400 naming the part', async () => {
    const before = storedNames();
    const png = randomPng();
    const json = await call(sharedApiUrl, 'POST', UPLOAD, { token: admin.token, body: { file: 'x' } });
    expect(json.status).toBe(415);
    expect(json.body).toEqual({
      code: '415',
      msg: 'content type application/json is not accepted here; send multipart/form-data',
      data: null,
    });
    const none = await upload(admin.token, '');
    expect(none.status).toBe(415);

    const cases: Array<[string, FormData, { field: string; message: string }]> = [
      ['no part at all', new FormData(), { field: 'file', message: 'is required' }],
      [
        'the file twice',
        form([
          { field: 'file', bytes: png, filename: 'a.png', type: 'image/png' },
          { field: 'file', bytes: randomPng(), filename: 'b.png', type: 'image/png' },
        ]),
        { field: 'file', message: 'appears twice in this request' },
      ],
      [
        'another field',
        form([
          { field: 'file', bytes: png, filename: 'a.png', type: 'image/png' },
          { field: 'userId', bytes: '1' },
        ]),
        { field: 'userId', message: 'is not a known field' },
      ],
      [
        'the file under another name',
        form([{ field: 'avatar', bytes: png, filename: 'a.png', type: 'image/png' }]),
        { field: 'avatar', message: 'is not a known field' },
      ],
      [
        'the file as a text field',
        form([{ field: 'file', bytes: 'hello' }]),
        { field: 'file', message: 'must be sent as a file' },
      ],
    ];
    for (const [what, body, problem] of cases) {
      const response = await upload(admin.token, body);
      expect({ what, status: response.status, data: response.body.data }).toEqual({
        what,
        status: 400,
        data: { errors: [problem] },
      });
    }
    const broken = await upload(admin.token, 'not multipart at all', {
      'content-type': 'multipart/form-data; boundary=xyz',
    });
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ code: '400', msg: 'request body is not readable multipart/form-data', data: null });
    expect(storedNames()).toEqual(before);
  });

  it('checks the token and the permission before reading the body', async () => {
    const before = storedNames();
    const png = randomPng();
    const anonymous = await upload(
      undefined,
      form([{ field: 'file', bytes: png, filename: 'a.png', type: 'image/png' }]),
    );
    expect(anonymous.status).toBe(401);
    expect((await call(sharedApiUrl, 'POST', UPLOAD, { body: {} })).status).toBe(401);
    const unprivileged = await createAdmin(db, sharedApiUrl, { roleKeys: [] });
    const forbidden = await uploadFile(unprivileged.token, png, 'a.png', 'image/png');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.msg).toBe('permission user:uploadAvatar required');
    // Not even the content type is looked at before the permission.
    const forbiddenJson = await call(sharedApiUrl, 'POST', UPLOAD, { token: unprivileged.token, body: {} });
    expect(forbiddenJson.status).toBe(403);
    const update = await call(sharedApiUrl, 'POST', UPDATE, {
      token: unprivileged.token,
      body: { userId: unprivileged.id, avatarUrl: '/files/avatars/x.png' },
    });
    expect(update.status).toBe(403);
    expect(update.body.msg).toBe('permission user:updateAvatar required');
    expect(storedNames()).toEqual(before);
  });

  it("sets a user's avatar from an uploaded image's URL and refuses any other URL", async () => {
    const target = await insertUser(db, { username: uid('avatar_'), passwordHash: 'x', cuser: 'test' });
    const uploaded = await uploadFile(admin.token, randomPng(), 'a.png', 'image/png');
    expect(uploaded.status).toBe(200);
    const url = uploaded.body.data.url;

    const set = await call(sharedApiUrl, 'POST', UPDATE, {
      token: admin.token,
      body: { userId: target.id, avatarUrl: url },
    });
    expect(set.status).toBe(200);
    expect(set.body.data).toEqual({ userId: target.id, avatar: url });
    const row = await db('sys_user').where({ id: target.id }).first<{ avatar: string; muser: string }>();
    expect(row).toMatchObject({ avatar: url, muser: admin.username });

    const missingName = `${'0'.repeat(64)}.png`;
    const refusals: Array<[string, string]> = [
      ['https://evil.example.com/a.png', 'must be the URL of an image uploaded with user/uploadAvatar'],
      [`https://evil.example.com${url}`, 'must be the URL of an image uploaded with user/uploadAvatar'],
      [`${url}?x=1`, 'must be the URL of an image uploaded with user/uploadAvatar'],
      ['/files/avatars/../../package.json', 'must be the URL of an image uploaded with user/uploadAvatar'],
      [`/files/avatars/${missingName}`, 'no uploaded image at this URL'],
    ];
    for (const [avatarUrl, message] of refusals) {
      const response = await call(sharedApiUrl, 'POST', UPDATE, {
        token: admin.token,
        body: { userId: target.id, avatarUrl },
      });
      expect({ avatarUrl, status: response.status, data: response.body.data }).toEqual({
        avatarUrl,
        status: 400,
        data: { errors: [{ field: 'avatarUrl', message }] },
      });
    }
    const zh = await call(sharedApiUrl, 'POST', UPDATE, {
      token: admin.token,
      body: { userId: target.id, avatarUrl: 'https://evil.example.com/a.png' },
      headers: { 'accept-language': 'zh' },
    });
    expect(zh.body.data).toEqual({
      errors: [{ field: 'avatarUrl', message: '必须是通过 user/uploadAvatar 上传的图片网址' }],
    });
    expect((await db('sys_user').where({ id: target.id }).first<{ avatar: string }>())?.avatar).toBe(url);
  });

  it('answers 404 for an unknown or deleted user and changes no row', async () => {
    const uploaded = await uploadFile(admin.token, randomPng(), 'a.png', 'image/png');
    const url = uploaded.body.data.url;
    const unknown = await call(sharedApiUrl, 'POST', UPDATE, {
      token: admin.token,
      body: { userId: '999999999999', avatarUrl: url },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: '404', msg: 'user 999999999999 not found', data: null });

    const deleted = await insertUser(db, { username: uid('gone_'), passwordHash: 'x', cuser: 'test' });
    await db('sys_user').where({ id: deleted.id }).update({ is_del: 1 });
    const response = await call(sharedApiUrl, 'POST', UPDATE, {
      token: admin.token,
      body: { userId: deleted.id, avatarUrl: url },
      headers: { 'accept-language': 'zh' },
    });
    expect(response.status).toBe(404);
    expect(response.body.msg).toBe(`用户 ${deleted.id} 不存在`);
    expect((await db('sys_user').where({ id: deleted.id }).first<{ avatar: string | null }>())?.avatar).toBeNull();
  });

  it('serves no file for unknown or malformed names: 404 or 400 as the envelope, never a file outside the store', async () => {
    const unknown = await call(sharedApiUrl, 'GET', `/files/avatars/${'a'.repeat(64)}.png`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ code: '404', msg: `avatar ${'a'.repeat(64)}.png not found`, data: null });
    for (const name of [
      '..%2F..%2Fpackage.json',
      '..%5C..%5Cpackage.json',
      `${'a'.repeat(64)}.png%00`,
      `${'a'.repeat(64)}.svg`,
      `${'A'.repeat(64)}.png`,
    ]) {
      const response = await call(sharedApiUrl, 'GET', `/files/avatars/${name}`);
      expect({ name, status: response.status, code: response.body.code }).toEqual({ name, status: 400, code: '400' });
    }
    const outside = await call(sharedApiUrl, 'GET', '/files/avatars/../../package.json');
    expect(outside.status).toBe(404);
    expect(outside.body.code).toBe('404');
  });
});
