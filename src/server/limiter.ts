// Global limit on in-flight operations: a FIFO of waiters; synchronous requests wait at most
// `queue_wait_ms` (then 503 VNF_ERR_POOL_BUSY), jobs wait without a deadline up to a queue bound.
import { VnfError } from '../errors.js';

interface Waiter {
  grant: () => void;
  reject: (error: VnfError) => void;
  timer?: NodeJS.Timeout;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private closedWith: VnfError | undefined;

  constructor(readonly max: number, private readonly maxQueued: number) {}

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** False when a new waiter would be refused (queue full) or the limiter is closed. */
  canAccept(): boolean {
    return !this.closedWith && (this.active < this.max || this.waiters.length < this.maxQueued);
  }

  /** Resolves with a release function once a slot is free; `waitMs` undefined waits indefinitely. */
  acquire(waitMs?: number): Promise<() => void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.active < this.max && this.waiters.length === 0) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    if (waitMs === 0 || this.waiters.length >= this.maxQueued) return Promise.reject(busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => resolve(this.releaser()),
        reject,
      };
      if (waitMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(busy());
        }, waitMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Refuses new work and fails every waiter with `error` (shutdown). */
  close(error: VnfError): void {
    this.closedWith = error;
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.closedWith ? undefined : this.waiters.shift();
      if (next) {
        if (next.timer) clearTimeout(next.timer);
        next.grant(); // the slot passes straight to the next waiter
      } else {
        this.active -= 1;
      }
    };
  }
}

function busy(): VnfError {
  return new VnfError('VNF_ERR_POOL_BUSY', 'too many operations in flight; retry later');
}
