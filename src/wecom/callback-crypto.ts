import { decrypt, encrypt, getSignature } from '@wecom/crypto';
import { randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { buildEventXml } from './callback-xml';

/**
 * WeCom callback crypto (msg_signature, AES-256-CBC envelope) on top of the official @wecom/crypto
 * package, adding what it leaves to the caller: key validation, constant-time signature checks,
 * receive-id checks and detection of ciphertexts that do not decrypt cleanly.
 */

export type CallbackCryptoErrorCode =
  'INVALID_AES_KEY' | 'SIGNATURE_MISMATCH' | 'RECEIVE_ID_MISMATCH' | 'DECRYPT_FAILED' | 'ENCRYPT_FAILED';

export class CallbackCryptoError extends Error {
  override readonly name = 'CallbackCryptoError';
  readonly code: CallbackCryptoErrorCode;

  constructor(code: CallbackCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** 43 characters of the base64 alphabet, decoding (with the implied '=') to a 32-byte AES key. */
export function assertEncodingAesKey(encodingAESKey: string): void {
  if (!/^[A-Za-z0-9+/]{43}$/.test(encodingAESKey)) {
    throw new CallbackCryptoError(
      'INVALID_AES_KEY',
      `EncodingAESKey must be 43 base64 characters (got ${encodingAESKey.length} characters)`,
    );
  }
}

/** sha1 over the lexicographically sorted token, timestamp, nonce and ciphertext. */
export function computeSignature(token: string, timestamp: string, nonce: string, encrypted: string): string {
  return getSignature(token, timestamp, nonce, encrypted);
}

export interface SignatureInput {
  token: string;
  timestamp: string;
  nonce: string;
  /** `echostr` of the URL check, or the `<Encrypt>` text of a POST. */
  encrypted: string;
  /** `msg_signature` from the query string. */
  signature: string;
}

export function verifySignature(input: SignatureInput): boolean {
  const expected = Buffer.from(computeSignature(input.token, input.timestamp, input.nonce, input.encrypted), 'utf8');
  const given = Buffer.from(input.signature.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export function assertSignature(input: SignatureInput): void {
  if (!verifySignature(input)) {
    throw new CallbackCryptoError(
      'SIGNATURE_MISMATCH',
      'msg_signature does not match token, timestamp, nonce and payload',
    );
  }
}

export interface DecryptedPayload {
  message: string;
  receiveId: string;
  /** The sender's 16 random bytes (lets tests reproduce a ciphertext). */
  random: Buffer;
}

/** Decrypts without judging the receive id; DECRYPT_FAILED when the ciphertext does not decode exactly. */
export function decryptPayload(encodingAESKey: string, encrypted: string): DecryptedPayload {
  assertEncodingAesKey(encodingAESKey);
  let decoded: { message: string; id: string; random: Buffer };
  try {
    decoded = decrypt(encodingAESKey, encrypted);
  } catch (cause) {
    throw new CallbackCryptoError('DECRYPT_FAILED', 'callback payload could not be decrypted', { cause });
  }
  // The library tolerates bad padding and length fields (a wrong key yields garbage, not an error);
  // re-encrypting with the recovered random must give back the exact ciphertext.
  const again = encrypt(encodingAESKey, decoded.message, decoded.id, decoded.random);
  if (!Buffer.from(again, 'base64').equals(Buffer.from(encrypted, 'base64'))) {
    throw new CallbackCryptoError('DECRYPT_FAILED', 'callback payload could not be decrypted (wrong EncodingAESKey?)');
  }
  return { message: decoded.message, receiveId: decoded.id, random: decoded.random };
}

/** Plaintext of a callback payload meant for `expectedReceiveId` (the corp id for self-built apps). */
export function decryptMessage(encodingAESKey: string, encrypted: string, expectedReceiveId: string): string {
  const payload = decryptPayload(encodingAESKey, encrypted);
  if (payload.receiveId !== expectedReceiveId) {
    throw new CallbackCryptoError(
      'RECEIVE_ID_MISMATCH',
      `callback payload is addressed to ${JSON.stringify(payload.receiveId)}, expected ${JSON.stringify(expectedReceiveId)}`,
    );
  }
  return payload.message;
}

/** base64 ciphertext of `plaintext` for `receiveId`; `random` (16 bytes) only for reproducible tests. */
export function encryptMessage(encodingAESKey: string, plaintext: string, receiveId: string, random?: Buffer): string {
  assertEncodingAesKey(encodingAESKey);
  if (random !== undefined && random.length !== 16) {
    throw new CallbackCryptoError('ENCRYPT_FAILED', 'the random prefix must be 16 bytes');
  }
  return encrypt(encodingAESKey, plaintext, receiveId, random ?? randomBytes(16));
}

export interface OpenCallbackInput {
  token: string;
  encodingAESKey: string;
  receiveId: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
  /** `echostr` (URL check) or the `<Encrypt>` text (POST). */
  encrypted: string;
}

/** Signature check, then decryption: the plaintext of a callback, or a CallbackCryptoError. */
export function openCallback(input: OpenCallbackInput): string {
  assertSignature({
    token: input.token,
    timestamp: input.timestamp,
    nonce: input.nonce,
    encrypted: input.encrypted,
    signature: input.msgSignature,
  });
  return decryptMessage(input.encodingAESKey, input.encrypted, input.receiveId);
}

/** The body to answer WeCom's URL check with: the decrypted echostr, nothing else. */
export function verifyUrlEcho(input: Omit<OpenCallbackInput, 'encrypted'> & { echostr: string }): string {
  return openCallback({ ...input, encrypted: input.echostr });
}

export interface EncryptedEnvelopeInput {
  token: string;
  encodingAESKey: string;
  receiveId: string;
  plaintext: string;
  /** Unix seconds; now when absent. */
  timestamp?: string | number;
  nonce?: string;
  agentId?: string | number | null;
  random?: Buffer;
}

export interface EncryptedEnvelope {
  /** POST body: <xml><ToUserName/><Encrypt/><AgentID/></xml>. */
  body: string;
  msgSignature: string;
  timestamp: string;
  nonce: string;
  encrypted: string;
}

/** What WeCom sends to a callback URL: the encrypted XML body plus the query parameters that sign it. */
export function buildEncryptedEnvelope(input: EncryptedEnvelopeInput): EncryptedEnvelope {
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? String(randomInt(100_000_000, 2_000_000_000));
  const encrypted = encryptMessage(input.encodingAESKey, input.plaintext, input.receiveId, input.random);
  const msgSignature = computeSignature(input.token, timestamp, nonce, encrypted);
  const agentId = input.agentId === undefined || input.agentId === null ? undefined : String(input.agentId);
  const body = buildEventXml({ ToUserName: input.receiveId, Encrypt: encrypted, AgentID: agentId });
  return { body, msgSignature, timestamp, nonce, encrypted };
}
