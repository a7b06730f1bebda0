// The hash chain: hash = SHA-256(prev || canonical JSON of the record without `hash`), or
// HMAC-SHA-256 with the configured key; prev is the previous record's hash, GENESIS_PREV for the first.
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** `prev` of the very first record of a log: 64 zeros. */
export const GENESIS_PREV = '0'.repeat(64);

/** Hashes `prev` (64 hex ASCII characters) followed by the canonical body, both as UTF-8. */
export function chainHash(prev: string, canonicalBody: string, hmacKey?: Buffer): string {
  const h = hmacKey ? createHmac('sha256', hmacKey) : createHash('sha256');
  return h.update(prev, 'utf8').update(canonicalBody, 'utf8').digest('hex');
}

/** Recomputes the hash of a parsed record (every member except `hash` takes part). */
export function recordHash(record: Record<string, unknown>, hmacKey?: Buffer): string {
  const { hash: _hash, ...body } = record;
  const prev = typeof body.prev === 'string' ? body.prev : '';
  return chainHash(prev, canonicalJson(body), hmacKey);
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
