// Runs executor calls under the global concurrency limit with a deadline (timeouts.operation_ms),
// as a synchronous request or an async job, records metrics, and drains on shutdown.
import type { Logger } from 'pino';
import type { Redactor } from '../audit/index.js';
import { VnfError, asVnfError } from '../errors.js';
import { INTERRUPTED_ERROR, type Job, type JobError, type JobInit, type JobStore } from './jobs.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { Metrics } from './metrics.js';

export interface RunLabels {
  provider: string;
  service: string;
  operation: string;
}

export type Execution = (signal: AbortSignal, jobId?: string) => Promise<unknown>;

interface InFlight {
  controller: AbortController;
  settled: Promise<unknown>;
}

export interface RunnerOptions {
  limiter: ConcurrencyLimiter;
  jobs: JobStore;
  metrics: Metrics;
  operationMs: number;
  queueWaitMs: number;
  logger?: Logger;
  redactor?: Redactor;
}

const SHUTDOWN = 'the broker is shutting down';

function abortReason(signal: AbortSignal): VnfError {
  return signal.reason instanceof VnfError ? signal.reason : new VnfError('VNF_ERR_WORKFLOW_CANCELLED', 'the operation was cancelled');
}

/** Settles with the executor's outcome, or rejects as soon as the signal aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value); },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error); },
    );
  });
}

export class OperationRunner {
  private readonly inflight = new Set<InFlight>();
  private draining = false;

  constructor(private readonly options: RunnerOptions) {}

  get activeCount(): number {
    return this.inflight.size;
  }

  /** A synchronous request: waits at most queue_wait_ms for a slot (then 503 VNF_ERR_POOL_BUSY). */
  async runSync(labels: RunLabels, execute: Execution): Promise<unknown> {
    this.assertOpen();
    const release = await this.options.limiter.acquire(this.options.queueWaitMs);
    try {
      return await this.execute(labels, execute);
    } finally {
      release();
    }
  }

  /** An async job: journaled as queued at once, run when a slot is free. */
  startJob(init: JobInit, labels: RunLabels, execute: Execution): Job {
    this.assertOpen();
    if (!this.options.limiter.canAccept()) throw new VnfError('VNF_ERR_POOL_BUSY', 'too many jobs queued; retry later');
    const { jobs } = this.options;
    const job = jobs.create(init);
    const run = async (): Promise<void> => {
      let release: (() => void) | undefined;
      try {
        release = await this.options.limiter.acquire();
      } catch {
        jobs.interrupt(job.id); // the limiter closed: shutdown before the job started
        return;
      }
      try {
        jobs.start(job.id);
        const result = await this.execute(labels, execute, job.id);
        jobs.succeed(job.id, result);
      } catch (error) {
        const e = asVnfError(error);
        if (this.draining && e.code === 'VNF_ERR_WORKFLOW_CANCELLED') jobs.interrupt(job.id);
        else jobs.fail(job.id, this.jobError(e));
      } finally {
        release();
      }
    };
    run().catch((error: unknown) => this.options.logger?.error({ err: error, job_id: job.id }, 'job bookkeeping failed'));
    return job;
  }

  /** Stops new work, waits for in-flight work up to `drainMs`, then aborts the rest (jobs → interrupted). */
  async drain(drainMs: number): Promise<{ aborted: number }> {
    this.draining = true;
    this.options.limiter.close(new VnfError('VNF_ERR_API_SHUTTING_DOWN', SHUTDOWN));
    const all = (): Promise<unknown> => Promise.allSettled([...this.inflight].map((f) => f.settled));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all().then(() => false),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), drainMs); }),
    ]);
    clearTimeout(timer);
    if (!timedOut) return { aborted: 0 };
    const left = [...this.inflight];
    for (const f of left) f.controller.abort(new VnfError('VNF_ERR_WORKFLOW_CANCELLED', `${SHUTDOWN}; the operation was aborted after the drain period`));
    // the bookkeeping (job → interrupted, responses) follows the abort at once; give it a moment
    await Promise.race([all(), new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
    return { aborted: left.length };
  }

  private assertOpen(): void {
    if (this.draining) throw new VnfError('VNF_ERR_API_SHUTTING_DOWN', SHUTDOWN);
  }

  private jobError(e: VnfError): JobError {
    if (e.code === 'VNF_ERR_BROKER_INTERNAL') return { code: e.code, message: 'internal error; see the broker log', retryable: false };
    if (e.code === 'VNF_ERR_JOB_INTERRUPTED') return INTERRUPTED_ERROR;
    const message = this.options.redactor ? this.options.redactor.text(e.message) : e.message;
    return { code: e.code, message: message.slice(0, 4000), retryable: e.retryable };
  }

  private async execute(labels: RunLabels, execute: Execution, jobId?: string): Promise<unknown> {
    const controller = new AbortController();
    const deadline = setTimeout(() => {
      controller.abort(new VnfError('VNF_ERR_WORKFLOW_DEADLINE', `the operation did not finish within ${this.options.operationMs} ms`));
    }, this.options.operationMs);
    const started = performance.now();
    let outcome = 'failure';
    let work: Promise<unknown>;
    try {
      work = Promise.resolve(execute(controller.signal, jobId));
    } catch (error) {
      work = Promise.reject(error as Error);
    }
    const entry: InFlight = { controller, settled: work.catch(() => undefined) };
    this.inflight.add(entry);
    try {
      const result = await untilAborted(work, controller.signal);
      // a report that says {ok: false} (failed health checks are data, not errors) counts as a failure
      const failedReport = result !== null && typeof result === 'object' && (result as { ok?: unknown }).ok === false;
      outcome = failedReport ? 'failure' : 'success';
      return result;
    } catch (error) {
      if (controller.signal.aborted) {
        const reason = abortReason(controller.signal);
        outcome = reason.code === 'VNF_ERR_WORKFLOW_DEADLINE' ? 'deadline' : 'cancelled';
        throw reason;
      }
      const e = asVnfError(error);
      if (e.code === 'VNF_ERR_BROKER_INTERNAL') this.options.logger?.error({ err: e.cause ?? e, job_id: jobId }, 'executor failed unexpectedly');
      throw e;
    } finally {
      clearTimeout(deadline);
      this.inflight.delete(entry);
      this.options.metrics.operation({ ...labels, outcome }, (performance.now() - started) / 1000);
    }
  }
}
