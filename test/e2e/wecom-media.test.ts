import pino from 'pino';
import type { Db } from '../../src/db/knex';
import type { WecomClientFactory } from '../../src/wecom/client-factory';
import { createWecomApiFactory } from '../../src/wecom/client-factory';
import { WecomApiError } from '../../src/wecom/errors';
import { testDb } from '../helpers/factories';
import { control, createSimulatedCorp, simulatorUrl } from '../helpers/wecom';

interface SimMedia {
  mediaId: string;
  type: string;
  size: number;
  createdAt: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A file WeCom takes for a PNG: the PNG signature followed by `size - 8` bytes. */
function pngBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(PNG_SIGNATURE);
  for (let i = PNG_SIGNATURE.length; i < size; i += 1) bytes[i] = i % 251;
  return bytes;
}

async function simulatorMedia(corpId: string): Promise<SimMedia[]> {
  const state = await control<{ media: SimMedia[] }>('GET', `/corps/${corpId}/state?sections=media`);
  return state.media;
}

async function callsByPath(corpId: string): Promise<Record<string, number>> {
  const stats = await control<{ apiCalls: { byPath: Record<string, number> } }>('GET', `/corps/${corpId}/stats`);
  return stats.apiCalls.byPath;
}

async function uploadError(run: () => Promise<unknown>): Promise<WecomApiError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WecomApiError);
  return error as WecomApiError;
}

describe('WeCom client media uploads (multipart) against the simulator', () => {
  let db: Db;
  let wecom: WecomClientFactory;
  beforeAll(() => {
    db = testDb();
    wecom = createWecomApiFactory(db, { baseUrl: `${simulatorUrl}/cgi-bin/`, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => db.destroy());

  it('uploads a temporary image and a file: WeCom stores each part with its type and exact size', async () => {
    const corp = await createSimulatedCorp(db, { seed: 61, customers: 5 });
    const client = await wecom(corp.corpId);
    const image = await client.uploadMedia('image', {
      data: pngBytes(70_000),
      filename: 'poster.png',
      contentType: 'image/png',
    });
    const file = await client.uploadMedia('file', {
      data: new TextEncoder().encode('报价单 v2, 2026'),
      filename: 'quote.txt',
    });

    expect(image.type).toBe('image');
    expect(image.created_at).toMatch(/^\d{10}$/);
    expect(file.type).toBe('file');
    expect(file.media_id).not.toBe(image.media_id);
    const stored = await simulatorMedia(corp.corpId);
    expect(stored.map((m) => [m.mediaId, m.type, m.size]).sort()).toEqual(
      [
        [image.media_id, 'image', 70_000],
        [file.media_id, 'file', Buffer.byteLength('报价单 v2, 2026')],
      ].sort(),
    );
  });

  it('uploads a permanent image for message bodies and gets its URL', async () => {
    const corp = await createSimulatedCorp(db, { seed: 62, customers: 5 });
    const client = await wecom(corp.corpId);
    const answer = await client.uploadImage({ data: pngBytes(2_000), filename: 'logo.png', contentType: 'image/png' });
    expect(answer.url).toMatch(/^http:\/\/p\.qpic\.cn\/pic_wework\/\d+\/[0-9a-f]+\/0$/);
    expect((await callsByPath(corp.corpId))['media/uploadimg']).toBe(1);
  });

  it('refreshes a revoked token once and retries a busy answer (-1) within the call, storing the file once', async () => {
    const corp = await createSimulatedCorp(db, { seed: 63, customers: 5 });
    const client = await wecom(corp.corpId);
    await client.uploadMedia('file', { data: new Uint8Array(64), filename: 'warm-up.bin' });
    await control('POST', `/corps/${corp.corpId}/tokens/invalidate`, { mode: 'revoke' });
    await control('POST', `/corps/${corp.corpId}/faults`, { path: 'media/upload', errcode: -1, count: 1 });

    const answer = await client.uploadMedia('file', { data: new Uint8Array(128), filename: 'retry.bin' });

    const calls = await callsByPath(corp.corpId);
    // A second token after the revoked one was refused (the simulator counts no call for a refused token).
    expect(calls['gettoken']).toBe(2);
    // warm-up, the -1 answer, the stored upload.
    expect(calls['media/upload']).toBe(3);
    const stored = await simulatorMedia(corp.corpId);
    expect(stored.map((m) => m.size).sort((a, b) => a - b)).toEqual([64, 128]);
    expect(stored.some((m) => m.mediaId === answer.media_id)).toBe(true);
  });

  it('turns WeCom media errors into permanent typed errors and stores nothing', async () => {
    const corp = await createSimulatedCorp(db, { seed: 64, customers: 5 });
    const client = await wecom(corp.corpId);

    const notAnImage = await uploadError(() =>
      client.uploadMedia('image', { data: new TextEncoder().encode('not a picture'), filename: 'x.png' }),
    );
    expect(notAnImage.errcode).toBe(40004);
    expect(notAnImage.retryable).toBe(false);

    const tooLarge = await uploadError(() =>
      client.uploadMedia('voice', { data: new Uint8Array(2 * 1024 * 1024 + 1), filename: 'long.amr' }),
    );
    expect(tooLarge.errcode).toBe(45001);
    expect(tooLarge.retryable).toBe(false);

    const tooSmall = await uploadError(() => client.uploadImage({ data: new Uint8Array(3), filename: 'tiny.png' }));
    expect(tooSmall.errcode).toBe(40006);

    expect(await simulatorMedia(corp.corpId)).toEqual([]);
    // Permanent errors are not retried: one request each.
    const calls = await callsByPath(corp.corpId);
    expect(calls['media/upload']).toBe(2);
    expect(calls['media/uploadimg']).toBe(1);
  });
});
