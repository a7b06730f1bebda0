// The workflow engine: the one object the CLI and the API server use to run a dictionary's service
// operations, health checks and bootstrap against an appliance through the connection pool.
import type { BootstrapReport, DryRunBootstrap, DryRunChecks, DryRunResult, HealthReport, OperationRequest, OperationResult, RunRequest, WorkflowEngineOptions } from './engine-types.js';
import { runBootstrap } from './bootstrap.js';
import { runHealthchecks } from './healthchecks.js';
import { runOperation } from './operation-run.js';

export interface WorkflowEngine {
  /** One service operation. Resolves with the parsed result; every failure is a VnfError. */
  runOperation(req: OperationRequest & { dryRun: true }): Promise<DryRunResult>;
  runOperation(req: OperationRequest & { dryRun?: false }): Promise<OperationResult>;
  runOperation(req: OperationRequest): Promise<OperationResult | DryRunResult>;
  /** Every health check in order; failing checks are data (ok: false), not errors. */
  runHealthchecks(req: RunRequest & { dryRun: true }): Promise<DryRunChecks>;
  runHealthchecks(req: RunRequest & { dryRun?: false }): Promise<HealthReport>;
  runHealthchecks(req: RunRequest): Promise<HealthReport | DryRunChecks>;
  /** Initial actions then the ready test; a failure is VNF_ERR_BOOTSTRAP_FAILED with details.steps. */
  runBootstrap(req: RunRequest & { dryRun: true }): Promise<DryRunBootstrap>;
  runBootstrap(req: RunRequest & { dryRun?: false }): Promise<BootstrapReport>;
  runBootstrap(req: RunRequest): Promise<BootstrapReport | DryRunBootstrap>;
}

export function createWorkflowEngine(options: WorkflowEngineOptions): WorkflowEngine {
  const o: WorkflowEngineOptions = { ...options };
  return {
    runOperation: ((req: OperationRequest) => runOperation(o, req)) as WorkflowEngine['runOperation'],
    runHealthchecks: ((req: RunRequest) => runHealthchecks(o, req)) as WorkflowEngine['runHealthchecks'],
    runBootstrap: ((req: RunRequest) => runBootstrap(o, req)) as WorkflowEngine['runBootstrap'],
  };
}
