// Workflow engine: runs provider-dictionary service operations, health checks and bootstrap against
// appliances over the pooled transports, with response parsing, callbacks, deadlines and audit.
//
// Usage (see README "Running workflows"):
//   const engine = createWorkflowEngine({ pool, audit, defaults: { operationTimeoutMs: 120_000 } });
//   const out = await engine.runOperation({ dictionary, appliance, service: 'Routing', operation: 'add_static_route',
//     data: { network: '10.9.0.0', subnet_mask: '255.255.0.0', next_hop: '10.0.0.254' }, requestId, signal });
//   // out = { ok: true, result, steps: [{ connection, transport, duration_ms, status? }], callback? }
//   const health = await engine.runHealthchecks({ dictionary, appliance });   // { ok, checks: [...] }
//   const boot = await engine.runBootstrap({ dictionary, appliance });        // { ok, steps: [...] } or throws
//   // every entry point takes dryRun: true → the redacted plan, nothing is sent
export { createWorkflowEngine, type WorkflowEngine } from './engine.js';
export type {
  BootstrapReport, BootstrapStepReport, CallbackOutcome, CheckReport, DryRunBootstrap, DryRunChecks, DryRunResult, ErrorSummary,
  HealthReport, OperationRequest, OperationResult, RunRequest, StepReport, WorkflowDefaults, WorkflowEngineOptions, WorkflowPool,
} from './engine-types.js';
export { DEFAULT_OPERATION_TIMEOUT_MS, DEFAULT_CALLBACK_TIMEOUT_MS } from './operation-run.js';
export { DEFAULT_HEALTHCHECK_TIMEOUT_MS, DEFAULT_CHECK_TIMEOUT_MS } from './healthchecks.js';
export { DEFAULT_BOOTSTRAP_TIMEOUT_MS } from './bootstrap.js';
export {
  redactedPlan, renderOperation, renderConnection, effectivePort,
  type RenderedConnection, type RenderedHttpStep, type RenderedOperation, type RenderedSshStep, type RenderedStep, type RenderOperationInput,
} from './render-plan.js';
export { parseResponse, evaluateJsonPath, type RawResponse, type RenderedPatterns } from './response.js';
export { applianceValues, isSecretName } from './values.js';
export { cliSpecFrom, sshLoginOf } from './connection-spec.js';
export { errorEnvelopeTokens } from './http-status.js';
export { RunClock } from './clock.js';
