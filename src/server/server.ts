// The mTLS API server: client certificate → principal → roles, routing, bounded bodies, handlers,
// problem responses, an `api.request` audit record per request, SIGHUP-style TLS reload, and drain.
import { randomUUID } from 'node:crypto';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino, type Logger } from 'pino';
import type { AuditPrincipal } from '../audit/index.js';
import { principalFromPeerCertificate, type Principal } from '../certs/index.js';
import type { BrokerConfig } from '../config/index.js';
import type { DictionaryRegistry } from '../dictionary/index.js';
import { VnfError, asVnfError } from '../errors.js';
import { compileRequestSchemas } from './api-schemas.js';
import { forbidden, permits, rolesFor } from './authz.js';
import { checkMediaType, parseJsonBody, readBody } from './body.js';
import { auditHandlers } from './handlers-audit.js';
import { operationHandlers } from './handlers-operations.js';
import { initialProblems, providerHandlers } from './handlers-providers.js';
import { IdempotencyStore } from './idempotency.js';
import { JOB_STATUSES, JobStore } from './jobs.js';
import { ConcurrencyLimiter } from './limiter.js';
import { startMetricsListener, type MetricsListener, type Readiness } from './metrics-listener.js';
import { Metrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from './problem.js';
import { Router, ROUTES } from './routes.js';
import { OperationRunner } from './runner.js';
import type { Handler, ServerState } from './state.js';
import { readTlsMaterial, secureContextOptions } from './tls.js';
import type { HandlerResult, OperationExecutor, RequestContext, ServerAuditLog } from './types.js';
import { uiHandlers } from './ui-handlers.js';
import { UiRuntime, type UiConnector } from './ui-proxy/index.js';

export interface ServerDeps {
  config: BrokerConfig;
  registry: DictionaryRegistry;
  audit: ServerAuditLog;
  executor: OperationExecutor;
  logger?: Logger;
  metrics?: Metrics;
  /** called during close, after the drain and before the audit log closes (the connection pool) */
  onClose?: () => void | Promise<void>;
  /** dev mode: try this many consecutive metrics ports when one is taken */
  metricsPortAttempts?: number;
  version?: string;
  /** web UI access (config `ui`): streams to appliance web UIs, e.g. poolUiConnector(pool) */
  uiConnector?: UiConnector;
}

export interface BrokerServer {
  readonly metrics: Metrics;
  readonly jobs: JobStore;
  readonly router: Router;
  /** listens on config.listen (and the metrics listener when enabled) */
  start(): Promise<{ api: AddressInfo; metrics?: AddressInfo; ui?: AddressInfo }>;
  /** web UI access, when `ui` is configured */
  readonly ui: UiRuntime | undefined;
  /** re-reads the TLS files and swaps the context for new connections; throws (keeping the old one) on failure */
  reload(): void;
  readiness(): Readiness;
  /** stop accepting, drain (timeouts.drain_ms), abort the rest, close listeners, onClose, audit log */
  close(): Promise<void>;
}

const SECURITY_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

/**
 * The client certificate's principal, read once per TLS connection (getPeerCertificate() builds a
 * new object from the certificate on every call; keep-alive clients send many requests on one
 * connection). Renegotiation is refused (secureContextOptions), so the certificate cannot change.
 */
const principals = new WeakMap<TLSSocket, Principal>();
function peerPrincipal(socket: TLSSocket): Principal {
  let principal = principals.get(socket);
  if (principal === undefined) {
    principal = principalFromPeerCertificate(socket.getPeerCertificate());
    principals.set(socket, principal);
  }
  return principal;
}

function safePath(path: string): string {
  return path.slice(0, 256).replace(/[^\x21-\x7e]/g, '?');
}

export function createServer(deps: ServerDeps): BrokerServer {
  const { config, registry } = deps;
  const logger = deps.logger ?? pino({ level: 'silent' });
  const metrics = deps.metrics ?? new Metrics();
  compileRequestSchemas();
  const openapi = buildOpenApi(ROUTES, deps.version);
  const router = new Router(ROUTES);
  const jobs = JobStore.open(join(config.state_dir, 'jobs'), config.jobs.retention_ms);
  if (jobs.interruptedAtOpen > 0) logger.warn({ jobs: jobs.interruptedAtOpen }, 'unfinished jobs from the previous run are reported as interrupted');
  const limiter = new ConcurrencyLimiter(config.limits.max_concurrent_operations, config.limits.max_queued_jobs);
  const runner = new OperationRunner({
    limiter, jobs, metrics, logger,
    operationMs: config.timeouts.operation_ms,
    queueWaitMs: config.limits.queue_wait_ms,
    ...(deps.audit.redactor ? { redactor: deps.audit.redactor } : {}),
  });
  const state: ServerState = {
    config, registry, audit: deps.audit, executor: deps.executor, jobs, runner, metrics, logger,
    idempotency: new IdempotencyStore(config.jobs.retention_ms),
    providerProblems: initialProblems(registry.problems),
  };
  const uiConfig = config.ui;
  const ui = uiConfig ? new UiRuntime({
    config: { ...config, ui: uiConfig },
    audit: (event) => { deps.audit.append(event); },
    logger,
    ...(deps.uiConnector ? { connect: deps.uiConnector } : {}),
  }) : undefined;

  const handlers: Record<string, Handler> = {
    ...providerHandlers(state),
    ...operationHandlers(state),
    ...auditHandlers(state),
    getOpenApi: () => Promise.resolve({ status: 200, body: openapi }),
    ...uiHandlers(ui),
  };
  for (const route of ROUTES) {
    if (!handlers[route.operationId]) throw new VnfError('VNF_ERR_BROKER_INTERNAL', `no handler for ${route.operationId}`);
  }
  metrics.registerGauge('jobs', 'Jobs held (journaled) by state.', () => {
    const counts = jobs.counts();
    return JOB_STATUSES.map((s) => ({ labels: { state: s }, value: counts[s] }));
  });
  metrics.registerGauge('operations_in_flight', 'Operations executing now.', () => runner.activeCount);
  metrics.registerGauge('operations_queued', 'Operations and jobs waiting for a slot.', () => limiter.queued);
  metrics.registerGauge('process_memory_bytes', 'Memory of the broker process: resident set, V8 heap used/total, external and array buffers.', () => {
    const m = process.memoryUsage();
    return [['rss', m.rss], ['heap_used', m.heapUsed], ['heap_total', m.heapTotal], ['external', m.external], ['array_buffers', m.arrayBuffers]]
      .map(([kind, value]) => ({ labels: { kind: String(kind) }, value: Number(value) }));
  });

  const material = readTlsMaterial(config.tls);
  const https: Server = createHttpsServer({
    ...secureContextOptions(material, config.tls.min_version),
    requestCert: true,
    rejectUnauthorized: true,
    requestTimeout: 60_000,
    headersTimeout: 20_000,
  });
  https.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    metrics.tlsHandshakeFailure();
    logger.debug({ code: error.code }, 'TLS handshake failed');
  });
  let started = false;
  let draining = false;
  let metricsListener: MetricsListener | undefined;
  let closing: Promise<void> | undefined;
  const pruneTimer = setInterval(() => {
    try { jobs.prune(); } catch (error) { logger.error({ err: error }, 'pruning the job journal failed'); }
  }, Math.min(config.jobs.retention_ms, 60_000));
  pruneTimer.unref();

  const auditSafely = (event: Parameters<ServerAuditLog['append']>[0]): boolean => {
    try {
      deps.audit.append(event);
      return true;
    } catch (error) {
      metrics.auditWriteFailure();
      logger.error({ err: error, request_id: event.request_id }, 'audit record could not be written');
      return false;
    }
  };

  const write = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void => {
    if (res.headersSent || res.destroyed) return;
    if (status === 204 || body === undefined) {
      res.writeHead(status, { ...SECURITY_HEADERS, ...headers }).end();
      return;
    }
    const problem = typeof body === 'object' && body !== null && 'code' in body && 'request_id' in body && status >= 400;
    const text = `${JSON.stringify(body)}\n`;
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      'Content-Type': problem ? PROBLEM_CONTENT_TYPE : 'application/json',
      'Content-Length': String(Buffer.byteLength(text)),
      ...headers,
    }).end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const startedAt = performance.now();
    res.setHeader('X-Request-Id', requestId);
    let routeLabel = 'unmatched';
    let auditPrincipal: AuditPrincipal | undefined;
    let path = '?';
    let result: HandlerResult;
    const extraHeaders: Record<string, string> = {};
    try {
      let principal: Principal;
      try {
        principal = peerPrincipal(req.socket as TLSSocket);
      } catch {
        throw forbidden('unmapped');
      }
      auditPrincipal = { subject: principal.subject, fingerprint: principal.fingerprint256 };
      const url = new URL(req.url ?? '/', 'https://broker.invalid');
      path = safePath(url.pathname);
      if (draining) {
        extraHeaders.Connection = 'close';
        throw new VnfError('VNF_ERR_API_SHUTTING_DOWN', 'the broker is shutting down');
      }
      const roles = rolesFor(principal, config.clients);
      const deny = (reason: 'unmapped' | 'role'): never => {
        if (!auditSafely({ type: 'auth.denied', request_id: requestId, principal: auditPrincipal, outcome: 'denied', detail: { method: req.method ?? '?', path, reason } })) {
          throw new VnfError('VNF_ERR_AUDIT_WRITE', 'the audit record could not be written');
        }
        throw forbidden(reason);
      };
      if (roles.size === 0) deny('unmapped');
      const match = router.match(req.method ?? '', url.pathname);
      routeLabel = match.route.path;
      if (!permits(roles, match.route.roles)) deny('role');
      let rawBody: Buffer | undefined;
      let body: unknown;
      if (match.route.body) {
        checkMediaType(req, match.route.body);
        rawBody = await readBody(req, config.limits.max_body_bytes);
        if (match.route.body === 'json') body = parseJsonBody(rawBody);
      } else {
        req.resume();
      }
      const ctx: RequestContext = {
        requestId, principal, auditPrincipal, roles, params: match.params, query: url.searchParams,
        headers: req.headers, body, rawBody,
      };
      result = await (handlers[match.route.operationId] as Handler)(ctx);
    } catch (error) {
      result = { status: asVnfError(error).httpStatus, error };
    }
    if (result.error !== undefined) {
      const e = asVnfError(result.error);
      if (e.code === 'VNF_ERR_BROKER_INTERNAL') logger.error({ err: e.cause ?? e, request_id: requestId }, 'internal error');
      if (e.code === 'VNF_ERR_API_BODY_TOO_LARGE' || e.code === 'VNF_ERR_API_MEDIA_TYPE') extraHeaders.Connection = 'close';
      if (e.code === 'VNF_ERR_API_METHOD_NOT_ALLOWED') {
        const allow = (e.details as { allow?: string }[] | undefined)?.[0]?.allow;
        if (allow) extraHeaders.Allow = allow;
      }
      if (e.code === 'VNF_ERR_AUDIT_WRITE') metrics.auditWriteFailure();
      result = { status: e.httpStatus, body: toProblem(e, requestId, deps.audit.redactor), headers: { ...result.headers } };
    }
    if (auditPrincipal !== undefined) {
      const ok = auditSafely({
        type: 'api.request', request_id: requestId, principal: auditPrincipal,
        outcome: result.status === 403 ? 'denied' : result.status < 400 ? 'success' : 'failure',
        duration_ms: Math.round((performance.now() - startedAt) * 1000) / 1000,
        detail: { method: req.method ?? '?', path, status: result.status },
      });
      // no audit, no data: reads are refused when their record cannot be written
      if (!ok && req.method === 'GET' && result.status < 400) {
        const e = new VnfError('VNF_ERR_AUDIT_WRITE', 'the audit record could not be written');
        result = { status: 503, body: toProblem(e, requestId) };
      }
    }
    metrics.request(routeLabel, result.status);
    if (result.status >= 500) logger.warn({ request_id: requestId, route: routeLabel, status: result.status }, 'request failed');
    write(res, result.status, result.body, { ...result.headers, ...extraHeaders });
  }

  https.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: error }, 'request handling failed');
      if (!res.headersSent && !res.destroyed) res.writeHead(500, SECURITY_HEADERS).end();
    });
  });

  const readiness = (): Readiness => {
    const checks = { listening: started, accepting: !draining, config: true, dictionaries: true, audit: true };
    return { ready: Object.values(checks).every(Boolean), checks };
  };

  return {
    metrics,
    jobs,
    router,
    readiness,
    ui,
    async start() {
      const api = await new Promise<AddressInfo>((resolve, reject) => {
        https.once('error', reject);
        https.listen(config.listen.port, config.listen.host, () => {
          https.off('error', reject);
          resolve(https.address() as AddressInfo);
        });
      });
      if (config.metrics.enabled) {
        try {
          metricsListener = await startMetricsListener(config.metrics.listen, metrics, readiness, deps.metricsPortAttempts ?? 1);
        } catch (error) {
          https.close();
          throw error;
        }
      }
      let uiAddress: AddressInfo | undefined;
      if (ui) {
        try {
          uiAddress = (await ui.start()).address;
        } catch (error) {
          https.close();
          await metricsListener?.close();
          throw error;
        }
      }
      started = true;
      return { api, ...(metricsListener ? { metrics: metricsListener.address } : {}), ...(uiAddress ? { ui: uiAddress } : {}) };
    },
    reload() {
      const next = readTlsMaterial(config.tls);
      https.setSecureContext(secureContextOptions(next, config.tls.min_version));
      ui?.reload();
      logger.info('TLS certificate, key and client CA reloaded');
    },
    close() {
      closing ??= (async () => {
        draining = true;
        await ui?.close();
        const closed = new Promise<void>((resolve) => { if (https.listening) https.close(() => resolve()); else resolve(); });
        const { aborted } = await runner.drain(config.timeouts.drain_ms);
        if (aborted > 0) logger.warn({ aborted }, 'operations aborted at the end of the drain period');
        https.closeIdleConnections();
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
        https.closeAllConnections();
        clearInterval(pruneTimer);
        await metricsListener?.close();
        try {
          await deps.onClose?.();
        } catch (error) {
          logger.error({ err: error }, 'onClose hook failed');
        }
        deps.audit.close?.();
      })();
      return closing;
    },
  };
}
