import { wecomEndpoints, type EndpointName } from '../endpoints';
import { WecomError } from './errors';

/** Opaque cursors: a kind tag and integers, base64url-encoded, so a cursor of one API is refused by another. */
export function encodeCursor(kind: string, parts: readonly number[]): string {
  return Buffer.from(`${kind}:${parts.join('.')}`, 'utf8').toString('base64url');
}

/** The integers of a cursor from encodeCursor; 40058 for anything else. */
export function decodeCursor(kind: string, cursor: string, count: number): number[] {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const prefix = `${kind}:`;
  if (text.startsWith(prefix)) {
    const parts = text.slice(prefix.length).split('.');
    if (parts.length === count && parts.every((p) => /^\d{1,15}$/.test(p))) return parts.map(Number);
  }
  throw new WecomError(40058, 'invalid cursor');
}

/** The endpoint table's page bound for a paging endpoint. */
export function maxPageOf(name: EndpointName): number {
  const max = wecomEndpoints[name].maxPage;
  if (max === undefined) throw new TypeError(`endpoint ${name} declares no maxPage`);
  return max;
}
