// The hash chain: hash = SHA-256(prev || canonical JSON of the record without `hash`), or
// HMAC-SHA-256 with the configured key; prev is the previous record's hash, GENESIS_PREV for the first.
import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** `prev` of the very first record of a log: 64 zeros. */
export const GENESIS_PREV = '0'.repeat(64);

/** Hashes `prev` (64 hex ASCII characters) followed by the canonical body, both as UTF-8. */
export function chainHash(prev: string, canonicalBody: string, hmacKey?: Buffer): string {
  if (!hmacKey) return sha256Hex(prev + canonicalBody);
  return createHmac('sha256', hmacKey).update(prev, 'utf8').update(canonicalBody, 'utf8').digest('hex');
}

/** Recomputes the hash of a parsed record (every member except `hash` takes part). */
export function recordHash(record: Record<string, unknown>, hmacKey?: Buffer): string {
  const { hash: _hash, ...body } = record;
  const prev = typeof body.prev === 'string' ? body.prev : '';
  return chainHash(prev, canonicalJson(body), hmacKey);
}

// crypto.hash (one shot, Node >= 20.12 / 21.7) skips a Hash object per call: one per record and output
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}
