// Options, inputs and result shapes of the workflow engine (src/workflow/index.ts re-exports them).
import type { AuditPrincipal, AuditSink } from '../audit/types.js';
import type { ApplianceContext, LoadedDictionary } from '../dictionary/index.js';
import type { ConnectionPool } from '../transport/index.js';
import type { RenderedStep } from './render-plan.js';

/** What the engine needs from the connection pool (ConnectionPool satisfies it). */
export type WorkflowPool = Pick<ConnectionPool, 'cli' | 'exec' | 'http' | 'runOperation' | 'tcpProbe'>;

export interface WorkflowDefaults {
  /** overall deadline of one operation (default 120 s) */
  operationTimeoutMs: number;
  /** overall deadline of one health-check run (default 60 s) */
  healthcheckTimeoutMs?: number;
  /** per-attempt timeout of a check that declares none (default 10 s) */
  checkTimeoutMs?: number;
  /** overall deadline of a bootstrap, ready test included (default 15 min) */
  bootstrapTimeoutMs?: number;
  /** callbacks (default 30 s) */
  callbackTimeoutMs?: number;
}

export interface WorkflowEngineOptions {
  pool: WorkflowPool;
  audit: AuditSink;
  now?: () => Date;
  callbacks?: {
    /** `cloudstack-api` callbacks: endpoint (else the context's cs_data.cloudstack_api_url), CA bundle, timeout */
    cloudstack?: { endpoint?: string; ca?: string | Buffer; timeoutMs?: number };
    /** `http` callbacks: extra CA bundle (the system CAs are always used), timeout */
    http?: { ca?: string | Buffer; timeoutMs?: number };
  };
  defaults?: Partial<WorkflowDefaults>;
}

/** Fields every entry point takes (the server's ExecutionRequest has the same names). */
export interface RunRequest {
  dictionary: LoadedDictionary;
  appliance: ApplianceContext;
  principal?: AuditPrincipal;
  requestId?: string;
  jobId?: string;
  /** cancels the run: VNF_ERR_WORKFLOW_CANCELLED (or the signal's reason when it is a VnfError) */
  signal?: AbortSignal;
  /** overall budget in ms from the call (VNF_ERR_WORKFLOW_DEADLINE); default from the engine's defaults */
  deadlineMs?: number;
  /** return the redacted plan, connect to nothing */
  dryRun?: boolean;
}

export interface OperationRequest extends RunRequest {
  service: string;
  operation: string;
  data?: unknown;
  /** hold the appliance lock for the whole operation (default true: config changes are serialised) */
  exclusive?: boolean;
}

export interface StepReport {
  connection: string;
  transport: 'ssh' | 'http' | 'https';
  duration_ms: number;
  /** the step's save_as name */
  save_as?: string;
  /** its when: condition was false: nothing was sent */
  skipped?: true;
  /** the appliance answered "already in the desired state" (response.already) */
  already?: true;
  /** attempts made when the step was retried (retry:), the first included */
  attempts?: number;
  /** HTTP status */
  status?: number;
  /** CLI commands sent */
  commands?: number;
}

export interface ErrorSummary { code: string; message: string }

export interface CallbackOutcome {
  action: 'http' | 'cloudstack-api';
  ok: boolean;
  /** http: the receiver's status */
  status?: number;
  /** cloudstack-api: the API command and async job id */
  command?: string;
  jobid?: string;
  error?: ErrorSummary;
}

export interface OperationResult {
  ok: true;
  result: unknown;
  steps: StepReport[];
  callback?: CallbackOutcome;
}

export interface DryRunResult {
  ok: true;
  dry_run: true;
  steps: RenderedStep[];
}

export interface CheckReport {
  name: string;
  type: 'http' | 'ssh' | 'tcp';
  status: 'pass' | 'fail';
  duration_ms: number;
  attempts: number;
  error?: ErrorSummary;
}

export interface HealthReport {
  ok: boolean;
  checks: CheckReport[];
}

export interface BootstrapStepReport {
  /** "initial_action System.change_password", "ready_test" */
  step: string;
  status: 'done' | 'failed' | 'skipped';
  duration_ms: number;
  /** initial actions: which login ran it (see README "bootstrap semantics") */
  credentials?: 'bootstrap' | 'final';
  attempts?: number;
  error?: ErrorSummary;
}

export interface BootstrapReport {
  ok: boolean;
  steps: BootstrapStepReport[];
}

export interface DryRunChecks {
  ok: true;
  dry_run: true;
  checks: { name: string; type: string; step?: RenderedStep; target?: { host: string; port: number } }[];
}

export interface DryRunBootstrap {
  ok: true;
  dry_run: true;
  initial_actions: { service: string; action: string; steps: RenderedStep[] }[];
  ready_test?: RenderedStep;
}
