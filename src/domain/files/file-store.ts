import type { Readable } from 'node:stream';

/** A stored file, opened for reading. */
export interface StoredFile {
  size: number;
  /** The bytes; the caller consumes or destroys it. */
  body: Readable;
}

/**
 * Where uploaded files live. Keys are `<namespace>/<name>` (see FILE_KEY); the store never
 * interprets them beyond that. The local directory implementation is the default; an
 * S3-compatible bucket implements the same three calls (PutObject, GetObject, HeadObject).
 */
export interface FileStore {
  /** Stores `bytes` under `key`, atomically: a reader sees the whole file or none. Overwrites. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The file under `key`, or undefined when there is none. */
  get(key: string): Promise<StoredFile | undefined>;
  exists(key: string): Promise<boolean>;
}

/** A namespace and a file name of letters, digits, `_` and `-` with an optional extension: no separators, no dots to climb. */
export const FILE_KEY = /^[a-z0-9-]{1,32}\/[A-Za-z0-9_-]{1,128}(?:\.[a-z0-9]{1,8})?$/;

export class InvalidFileKeyError extends Error {
  override readonly name = 'InvalidFileKeyError';
  constructor(key: string) {
    super(`invalid file key ${JSON.stringify(key.slice(0, 200))}`);
  }
}

/** Throws unless `key` is a FILE_KEY; callers validate names first, so this is the last line against path tricks. */
export function assertFileKey(key: string): void {
  if (!FILE_KEY.test(key)) throw new InvalidFileKeyError(key);
}
