// The overall deadline and cancellation of one workflow run: one AbortSignal that fires on the
// deadline or the caller's signal, abortable waits (retry intervals), and races against both.
import { VnfError, isVnfError } from '../errors.js';

export interface ClockOptions {
  /** budget in ms from now */
  deadlineMs: number;
  signal?: AbortSignal;
  /** what runs, for messages ("operation Routing.add_static_route") */
  what: string;
}

/** Timers are not exact: a timeout set to the remaining time may fire this much early. */
const DEADLINE_SLACK_MS = 5;

export class RunClock {
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly endsAt: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort: () => void;

  constructor(private readonly o: ClockOptions) {
    this.endsAt = Date.now() + o.deadlineMs;
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.abort(this.deadlineError()), o.deadlineMs);
    this.timer.unref();
    this.onAbort = () => this.abort(cancelError(o.signal?.reason, o.what));
    if (o.signal?.aborted) this.onAbort();
    else o.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** ms left before the deadline (never below 1, so it can be passed as a timeout) */
  remaining(): number {
    return Math.max(1, this.endsAt - Date.now());
  }

  get aborted(): boolean { return this.signal.aborted; }

  /**
   * The deadline/cancellation error when aborted, else undefined. Transport timeouts are clamped to
   * the remaining time and can fire a moment before the clock's own timer: once the deadline is
   * reached, the run is out of time whichever fired first.
   */
  get reason(): VnfError | undefined {
    if (!this.signal.aborted && Date.now() >= this.endsAt - DEADLINE_SLACK_MS) this.abort(this.deadlineError());
    return this.signal.aborted ? this.signal.reason as VnfError : undefined;
  }

  private deadlineError(): VnfError {
    return new VnfError('VNF_ERR_WORKFLOW_DEADLINE', `${this.o.what} did not finish within ${this.o.deadlineMs} ms`);
  }

  /** Throws the deadline/cancellation error if the run must stop. */
  check(): void {
    const r = this.reason;
    if (r) throw r;
  }

  /** Settles with p, or rejects as soon as the run is aborted (p keeps running; its result is dropped). */
  race<T>(p: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.aborted) {
        p.catch(() => undefined); // settles later; nobody waits for it
        reject(this.reason);
        return;
      }
      const stop = (): void => reject(this.reason);
      this.signal.addEventListener('abort', stop, { once: true });
      p.then((v) => { this.signal.removeEventListener('abort', stop); resolve(v); },
        (e: unknown) => { this.signal.removeEventListener('abort', stop); reject(this.reason ?? e); });
    });
  }

  /** A declared wait (retry interval): resolves after ms, rejects at once on abort. */
  sleep(ms: number): Promise<void> {
    this.check();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => { this.signal.removeEventListener('abort', stop); resolve(); }, ms);
      const stop = (): void => { clearTimeout(t); reject(this.reason); };
      this.signal.addEventListener('abort', stop, { once: true });
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.o.signal?.removeEventListener('abort', this.onAbort);
  }

  private abort(reason: VnfError): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }
}

/** A caller's abort reason that already is a VnfError (e.g. the server's deadline) is kept as is. */
function cancelError(reason: unknown, what: string): VnfError {
  if (isVnfError(reason)) return reason;
  return new VnfError('VNF_ERR_WORKFLOW_CANCELLED', `${what} was cancelled`);
}
