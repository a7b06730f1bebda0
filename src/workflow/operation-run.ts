// One service operation end to end: render, audit operation.start, run the steps under the
// appliance lock within the deadline, parse, run the callbacks, audit operation.end.
import { VnfError } from '../errors.js';
import type { Callback } from '../dictionary/index.js';
import { runCallback } from './callbacks.js';
import { RunClock } from './clock.js';
import type { CallbackOutcome, DryRunResult, OperationRequest, OperationResult, WorkflowEngineOptions } from './engine-types.js';
import { redactedPlan, renderOperation, type RenderedOperation } from './render-plan.js';
import { auditContextOf, auditRun } from './run-audit.js';
import { runSteps } from './step-flow.js';

export const DEFAULT_OPERATION_TIMEOUT_MS = 120_000;
export const DEFAULT_CALLBACK_TIMEOUT_MS = 30_000;

export function renderFor(o: WorkflowEngineOptions, req: OperationRequest): RenderedOperation {
  return renderOperation({
    dictionary: req.dictionary, appliance: req.appliance, service: req.service, operation: req.operation, data: req.data ?? {},
    ...(o.now ? { now: o.now } : {}),
  });
}

export interface InnerRun {
  clock: RunClock;
  /** held shells of this run are kept apart under this key (bootstrap logins) */
  shellKey?: string;
}

/**
 * Runs an already rendered operation without taking the appliance lock (the caller holds it or
 * does not need it); audits operation.start/end. Callback failures throw VNF_ERR_CALLBACK_FAILED
 * whose details carry the operation's own result, steps and the callback outcome.
 */
export async function executeRendered(o: WorkflowEngineOptions, req: OperationRequest, rendered: RenderedOperation, inner: InnerRun,
  lock?: <T>(fn: () => Promise<T>) => Promise<T>): Promise<OperationResult> {
  const ctx = auditContextOf(req, { service: req.service, operation: req.operation }, rendered.scope.secretForms());
  const end = auditRun(o.audit, ctx, inner.shellKey ? { login: inner.shellKey } : {});
  let out: OperationResult;
  try {
    const work = async () => {
      inner.clock.check(); // the lock may have been granted after the deadline
      return runSteps({
        pool: o.pool, clock: inner.clock, appliance: req.appliance, dictionary: req.dictionary.dictionary, scope: rendered.scope, audit: ctx,
        ...(inner.shellKey ? { shellKey: inner.shellKey } : {}),
      }, rendered);
    };
    const done = await inner.clock.race(lock ? lock(work) : work());
    out = { ok: true, result: done.result, steps: done.steps };
    const callbacks = rendered.responses.map((r) => r.spec?.callback).filter((c): c is Callback => c !== undefined);
    let callback: CallbackOutcome | undefined;
    for (const cb of callbacks) {
      const outcome = await runCallback(cb, {
        audit: o.audit, auditContext: ctx, scope: rendered.scope, appliance: req.appliance, config: o.callbacks,
        timeoutMs: Math.min(inner.clock.remaining(), o.defaults?.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS), signal: inner.clock.signal,
      });
      callback = outcome;
      if (!outcome.ok) break;
    }
    if (callback) out.callback = callback;
    if (callback && !callback.ok) {
      throw new VnfError('VNF_ERR_CALLBACK_FAILED', `${req.service}.${req.operation} succeeded but its ${callback.action} callback failed: ${callback.error?.code ?? ''}`,
        { details: { result: out.result, steps: out.steps, callback } });
    }
  } catch (error) {
    end(error);
    throw error;
  }
  end();
  return out;
}

/** The public runOperation: dry run, or the whole run under the appliance lock and the deadline. */
export async function runOperation(o: WorkflowEngineOptions, req: OperationRequest): Promise<OperationResult | DryRunResult> {
  const rendered = renderFor(o, req);
  if (req.dryRun) return { ok: true, dry_run: true, ...redactedPlan(rendered) };
  const clock = new RunClock({
    deadlineMs: req.deadlineMs ?? o.defaults?.operationTimeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
    ...(req.signal ? { signal: req.signal } : {}),
    what: `operation ${req.service}.${req.operation}`,
  });
  try {
    return await executeRendered(o, req, rendered, { clock },
      (fn) => o.pool.runOperation(req.appliance.id, fn, { exclusive: req.exclusive ?? true }));
  } finally {
    clock.dispose();
  }
}
