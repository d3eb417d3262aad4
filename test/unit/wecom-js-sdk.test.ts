import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildJsConfig, jsApiSignature, signableUrl } from '../../src/wecom/js-sdk';

interface JsVector {
  id: string;
  jsapi_ticket: string;
  noncestr: string;
  timestamp: string;
  url: string;
  string1: string;
  expected_signature: string;
}

const vectors = (
  JSON.parse(readFileSync(path.join(__dirname, '../fixtures/wecom-test-vectors.json'), 'utf8')) as {
    jssdk_signature: JsVector[];
  }
).jssdk_signature;

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

describe('jsApiSignature', () => {
  it('has both fixture vectors', () => {
    expect(vectors.map((v) => v.id.slice(0, 2))).toEqual(['J1', 'J2']);
  });

  it.each(vectors)('$id gives the expected signature', (v) => {
    expect(sha1(v.string1)).toBe(v.expected_signature);
    expect(jsApiSignature({ ticket: v.jsapi_ticket, nonceStr: v.noncestr, timestamp: v.timestamp, url: v.url })).toBe(
      v.expected_signature,
    );
    expect(
      jsApiSignature({ ticket: v.jsapi_ticket, nonceStr: v.noncestr, timestamp: Number(v.timestamp), url: v.url }),
    ).toBe(v.expected_signature);
  });

  it('ignores the #fragment of the page URL', () => {
    const v = vectors[0]!;
    expect(
      jsApiSignature({
        ticket: v.jsapi_ticket,
        nonceStr: v.noncestr,
        timestamp: v.timestamp,
        url: `${v.url}#/detail?id=3`,
      }),
    ).toBe(v.expected_signature);
  });

  it('does not URL-encode the URL', () => {
    const url = 'https://h5.example.com/page?name=张三&x=a b';
    const signature = jsApiSignature({ ticket: 't', nonceStr: 'n', timestamp: 1, url });
    expect(signature).toBe(sha1(`jsapi_ticket=t&noncestr=n&timestamp=1&url=${url}`));
    expect(signature).not.toBe(sha1(`jsapi_ticket=t&noncestr=n&timestamp=1&url=${encodeURI(url)}`));
  });

  it('refuses empty tickets, empty nonces and non-second timestamps', () => {
    expect(() => jsApiSignature({ ticket: '', nonceStr: 'n', timestamp: 1, url: 'u' })).toThrow(TypeError);
    expect(() => jsApiSignature({ ticket: 't', nonceStr: '', timestamp: 1, url: 'u' })).toThrow(TypeError);
    expect(() => jsApiSignature({ ticket: 't', nonceStr: 'n', timestamp: '2024-01-01', url: 'u' })).toThrow(TypeError);
  });

  it('signableUrl cuts at the first #', () => {
    expect(signableUrl('https://a.example/p?q=1#x#y')).toBe('https://a.example/p?q=1');
    expect(signableUrl('https://a.example/p')).toBe('https://a.example/p');
  });
});

describe('buildJsConfig', () => {
  const base = {
    corpId: 'ww1234567890',
    agentId: 1000002,
    jsapiTicket: 'corp-ticket',
    agentTicket: 'app-ticket',
    url: 'https://h5.example.com/customer?id=9#top',
  };

  it('signs wx.config with the corp ticket and wx.agentConfig with the app ticket', () => {
    const config = buildJsConfig({ ...base, timestamp: 1700000000, nonceStr: 'abc123' });
    const plain = 'https://h5.example.com/customer?id=9';
    expect(config.url).toBe(plain);
    expect(config.config).toEqual({
      corpId: 'ww1234567890',
      timestamp: 1700000000,
      nonceStr: 'abc123',
      signature: sha1(`jsapi_ticket=corp-ticket&noncestr=abc123&timestamp=1700000000&url=${plain}`),
    });
    expect(config.agentConfig).toEqual({
      corpId: 'ww1234567890',
      agentId: 1000002,
      timestamp: 1700000000,
      nonceStr: 'abc123',
      signature: sha1(`jsapi_ticket=app-ticket&noncestr=abc123&timestamp=1700000000&url=${plain}`),
    });
  });

  it('uses a fresh nonce and the current time when none is given', () => {
    const before = Math.floor(Date.now() / 1000);
    const a = buildJsConfig(base);
    const b = buildJsConfig(base);
    const after = Math.floor(Date.now() / 1000);
    expect(a.config.nonceStr).not.toBe(b.config.nonceStr);
    expect(a.config.nonceStr).toMatch(/^[0-9a-f]{16}$/);
    expect(a.config.timestamp).toBeGreaterThanOrEqual(before);
    expect(a.config.timestamp).toBeLessThanOrEqual(after);
    expect(a.config.signature).toBe(
      jsApiSignature({
        ticket: 'corp-ticket',
        nonceStr: a.config.nonceStr,
        timestamp: a.config.timestamp,
        url: base.url,
      }),
    );
    expect(a.agentConfig.signature).not.toBe(a.config.signature);
  });
});
