// Idempotency-Key for POSTs: per principal, the first request's outcome (or its in-flight promise)
// is kept for the job retention; the same key with the same body replays it, another body is 409.
import { createHash } from 'node:crypto';
import { VnfError } from '../errors.js';
import type { HandlerResult } from './types.js';

const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
export const MAX_IDEMPOTENCY_ENTRIES = 100_000;

interface Entry {
  hash: string;
  expires: number;
  outcome: Promise<HandlerResult>;
}

export function bodyHash(route: string, body: Buffer | undefined): string {
  return createHash('sha256').update(route).update('\n').update(body ?? Buffer.alloc(0)).digest('hex');
}

export function checkIdempotencyKey(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) || !KEY_PATTERN.test(value)) {
    throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'Idempotency-Key must be one header of 1-200 visible ASCII characters');
  }
  return value;
}

export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  /**
   * Runs `start` for a new key, or returns the earlier outcome (`replayed`) for the same key and body.
   * Outcomes that mean "nothing ran" (busy, shutting down) are forgotten so a retry runs.
   */
  run(scope: string, key: string, hash: string, start: () => Promise<HandlerResult>): { replayed: boolean; outcome: Promise<HandlerResult> } {
    this.prune();
    const id = `${scope}\n${key}`;
    const existing = this.entries.get(id);
    if (existing) {
      if (existing.hash !== hash) {
        throw new VnfError('VNF_ERR_API_IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was already used with a different request');
      }
      return { replayed: true, outcome: existing.outcome };
    }
    const outcome = start();
    const entry: Entry = { hash, expires: this.now() + this.ttlMs, outcome };
    this.entries.set(id, entry);
    outcome.then((result) => {
      if (result.status === 503 && this.entries.get(id) === entry) this.entries.delete(id);
    }, () => {
      if (this.entries.get(id) === entry) this.entries.delete(id);
    });
    return { replayed: false, outcome };
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(): void {
    const now = this.now();
    // insertion order is expiry order (one TTL), so the scan stops at the first live entry
    for (const [id, entry] of this.entries) {
      if (entry.expires > now) break;
      this.entries.delete(id);
    }
    // bounded: the oldest entries go first (Map keeps insertion order)
    while (this.entries.size >= MAX_IDEMPOTENCY_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}
