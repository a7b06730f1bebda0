// server/: the mTLS HTTPS API (authorization, providers, operations, jobs, idempotency, audit query,
// OpenAPI) and the loopback health/metrics listener; the workflow engine plugs in as an executor.
export { createServer, type BrokerServer, type ServerDeps } from './server.js';
export type { ExecutionRequest, HandlerResult, OperationExecutor, OperationRequest, RequestContext, ServerAuditLog } from './types.js';
export { Metrics, LATENCY_BUCKETS_SECONDS, type GaugeCollector, type GaugeSample, type Labels } from './metrics.js';
export { JobStore, JOB_STATUSES, INTERRUPTED_ERROR, type Job, type JobError, type JobKind, type JobStatus } from './jobs.js';
export { ROUTES, Router, type RouteSpec } from './routes.js';
export { buildOpenApi, ROUTE_DOCS } from './openapi.js';
export { rolesFor } from './authz.js';
export { PROBLEM_CONTENT_TYPE, toProblem, type Problem } from './problem.js';
export { startMetricsListener, type MetricsListener, type Readiness } from './metrics-listener.js';
export { poolUiConnector, UiRuntime, UiProxy, UiTokens, type UiConnector, type UiSession, type UiTarget } from './ui-proxy/index.js';
