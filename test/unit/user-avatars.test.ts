import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { InvalidFileKeyError } from '../../src/domain/files/file-store';
import { LocalFileStore } from '../../src/domain/files/local-file-store';
import { avatarNameOf, avatarUrl, imageKindOf } from '../../src/domain/user-avatars/avatars';
import { randomJpeg, randomPng } from '../helpers/images';

const NAME = `${'ab'.repeat(32)}.png`;

describe('local file store', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'file-store-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('puts, finds and reads back a file under its namespace, leaving no temporary file', async () => {
    const store = new LocalFileStore(root);
    expect(await store.exists('avatars/a.png')).toBe(false);
    expect(await store.get('avatars/a.png')).toBeUndefined();
    await store.put('avatars/a.png', Buffer.from('first'));
    await store.put('avatars/a.png', Buffer.from('second'));
    expect(await store.exists('avatars/a.png')).toBe(true);
    const file = await store.get('avatars/a.png');
    expect(file?.size).toBe(6);
    expect(await text(file!.body)).toBe('second');
    expect(readdirSync(path.join(root, 'avatars'))).toEqual(['a.png']);
  });

  it.each([
    '../escape.png',
    'avatars/../../escape.png',
    'avatars/..',
    'avatars/sub/dir.png',
    '/etc/passwd',
    'avatars/a.png/',
    'avatars\\a.png',
    'avatars/a..png',
    'avatars/.hidden',
    'Avatars/a.png',
    'avatars/a.png\u0000',
    'avatars',
  ])('refuses the key %j before touching the disk', async (key) => {
    const store = new LocalFileStore(root);
    await expect(store.put(key, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidFileKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidFileKeyError);
    await expect(store.exists(key)).rejects.toBeInstanceOf(InvalidFileKeyError);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('avatar images and URLs', () => {
  it('recognises PNG, JPEG and WebP by content and nothing else', () => {
    expect(imageKindOf(randomPng())).toEqual({ extension: 'png', contentType: 'image/png' });
    expect(imageKindOf(randomJpeg())).toEqual({ extension: 'jpg', contentType: 'image/jpeg' });
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8L')]);
    expect(imageKindOf(webp)).toEqual({ extension: 'webp', contentType: 'image/webp' });
    expect(imageKindOf(Buffer.from('GIF89a\u0001\u0000'))).toBeUndefined();
    expect(imageKindOf(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(imageKindOf(Buffer.from('\u0089PNG but text'))).toBeUndefined();
    expect(imageKindOf(Buffer.alloc(0))).toBeUndefined();
  });

  it('issues path URLs, or absolute ones under the public base, and reads back only those', () => {
    const none = { publicBaseUrl: undefined };
    const based = { publicBaseUrl: 'https://scrm.example.com/api' };
    expect(avatarUrl(NAME, none)).toBe(`/files/avatars/${NAME}`);
    expect(avatarUrl(NAME, based)).toBe(`https://scrm.example.com/api/files/avatars/${NAME}`);
    expect(avatarNameOf(`/files/avatars/${NAME}`, none)).toBe(NAME);
    expect(avatarNameOf(`/files/avatars/${NAME}`, based)).toBe(NAME);
    expect(avatarNameOf(`https://scrm.example.com/api/files/avatars/${NAME}`, based)).toBe(NAME);
    for (const url of [
      `https://scrm.example.com/api/files/avatars/${NAME}`,
      `https://evil.example.com/api/files/avatars/${NAME}`,
      `/files/avatars/${NAME}?v=1`,
      `/files/avatars/${NAME}/`,
      `/files/avatars/../${NAME}`,
      `/files/avatars/${NAME.toUpperCase()}`,
      '/files/avatars/a.png',
    ]) {
      expect({ url, name: avatarNameOf(url, url.startsWith('https://evil') ? based : none) }).toEqual({
        url,
        name: undefined,
      });
    }
  });
});
