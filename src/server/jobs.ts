// Async jobs: an in-memory map backed by a journal (one JSON file per job in state_dir/jobs, replaced
// atomically and fsynced on every state change). On open, unfinished jobs become `interrupted`.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, removeDurable, writeDurable } from './persist.js';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'interrupted'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export type JobKind = 'operation' | 'healthchecks' | 'bootstrap';

export interface JobError {
  code: string;
  message: string;
  retryable: boolean;
}

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  created_at: string;
  started_at?: string;
  finished_at?: string;
  /** fingerprint of the client certificate that created it (only it, or an admin, may read it) */
  owner: string;
  request_id: string;
  appliance?: string;
  provider?: string;
  service?: string;
  operation?: string;
  result?: unknown;
  error?: JobError;
}

export type JobInit = Pick<Job, 'kind' | 'owner' | 'request_id' | 'appliance' | 'provider' | 'service' | 'operation'>;

const FINISHED: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'interrupted']);

export const INTERRUPTED_ERROR: JobError = {
  code: 'VNF_ERR_JOB_INTERRUPTED',
  message: 'the broker stopped (shutdown or restart) before the job finished',
  retryable: true,
};

export function isFinished(job: Job): boolean {
  return FINISHED.has(job.status);
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  /** jobs found unfinished in the journal at open and reported as interrupted */
  interruptedAtOpen = 0;

  private constructor(readonly dir: string, readonly retentionMs: number, private readonly now: () => Date) {}

  /** Opens (creating) the journal directory, loads it, interrupts unfinished jobs, drops expired ones. */
  static open(dir: string, retentionMs: number, now: () => Date = () => new Date()): JobStore {
    ensureDir(dir);
    const store = new JobStore(dir, retentionMs, now);
    for (const name of readdirSync(dir)) {
      if (!/^[A-Za-z0-9-]+\.json$/.test(name)) continue;
      let job: Job;
      try {
        job = JSON.parse(readFileSync(join(dir, name), 'utf8')) as Job;
      } catch {
        continue; // a torn temp file is never renamed into place; anything else unreadable is skipped
      }
      if (typeof job.id !== 'string' || `${job.id}.json` !== name) continue;
      if (!isFinished(job)) {
        Object.assign(job, { status: 'interrupted', finished_at: now().toISOString(), error: INTERRUPTED_ERROR });
        store.persist(job);
        store.interruptedAtOpen += 1;
      }
      store.jobs.set(job.id, job);
    }
    store.prune();
    return store;
  }

  create(init: JobInit): Job {
    const job: Job = { id: randomUUID(), status: 'queued', created_at: this.now().toISOString(), ...stripUndefined(init) } as Job;
    this.persist(job);
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  start(id: string): void {
    this.update(id, { status: 'running', started_at: this.now().toISOString() });
  }

  succeed(id: string, result: unknown): void {
    this.update(id, { status: 'succeeded', finished_at: this.now().toISOString(), result: result ?? null });
  }

  fail(id: string, error: JobError): void {
    this.update(id, { status: 'failed', finished_at: this.now().toISOString(), error });
  }

  interrupt(id: string): void {
    this.update(id, { status: 'interrupted', finished_at: this.now().toISOString(), error: INTERRUPTED_ERROR });
  }

  counts(): Record<JobStatus, number> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const job of this.jobs.values()) counts[job.status] += 1;
    return counts;
  }

  /** Deletes finished jobs older than the retention; returns how many. */
  prune(): number {
    const limit = this.now().getTime() - this.retentionMs;
    let removed = 0;
    for (const job of [...this.jobs.values()]) {
      if (!isFinished(job) || job.finished_at === undefined || Date.parse(job.finished_at) >= limit) continue;
      removeDurable(join(this.dir, `${job.id}.json`));
      this.jobs.delete(job.id);
      removed += 1;
    }
    return removed;
  }

  private update(id: string, patch: Partial<Job>): void {
    const job = this.jobs.get(id);
    if (!job || isFinished(job)) return;
    const next = { ...job, ...patch };
    this.persist(next);
    this.jobs.set(id, next);
  }

  private persist(job: Job): void {
    writeDurable(join(this.dir, `${job.id}.json`), `${JSON.stringify(job)}\n`);
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
