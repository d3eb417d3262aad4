import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CallbackCryptoError,
  buildEncryptedEnvelope,
  computeSignature,
  decryptMessage,
  decryptPayload,
  encryptMessage,
  openCallback,
  verifySignature,
  verifyUrlEcho,
} from '../../src/wecom/callback-crypto';
import { parseCallbackEnvelope } from '../../src/wecom/callback-xml';

interface CryptoCase {
  name: string;
  msg_signature?: string;
  timestamp: string;
  nonce: string;
  echostr?: string;
  encrypt?: string;
  post_body?: string;
  expected_plaintext?: string;
  expected_receiveid?: string;
  expected_random_hex?: string;
  negative?: { nonce?: string; msg_signature?: string };
  random_ascii?: string;
  plaintext?: string;
  expected_encrypt?: string;
  expected_msg_signature?: string;
}

interface CryptoSet {
  id: string;
  token: string;
  encodingAESKey: string;
  receiveId: string;
  cases: CryptoCase[];
}

const vectors = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/wecom-test-vectors.json'), 'utf8')) as {
  callback_crypto: CryptoSet[];
};

/** Every case that carries a signed payload and its expected plaintext. */
const signedCases = vectors.callback_crypto.flatMap((set) =>
  set.cases
    .filter((c) => c.msg_signature !== undefined && c.expected_plaintext !== undefined)
    .map((c) => ({ set, c, label: `${set.id}/${c.name}`, payload: (c.echostr ?? c.encrypt)! })),
);

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return error instanceof CallbackCryptoError ? error.code : `not a CallbackCryptoError: ${String(error)}`;
  }
  return undefined;
}

describe('WeCom callback crypto vectors', () => {
  it('covers every signed case of the fixture', () => {
    expect(signedCases.length).toBe(7);
  });

  it.each(signedCases)('$label: msg_signature verifies', ({ set, c, payload }) => {
    expect(computeSignature(set.token, c.timestamp, c.nonce, payload)).toBe(c.msg_signature);
    expect(
      verifySignature({
        token: set.token,
        timestamp: c.timestamp,
        nonce: c.nonce,
        encrypted: payload,
        signature: c.msg_signature!,
      }),
    ).toBe(true);
  });

  it.each(signedCases)('$label: decrypts to the expected plaintext, receive id and random', ({ set, c, payload }) => {
    const decrypted = decryptPayload(set.encodingAESKey, payload);
    expect(decrypted.message).toBe(c.expected_plaintext);
    expect(decrypted.receiveId).toBe(c.expected_receiveid);
    if (c.expected_random_hex !== undefined) expect(decrypted.random.toString('hex')).toBe(c.expected_random_hex);
    expect(decryptMessage(set.encodingAESKey, payload, c.expected_receiveid!)).toBe(c.expected_plaintext);
  });

  it.each(signedCases)(
    '$label: re-encrypting with the recovered random reproduces the ciphertext',
    ({ set, payload }) => {
      const decrypted = decryptPayload(set.encodingAESKey, payload);
      expect(encryptMessage(set.encodingAESKey, decrypted.message, decrypted.receiveId, decrypted.random)).toBe(
        payload,
      );
    },
  );

  const urlChecks = signedCases.filter(({ c }) => c.name === 'verify_url');
  it.each(urlChecks)('$label: the URL check echoes the decrypted echostr', ({ set, c }) => {
    const echo = verifyUrlEcho({
      token: set.token,
      encodingAESKey: set.encodingAESKey,
      receiveId: set.receiveId,
      msgSignature: c.msg_signature!,
      timestamp: c.timestamp,
      nonce: c.nonce,
      echostr: c.echostr!,
    });
    expect(echo).toBe(c.expected_plaintext);
  });

  const negatives = vectors.callback_crypto.flatMap((set) =>
    set.cases.filter((c) => c.negative !== undefined).map((c) => ({ set, c, label: `${set.id}/${c.name}` })),
  );
  it('has the documented negative cases', () => {
    expect(negatives.length).toBe(2);
  });
  it.each(negatives)('$label: the documented negative case is rejected', ({ set, c }) => {
    const input = {
      token: set.token,
      timestamp: c.timestamp,
      nonce: c.negative!.nonce ?? c.nonce,
      encrypted: c.echostr!,
      signature: c.negative!.msg_signature ?? c.msg_signature!,
    };
    expect(verifySignature(input)).toBe(false);
    expect(
      codeOf(() =>
        verifyUrlEcho({
          token: set.token,
          encodingAESKey: set.encodingAESKey,
          receiveId: set.receiveId,
          msgSignature: input.signature,
          timestamp: c.timestamp,
          nonce: input.nonce,
          echostr: c.echostr!,
        }),
      ),
    ).toBe('SIGNATURE_MISMATCH');
  });

  it('the POST bodies of the fixture carry the Encrypt text that was signed', () => {
    const withBodies = signedCases.filter(({ c }) => c.post_body !== undefined);
    expect(withBodies.length).toBe(2);
    for (const { set, c } of withBodies) {
      const envelope = parseCallbackEnvelope(c.post_body!);
      expect(envelope.encrypt).toBe(c.encrypt);
      expect(envelope.toUserName).toBe(set.receiveId);
      expect(
        openCallback({
          token: set.token,
          encodingAESKey: set.encodingAESKey,
          receiveId: set.receiveId,
          msgSignature: c.msg_signature!,
          timestamp: c.timestamp,
          nonce: c.nonce,
          encrypted: envelope.encrypt,
        }),
      ).toBe(c.expected_plaintext);
    }
  });

  it('encrypts the deterministic vector (fixed random) byte for byte and signs it', () => {
    const set = vectors.callback_crypto.find((s) => s.id === 'C-wechatpy-work-crypto-tests')!;
    const c = set.cases.find((x) => x.name === 'encrypt_reply_deterministic')!;
    const encrypted = encryptMessage(set.encodingAESKey, c.plaintext!, set.receiveId, Buffer.from(c.random_ascii!));
    expect(encrypted).toBe(c.expected_encrypt);
    expect(computeSignature(set.token, c.timestamp, c.nonce, encrypted)).toBe(c.expected_msg_signature);

    const envelope = buildEncryptedEnvelope({
      token: set.token,
      encodingAESKey: set.encodingAESKey,
      receiveId: set.receiveId,
      plaintext: c.plaintext!,
      timestamp: c.timestamp,
      nonce: c.nonce,
      random: Buffer.from(c.random_ascii!),
    });
    expect(envelope.encrypted).toBe(c.expected_encrypt);
    expect(envelope.msgSignature).toBe(c.expected_msg_signature);
  });
});

describe('WeCom callback crypto failures', () => {
  const set = vectors.callback_crypto.find((s) => s.id === 'A-official-wecom-sample')!;
  const post = set.cases.find((c) => c.name === 'decrypt_post')!;
  const open = (overrides: Partial<Parameters<typeof openCallback>[0]>) =>
    openCallback({
      token: set.token,
      encodingAESKey: set.encodingAESKey,
      receiveId: set.receiveId,
      msgSignature: post.msg_signature!,
      timestamp: post.timestamp,
      nonce: post.nonce,
      encrypted: post.encrypt!,
      ...overrides,
    });

  it('opens the untouched callback', () => {
    expect(open({})).toBe(post.expected_plaintext);
  });

  it('rejects a tampered signature', () => {
    const flipped = post.msg_signature!.replace(/.$/, (ch) => (ch === '0' ? '1' : '0'));
    expect(codeOf(() => open({ msgSignature: flipped }))).toBe('SIGNATURE_MISMATCH');
    expect(codeOf(() => open({ msgSignature: '' }))).toBe('SIGNATURE_MISMATCH');
  });

  it('rejects a tampered timestamp or token', () => {
    expect(codeOf(() => open({ timestamp: String(Number(post.timestamp) + 1) }))).toBe('SIGNATURE_MISMATCH');
    expect(codeOf(() => open({ token: `${set.token}x` }))).toBe('SIGNATURE_MISMATCH');
  });

  it('accepts the signature in upper case hex', () => {
    expect(open({ msgSignature: post.msg_signature!.toUpperCase() })).toBe(post.expected_plaintext);
  });

  it('rejects a payload addressed to another receive id', () => {
    expect(codeOf(() => open({ receiveId: 'ww0000000000000000' }))).toBe('RECEIVE_ID_MISMATCH');
    expect(codeOf(() => decryptMessage(set.encodingAESKey, post.encrypt!, ''))).toBe('RECEIVE_ID_MISMATCH');
  });

  it('rejects decryption with a wrong key', () => {
    const otherKey = vectors.callback_crypto.find((s) => s.id === 'C-wechatpy-work-crypto-tests')!.encodingAESKey;
    expect(codeOf(() => decryptMessage(otherKey, post.encrypt!, set.receiveId))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => open({ encodingAESKey: otherKey }))).toBe('DECRYPT_FAILED');
  });

  it('rejects a corrupted or truncated ciphertext', () => {
    const bytes = Buffer.from(post.encrypt!, 'base64');
    const corrupted = Buffer.from(bytes);
    corrupted[bytes.length - 1] = corrupted[bytes.length - 1]! ^ 0xff;
    expect(codeOf(() => decryptMessage(set.encodingAESKey, corrupted.toString('base64'), set.receiveId))).toBe(
      'DECRYPT_FAILED',
    );
    const truncated = bytes.subarray(0, bytes.length - 5).toString('base64');
    expect(codeOf(() => decryptMessage(set.encodingAESKey, truncated, set.receiveId))).toBe('DECRYPT_FAILED');
    expect(codeOf(() => decryptMessage(set.encodingAESKey, '', set.receiveId))).toBe('DECRYPT_FAILED');
  });

  it.each([
    ['too short', set.encodingAESKey.slice(0, 42)],
    ['too long', `${set.encodingAESKey}A`],
    ['not base64', `${set.encodingAESKey.slice(0, 42)}!`],
    ['empty', ''],
  ])('rejects an EncodingAESKey that is %s', (_label, key) => {
    expect(codeOf(() => decryptMessage(key, post.encrypt!, set.receiveId))).toBe('INVALID_AES_KEY');
    expect(codeOf(() => encryptMessage(key, 'x', set.receiveId))).toBe('INVALID_AES_KEY');
  });
});

describe('buildEncryptedEnvelope', () => {
  const token = 'simToken';
  const encodingAESKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const corpId = 'wwsimulatorcorp0001';

  it('produces a body and query parameters that the receiving side accepts', () => {
    const plaintext =
      '<xml><ToUserName><![CDATA[wwsimulatorcorp0001]]></ToUserName><Content><![CDATA[你好]]></Content></xml>';
    const envelope = buildEncryptedEnvelope({ token, encodingAESKey, receiveId: corpId, plaintext, agentId: 1000002 });
    expect(envelope.timestamp).toMatch(/^\d{10}$/);
    expect(envelope.nonce).toMatch(/^\d+$/);
    expect(
      envelope.body.startsWith('<xml><ToUserName><![CDATA[wwsimulatorcorp0001]]></ToUserName><Encrypt><![CDATA['),
    ).toBe(true);
    const parsed = parseCallbackEnvelope(envelope.body);
    expect(parsed).toEqual({ toUserName: corpId, encrypt: envelope.encrypted, agentId: '1000002' });
    expect(
      openCallback({
        token,
        encodingAESKey,
        receiveId: corpId,
        msgSignature: envelope.msgSignature,
        timestamp: envelope.timestamp,
        nonce: envelope.nonce,
        encrypted: parsed.encrypt,
      }),
    ).toBe(plaintext);
  });

  it('uses a fresh random prefix for every message', () => {
    const a = buildEncryptedEnvelope({ token, encodingAESKey, receiveId: corpId, plaintext: 'same' });
    const b = buildEncryptedEnvelope({ token, encodingAESKey, receiveId: corpId, plaintext: 'same' });
    expect(a.encrypted).not.toBe(b.encrypted);
  });

  it('leaves AgentID out when no agent is given', () => {
    const envelope = buildEncryptedEnvelope({ token, encodingAESKey, receiveId: corpId, plaintext: 'x' });
    expect(envelope.body).not.toContain('AgentID');
    expect(parseCallbackEnvelope(envelope.body).agentId).toBeUndefined();
  });
});
