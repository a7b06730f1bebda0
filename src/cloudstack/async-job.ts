// Polling queryAsyncJobResult for a CloudStack async job: exponential backoff, a deadline, a bound on
// the number of polls, and an AbortSignal. jobstatus 0 pending, 1 succeeded, 2 failed.
import { VnfError } from '../errors.js';
import { jobFailure, type CsObject } from './envelope.js';

export interface JobPollOptions {
  /** first wait before polling again (default 500 ms) */
  initialDelayMs?: number;
  /** backoff cap (default 5 s) */
  maxDelayMs?: number;
  /** backoff factor (default 1.6) */
  factor?: number;
  /** overall budget for the job (default 10 min) */
  jobTimeoutMs?: number;
  /** hard bound on queryAsyncJobResult calls (default 500) */
  maxPolls?: number;
  signal?: AbortSignal;
}

export interface JobOutcome {
  jobid: string;
  /** the queryAsyncJobResult response of the final poll */
  job: CsObject;
  /** jobresult on success (e.g. {virtualmachine: {...}}) */
  result: CsObject;
  polls: number;
}

export type JobQuery = (jobid: string, signal: AbortSignal | undefined) => Promise<CsObject>;

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelled());
    const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { clearTimeout(timer); reject(cancelled()); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const cancelled = (): VnfError => new VnfError('VNF_ERR_WORKFLOW_CANCELLED', 'waiting for the CloudStack async job was cancelled');

/** Polls until the job leaves jobstatus 0. Retryable errors while polling (timeouts, 503) are retried. */
export async function waitForJob(command: string, jobid: string, query: JobQuery, o: JobPollOptions, secrets: readonly string[]): Promise<JobOutcome> {
  const initial = o.initialDelayMs ?? 500;
  const cap = o.maxDelayMs ?? 5_000;
  const factor = o.factor ?? 1.6;
  const maxPolls = o.maxPolls ?? 500;
  const deadline = Date.now() + (o.jobTimeoutMs ?? 600_000);
  let delay = initial;
  let lastError: VnfError | undefined;
  for (let polls = 1; polls <= maxPolls; polls++) {
    if (o.signal?.aborted) throw cancelled();
    let job: CsObject | undefined;
    try {
      job = await query(jobid, o.signal);
    } catch (error) {
      if (!(error instanceof VnfError) || !error.retryable || error.code === 'VNF_ERR_WORKFLOW_CANCELLED') throw error;
      lastError = error;
    }
    if (job) {
      const status = Number(job.jobstatus);
      if (status === 1) {
        const result = job.jobresult;
        return { jobid, job, result: typeof result === 'object' && result !== null ? result as CsObject : { value: result }, polls };
      }
      if (status === 2) throw jobFailure(command, jobid, job.jobresult, secrets);
      if (status !== 0) throw new VnfError('VNF_ERR_CS_RESPONSE', `CloudStack job ${jobid}: unexpected jobstatus ${String(job.jobstatus).slice(0, 20)}`);
    }
    const left = deadline - Date.now();
    if (left <= 0 || polls === maxPolls) break;
    await sleep(Math.min(delay, left), o.signal);
    delay = Math.min(cap, delay * factor);
  }
  throw new VnfError('VNF_ERR_CS_JOB_DEADLINE',
    `CloudStack async job ${jobid} (${command}) still pending at the deadline; it may still complete in CloudStack`
    + (lastError ? ` (last poll: ${lastError.code})` : ''), { details: { command, jobid } });
}
