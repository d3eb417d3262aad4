import type { MaterialRow } from '../../src/db/queries/materials';
import { ValidationError } from '../../src/domain/errors';
import { checkMediaContent, contentKindOf } from '../../src/domain/materials/content';
import { mediaExpiresAt, welcomeContentOf } from '../../src/domain/materials/media';
import { randomJpeg, randomPng } from '../helpers/images';

const MB = 1024 * 1024;
const mp4 = (size = 64) => {
  const bytes = Buffer.alloc(size, 1);
  Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypmp42')]).copy(bytes);
  return bytes;
};
const amr = (size = 64) => {
  const bytes = Buffer.alloc(size, 1);
  Buffer.from('#!AMR\n', 'latin1').copy(bytes);
  return bytes;
};
const padded = (head: Buffer, size: number) => {
  const bytes = Buffer.alloc(size, 2);
  head.subarray(0, 32).copy(bytes);
  return bytes;
};

function refusal(run: () => unknown): { key?: string; params?: Record<string, string | number> } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const problem = (error as ValidationError).problems[0];
    return { key: problem?.messageKey, params: problem?.params };
  }
  throw new Error('expected a refusal');
}

describe('material content checks', () => {
  it('tells kinds apart by content, whatever the name', () => {
    expect(contentKindOf(randomPng())).toMatchObject({ kind: 'png', mime: 'image/png', extension: 'png' });
    expect(contentKindOf(randomJpeg())).toMatchObject({ kind: 'jpg', mime: 'image/jpeg' });
    expect(contentKindOf(mp4())).toMatchObject({ kind: 'mp4', mime: 'video/mp4', extension: 'mp4' });
    expect(contentKindOf(amr())).toMatchObject({ kind: 'amr', mime: 'audio/amr' });
    expect(contentKindOf(Buffer.from('%PDF-1.7 something'))).toMatchObject({ mime: 'application/pdf' });
    expect(contentKindOf(Buffer.from('just some text'))).toEqual({
      kind: 'bin',
      mime: 'application/octet-stream',
      extension: 'bin',
    });
  });

  it("holds each media type to WeCom's kind and size limits", () => {
    expect(checkMediaContent('file', 'image', padded(randomPng(), 10 * MB)).kind).toBe('png');
    expect(refusal(() => checkMediaContent('file', 'image', padded(randomPng(), 10 * MB + 1)))).toEqual({
      key: 'rule.materialTooLarge',
      params: { mediaType: 'image', limit: '10 MB' },
    });
    expect(refusal(() => checkMediaContent('file', 'image', mp4())).key).toBe('rule.materialKind');
    expect(checkMediaContent('file', 'video', mp4(10 * MB)).kind).toBe('mp4');
    expect(refusal(() => checkMediaContent('file', 'video', mp4(10 * MB + 1))).key).toBe('rule.materialTooLarge');
    expect(refusal(() => checkMediaContent('file', 'video', randomPng())).key).toBe('rule.materialKind');
    expect(checkMediaContent('file', 'voice', amr(2 * MB)).kind).toBe('amr');
    expect(refusal(() => checkMediaContent('file', 'voice', amr(2 * MB + 1))).params).toEqual({
      mediaType: 'voice',
      limit: '2 MB',
    });
    expect(refusal(() => checkMediaContent('file', 'voice', mp4())).key).toBe('rule.materialKind');
    expect(checkMediaContent('file', 'file', Buffer.alloc(20 * MB, 1)).kind).toBe('bin');
    expect(refusal(() => checkMediaContent('file', 'file', Buffer.alloc(20 * MB + 1, 1))).key).toBe(
      'rule.materialTooLarge',
    );
    expect(refusal(() => checkMediaContent('file', 'file', Buffer.from('12345')))).toEqual({
      key: 'rule.materialTooSmall',
      params: { limit: 5 },
    });
    expect(checkMediaContent('file', 'file', Buffer.from('123456')).kind).toBe('bin');
  });
});

describe('welcome content of materials', () => {
  const row = (fields: Partial<MaterialRow>): MaterialRow => ({ id: '1', scope: 1, ...fields }) as MaterialRow;

  it('joins text materials into the text and turns the others into attachments in order', () => {
    const content = welcomeContentOf(
      [
        row({ type: 'text', content: '第一句' }),
        row({ type: 'image', media_id: 'm-img' }),
        row({
          type: 'link',
          title: '官网',
          url: 'https://example.com',
          pic_url: 'http://p.qpic.cn/x',
          description: 'd',
        }),
        row({ type: 'miniprogram', title: '小程序', media_id: 'm-cover', appid: 'wx1', page: 'pages/a' }),
        row({ type: 'video', media_id: 'm-video' }),
        row({ type: 'file', media_id: 'm-file' }),
        row({ type: 'text', content: '第二句' }),
      ],
      '您好',
    );
    expect(content).toEqual({
      text: { content: '您好\n第一句\n第二句' },
      attachments: [
        { msgtype: 'image', image: { media_id: 'm-img' } },
        {
          msgtype: 'link',
          link: { title: '官网', url: 'https://example.com', picurl: 'http://p.qpic.cn/x', desc: 'd' },
        },
        {
          msgtype: 'miniprogram',
          miniprogram: { title: '小程序', pic_media_id: 'm-cover', appid: 'wx1', page: 'pages/a' },
        },
        { msgtype: 'video', video: { media_id: 'm-video' } },
        { msgtype: 'file', file: { media_id: 'm-file' } },
      ],
    });
    expect(welcomeContentOf([row({ type: 'link', title: 't', url: 'https://e.com' })])).toEqual({
      attachments: [{ msgtype: 'link', link: { title: 't', url: 'https://e.com' } }],
    });
  });

  it('dates a media_id 3 days after its upload', () => {
    expect(mediaExpiresAt(row({ media_uploaded_at: new Date('2026-12-01T00:00:00Z') }))?.toISOString()).toBe(
      '2026-12-04T00:00:00.000Z',
    );
    expect(mediaExpiresAt(row({ media_uploaded_at: null }))).toBeUndefined();
  });
});
