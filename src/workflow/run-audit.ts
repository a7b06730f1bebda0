// The audit side of one workflow run: the context every transport record carries (appliance,
// principal, request/job ids, provider/service/operation, secrets) and the operation.start /
// operation.end pair around the run.
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { isVnfError } from '../errors.js';
import { auditApplianceOf, type AuditContext } from '../transport/index.js';
import type { RunRequest } from './engine-types.js';

export interface RunAuditFields {
  service?: string;
  operation?: string;
}

export function auditContextOf(req: RunRequest, fields: RunAuditFields, secrets: readonly string[]): AuditContext {
  const ctx: AuditContext = { appliance: auditApplianceOf(req.appliance), provider: req.dictionary.dictionary.name, secrets };
  if (req.requestId !== undefined) ctx.request_id = req.requestId;
  if (req.jobId !== undefined) ctx.job_id = req.jobId;
  if (req.principal !== undefined) ctx.principal = req.principal;
  if (fields.service !== undefined) ctx.service = fields.service;
  if (fields.operation !== undefined) ctx.operation = fields.operation;
  return ctx;
}

function eventBase(ctx: AuditContext): Omit<AuditEvent, 'type'> {
  const { secrets, ...rest } = ctx;
  return { ...rest, ...(secrets && secrets.length > 0 ? { secrets } : {}) };
}

/**
 * Writes operation.start (before anything is sent; a failing write aborts the run) and returns the
 * function that writes operation.end with outcome, duration and error code.
 */
export function auditRun(sink: AuditSink, ctx: AuditContext, detail: Record<string, unknown>): (error?: unknown) => void {
  const started = Date.now();
  sink.append({ type: 'operation.start', ...eventBase(ctx), outcome: 'started', detail });
  return (error?: unknown) => {
    const failed = error !== undefined;
    sink.append({
      type: 'operation.end', ...eventBase(ctx), outcome: failed ? 'failure' : 'success', duration_ms: Date.now() - started, detail,
      ...(failed ? { error_code: isVnfError(error) ? error.code : 'VNF_ERR_BROKER_INTERNAL' } : {}),
    });
  };
}
