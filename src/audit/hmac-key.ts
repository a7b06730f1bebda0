// The optional HMAC key for the audit chain: read from a file, checked for a minimum length, and
// identified by a short public fingerprint (key_id) so `audit verify` can say "wrong key".
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { VnfError } from '../errors.js';

/** 32 bytes = the SHA-256 block strength; shorter keys are refused. */
export const HMAC_KEY_MIN_BYTES = 32;

/**
 * Reads an HMAC key file. The key is the file's bytes with one trailing newline removed (so
 * `openssl rand -hex 32 > key` and raw random bytes both work).
 */
export function loadHmacKey(file: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new VnfError('VNF_ERR_AUDIT_KEY', `audit HMAC key file ${file} cannot be read (${code})`, { cause: error });
  }
  let end = raw.length;
  if (end > 0 && raw[end - 1] === 0x0a) end -= 1;
  if (end > 0 && raw[end - 1] === 0x0d) end -= 1;
  const key = raw.subarray(0, end);
  if (key.length < HMAC_KEY_MIN_BYTES) {
    throw new VnfError('VNF_ERR_AUDIT_KEY',
      `audit HMAC key file ${file} holds ${key.length} bytes; at least ${HMAC_KEY_MIN_BYTES} are required (e.g. openssl rand -hex 32 > ${file})`);
  }
  return Buffer.from(key);
}

/** Public fingerprint of a key: first 16 hex digits of SHA-256(key). Reveals nothing usable. */
export function hmacKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}
