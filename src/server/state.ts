// What the request handlers share: configuration, registry, audit, executor, jobs, idempotency,
// the operation runner, metrics and the application logger.
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config/index.js';
import type { DictionaryRegistry } from '../dictionary/index.js';
import type { IdempotencyStore } from './idempotency.js';
import type { JobStore } from './jobs.js';
import type { Metrics } from './metrics.js';
import type { OperationRunner } from './runner.js';
import type { HandlerResult, OperationExecutor, RequestContext, ServerAuditLog } from './types.js';

export interface ServerState {
  config: BrokerConfig;
  registry: DictionaryRegistry;
  audit: ServerAuditLog;
  executor: OperationExecutor;
  jobs: JobStore;
  idempotency: IdempotencyStore;
  runner: OperationRunner;
  metrics: Metrics;
  logger: Logger;
  /** dictionary files that failed to load at start (file → formatted errors); cleared when replaced */
  providerProblems: Map<string, string[]>;
}

export type Handler = (ctx: RequestContext) => Promise<HandlerResult>;
