// Operation, health-check, bootstrap and job routes: validate the request, the appliance and the
// input data, then dry-run (render + redact) or hand the work to the executor, sync or as a job.
import { validateData } from '../template/index.js';
import { redactedPlan, renderOperation } from '../workflow/index.js';
import { VnfError, asVnfError } from '../errors.js';
import { checkRequest } from './api-schemas.js';
import { applianceFromRequest, operationFields, providerOf } from './appliance-input.js';
import { bodyHash, checkIdempotencyKey } from './idempotency.js';
import type { JobKind } from './jobs.js';
import type { Execution, RunLabels } from './runner.js';
import type { Handler, ServerState } from './state.js';
import type { ExecutionRequest, HandlerResult, RequestContext } from './types.js';
import type { ApplianceContext, LoadedDictionary } from '../dictionary/index.js';

interface OperationBody {
  appliance: Record<string, unknown>;
  service: string;
  operation: string;
  data?: Record<string, unknown>;
  async?: boolean;
  dry_run?: boolean;
}

interface ApplianceBody {
  appliance: Record<string, unknown>;
  async?: boolean;
}

/** Runs `work` once per (principal, Idempotency-Key); replays its outcome for the same body. */
async function idempotent(state: ServerState, ctx: RequestContext, route: string, work: () => Promise<HandlerResult>): Promise<HandlerResult> {
  const key = checkIdempotencyKey(ctx.headers['idempotency-key']);
  if (key === undefined) return work();
  const settle = (): Promise<HandlerResult> => work().catch((error: unknown) => {
    const e = asVnfError(error);
    return { status: e.httpStatus, error: e };
  });
  const { replayed, outcome } = state.idempotency.run(ctx.principal.fingerprint256, key, bodyHash(route, ctx.rawBody), settle);
  const result = await outcome;
  return replayed ? { ...result, headers: { ...result.headers, 'Idempotent-Replayed': 'true' } } : result;
}

function baseRequest(ctx: RequestContext, appliance: ApplianceContext, dictionary: LoadedDictionary, signal: AbortSignal, jobId?: string): ExecutionRequest {
  return { appliance, dictionary, principal: ctx.auditPrincipal, requestId: ctx.requestId, signal, ...(jobId !== undefined ? { jobId } : {}) };
}

async function runOrQueue(state: ServerState, ctx: RequestContext, asJob: boolean, kind: JobKind, appliance: ApplianceContext, labels: RunLabels, execute: Execution): Promise<HandlerResult> {
  if (!asJob) return { status: 200, body: { result: (await state.runner.runSync(labels, execute)) ?? null } };
  const job = state.runner.startJob({
    kind,
    owner: ctx.principal.fingerprint256,
    request_id: ctx.requestId,
    appliance: appliance.id,
    provider: labels.provider,
    ...(kind === 'operation' ? { service: labels.service, operation: labels.operation } : {}),
  }, labels, execute);
  return { status: 202, body: { job_id: job.id, status: job.status }, headers: { Location: `/v1/jobs/${job.id}` } };
}

export function operationHandlers(state: ServerState): Record<string, Handler> {
  const { executor } = state;
  return {
    runOperation: async (ctx) => {
      const body = checkRequest<OperationBody>('OperationRequest', ctx.body);
      const appliance = await applianceFromRequest(body.appliance);
      const dictionary = providerOf(state.registry, appliance);
      const fields = operationFields(dictionary, body.service, body.operation);
      const data = validateData(fields, body.data);
      if (body.dry_run === true) {
        if (body.async === true) throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'dry_run cannot be combined with async');
        const rendered = renderOperation({ dictionary, appliance, service: body.service, operation: body.operation, data: body.data });
        return { status: 200, body: { dry_run: true, ...redactedPlan(rendered) } };
      }
      const labels = { provider: dictionary.dictionary.name, service: body.service, operation: body.operation };
      return idempotent(state, ctx, 'POST /v1/operations', () => runOrQueue(state, ctx, body.async === true, 'operation', appliance, labels,
        (signal, jobId) => executor.runOperation({ ...baseRequest(ctx, appliance, dictionary, signal, jobId), service: body.service, operation: body.operation, data })));
    },

    runHealthchecks: async (ctx) => {
      const body = checkRequest<ApplianceBody>('HealthcheckRequest', ctx.body);
      const appliance = await applianceFromRequest(body.appliance);
      const dictionary = providerOf(state.registry, appliance);
      const labels = { provider: dictionary.dictionary.name, service: '-', operation: 'healthchecks' };
      return idempotent(state, ctx, 'POST /v1/healthchecks', () => runOrQueue(state, ctx, body.async === true, 'healthchecks', appliance, labels,
        (signal, jobId) => executor.runHealthchecks(baseRequest(ctx, appliance, dictionary, signal, jobId))));
    },

    runBootstrap: async (ctx) => {
      const body = checkRequest<ApplianceBody>('BootstrapRequest', ctx.body);
      const appliance = await applianceFromRequest(body.appliance);
      const dictionary = providerOf(state.registry, appliance);
      const labels = { provider: dictionary.dictionary.name, service: '-', operation: 'bootstrap' };
      return idempotent(state, ctx, 'POST /v1/bootstrap', () => runOrQueue(state, ctx, true, 'bootstrap', appliance, labels,
        (signal, jobId) => executor.runBootstrap(baseRequest(ctx, appliance, dictionary, signal, jobId))));
    },

    getJob: (ctx) => {
      const job = state.jobs.get(ctx.params.id ?? '');
      // another client's job is indistinguishable from a missing one (admins see all)
      if (!job || (job.owner !== ctx.principal.fingerprint256 && !ctx.roles.has('admin'))) {
        throw new VnfError('VNF_ERR_JOB_NOT_FOUND', 'no such job');
      }
      const { owner: _owner, ...visible } = job;
      return Promise.resolve({ status: 200, body: visible });
    },
  };
}
