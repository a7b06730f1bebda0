// Contracts between the API server and what it drives: the operation executor (the workflow engine,
// wired in by `serve`), the audit sink with its lifecycle, and the per-request context.
import type { AuditPrincipal, AuditRecord, AuditEvent, Redactor } from '../audit/index.js';
import type { Principal } from '../certs/index.js';
import type { Role } from '../config/index.js';
import type { ApplianceContext, LoadedDictionary } from '../dictionary/index.js';
import type { ValidatedData } from '../template/index.js';

export interface ExecutionRequest {
  appliance: ApplianceContext;
  dictionary: LoadedDictionary;
  principal: AuditPrincipal;
  requestId: string;
  /** set when the work runs as an async job */
  jobId?: string;
  /** aborted on deadline (timeouts.operation_ms) or at the end of the shutdown drain */
  signal: AbortSignal;
}

export interface OperationRequest extends ExecutionRequest {
  service: string;
  operation: string;
  /** already validated against the operation's data declaration */
  data: ValidatedData;
}

/**
 * What executes dictionary workflows (the workflow engine). It writes its own operation/command
 * audit records; results must be JSON-serialisable and secret-free; failures are VnfErrors.
 */
export interface OperationExecutor {
  runOperation(request: OperationRequest): Promise<unknown>;
  runHealthchecks(request: ExecutionRequest): Promise<unknown>;
  runBootstrap(request: ExecutionRequest): Promise<unknown>;
}

/** The audit log as the server uses it (AuditLog satisfies this). */
export interface ServerAuditLog {
  readonly file: string;
  readonly redactor?: Redactor;
  append(event: AuditEvent): AuditRecord;
  rotate?(): string | undefined;
  close?(): void;
}

export interface RequestContext {
  requestId: string;
  principal: Principal;
  auditPrincipal: AuditPrincipal;
  roles: ReadonlySet<Role>;
  /** path parameters of the matched route */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  /** parsed body: JSON value for JSON routes, text for YAML routes, undefined without a body */
  body: unknown;
  /** raw body bytes (idempotency hashing) */
  rawBody: Buffer | undefined;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** a recorded failure (idempotent replay of an error): rendered as a problem response */
  error?: unknown;
}
