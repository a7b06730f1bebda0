// Small concurrency primitives: a counting semaphore with bounded waits (session channels under
// MaxSessions, global operation limit), a per-key mutex, and jittered exponential backoff.
import { VnfError } from '../errors.js';

interface Waiter { grant: () => void; timer?: NodeJS.Timeout }

export class Semaphore {
  private active = 0;
  private readonly queue: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('semaphore limit must be a positive integer');
  }

  get inUse(): number { return this.active; }
  get waiting(): number { return this.queue.length; }

  /** Resolves with a release function; waits at most waitMs (then VNF_ERR_POOL_BUSY). */
  acquire(waitMs: number, what = 'slot'): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        this.active++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.active--;
          this.next();
        });
      };
      if (this.active < this.limit && this.queue.length === 0) return grant();
      const w: Waiter = { grant };
      w.timer = setTimeout(() => {
        const i = this.queue.indexOf(w);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new VnfError('VNF_ERR_POOL_BUSY', `no free ${what} within ${waitMs} ms (limit ${this.limit})`));
      }, waitMs);
      this.queue.push(w);
    });
  }

  async run<T>(waitMs: number, fn: () => Promise<T>, what?: string): Promise<T> {
    const release = await this.acquire(waitMs, what);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  private next(): void {
    while (this.active < this.limit && this.queue.length > 0) {
      const w = this.queue.shift();
      if (!w) break;
      clearTimeout(w.timer);
      w.grant();
    }
  }
}

/** One holder per key at a time (e.g. config operations on one appliance), FIFO. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  get lockedKeys(): number { return this.tails.size; }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export interface BackoffOptions {
  /** attempts in total, including the first (>= 1) */
  attempts: number;
  baseMs: number;
  maxMs: number;
}

/** "Full jitter" exponential backoff: random in [0, min(max, base * 2^n)]. */
export const backoffDelay = (attempt: number, o: BackoffOptions, rnd: () => number = Math.random): number =>
  Math.round(rnd() * Math.min(o.maxMs, o.baseMs * 2 ** attempt));

/** Retries fn while it fails with a retryable VnfError, waiting a jittered backoff in between. */
export async function withRetry<T>(o: BackoffOptions, fn: (attempt: number) => Promise<T>, onRetry?: (err: VnfError) => void): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof VnfError) || !err.retryable || attempt + 1 >= o.attempts) throw err;
      onRetry?.(err);
      const delay = backoffDelay(attempt, o);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
