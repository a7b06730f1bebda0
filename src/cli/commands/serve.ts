// `vnf-broker serve --config FILE` / `serve --dev [--state-dir DIR] [--listen HOST:PORT] [--ui-listen
// HOST:PORT]`: opens the audit log, loads dictionaries, wires the workflow engine, runs the mTLS API,
// metrics (and, when configured, the web UI listener) until SIGTERM.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createAppLogger, openAuditLog, type AuditLog } from '../../audit/index.js';
import { DEV_HOSTS, ensureDevTls } from '../../certs/index.js';
import { devConfig, formatListen, loadConfig, parseListen, type BrokerConfig } from '../../config/index.js';
import { DICTIONARIES_DIR, DictionaryRegistry, formatDiagnostic } from '../../dictionary/index.js';
import { VnfError } from '../../errors.js';
import { createServer, poolUiConnector, type OperationExecutor, type UiConnector } from '../../server/index.js';
import { ConnectionPool, FileKnownCerts, FileKnownHosts, type PoolStats } from '../../transport/index.js';
import { createWorkflowEngine } from '../../workflow/index.js';
import { optionalString, parseCommandArgs } from '../args.js';
import { EXIT_OK, printErr } from '../io.js';

export const SERVE_USAGE = 'usage: vnf-broker serve --config FILE\n       vnf-broker serve --dev [--state-dir DIR] [--listen HOST:PORT] [--ui-listen HOST:PORT]';
const DEV_STATE_DIR = './var';
const DEV_LISTEN = '127.0.0.1:8443';
const DEV_METRICS_PORT_ATTEMPTS = 20;

export interface Execution {
  executor: OperationExecutor;
  /** web UI sessions stream to appliances through the same pooled chains */
  uiConnector: UiConnector;
  /** closes pooled connections (the server calls it after the drain, before the audit log closes) */
  close(): Promise<void>;
  stats(): PoolStats;
}

/** The workflow engine over the connection pool, configured from the broker config. */
export function createExecutor(config: BrokerConfig, audit: AuditLog): Execution {
  const pool = new ConnectionPool({
    audit,
    knownHosts: new FileKnownHosts(config.ssh.known_hosts_file),
    knownCerts: new FileKnownCerts(config.tls_known_certs_file),
    hostKeyPolicy: config.ssh.host_key_policy,
    timeouts: { connectMs: config.timeouts.connect_ms, commandIdleMs: config.timeouts.command_ms, headersMs: config.timeouts.command_ms },
    limits: { maxSessions: config.pool.max_sessions_per_connection },
    idleMs: config.pool.idle_ms,
    maxConcurrentOperations: config.limits.max_concurrent_operations,
  });
  const cs = config.cloudstack;
  const engine = createWorkflowEngine({
    pool, audit, defaults: { operationTimeoutMs: config.timeouts.operation_ms },
    ...(cs ? { callbacks: { cloudstack: { endpoint: cs.api_url, timeoutMs: cs.callback_timeout_ms, ...(cs.ca_file ? { ca: readFileSync(cs.ca_file, 'utf8') } : {}) } } } : {}),
  });
  return {
    executor: {
      runOperation: (req) => engine.runOperation(req),
      runHealthchecks: (req) => engine.runHealthchecks(req),
      runBootstrap: (req) => engine.runBootstrap(req),
    },
    uiConnector: poolUiConnector(pool),
    close: () => pool.close(),
    stats: () => pool.stats(),
  };
}

/** Dev mode: a private copy of the packaged dictionaries, so PUT/DELETE never touch the package. */
function seedDictionaries(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  for (const name of readdirSync(DICTIONARIES_DIR)) {
    if (/\.(ya?ml|json)$/i.test(name)) copyFileSync(join(DICTIONARIES_DIR, name), join(dir, name));
  }
}

function shellPath(path: string): string {
  const rel = relative(process.cwd(), path);
  const shown = rel !== '' && !rel.startsWith('..') ? rel : path;
  return /^[\w./@:-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
}

const isWildcard = (host: string): boolean => host === '0.0.0.0' || host === '::';

function listenOption(name: string, text: string): { host: string; port: number } {
  const listen = parseListen(text);
  if (!listen) throw new VnfError('VNF_ERR_CLI_USAGE', `${name} must be HOST:PORT, not '${text.slice(0, 80)}'`);
  return listen;
}

async function devSetup(stateDirOption: string | undefined, listenText = DEV_LISTEN, uiListenText?: string): Promise<{ config: BrokerConfig; curl: string }> {
  const stateDir = resolve(stateDirOption ?? DEV_STATE_DIR);
  const listen = listenOption('--listen', listenText);
  const wildcard = isWildcard(listen.host);
  // the web UI listener uses the dev server certificate too: it must name the UI host as well
  const uiHost = uiListenText === undefined ? undefined : listenOption('--ui-listen', uiListenText).host;
  const hosts = [...new Set([...DEV_HOSTS, ...[listen.host, uiHost ?? ''].filter((h) => h !== '' && !isWildcard(h))])];
  const tls = await ensureDevTls(stateDir, { hosts });
  for (const warning of tls.warnings) printErr(`vnf-broker: warning: ${warning}`);
  const dictionariesDir = join(stateDir, 'dictionaries');
  seedDictionaries(dictionariesDir);
  const config = devConfig(stateDir, listenText, {
    clients: [{ name: 'dev client certificate', match: { fingerprint256: tls.client.fingerprint256 }, roles: ['admin'] }],
    dictionariesDir,
    ...(uiListenText !== undefined ? { uiListen: uiListenText } : {}),
  });
  const host = wildcard ? '127.0.0.1' : listen.host;
  const url = `https://${formatListen({ host, port: listen.port })}/v1/providers`;
  const f = tls.files;
  const curl = `curl --cacert ${shellPath(f.ca)} --cert ${shellPath(f.client)} --key ${shellPath(f.clientKey)} ${url}`;
  return { config, curl };
}

function openAudit(config: BrokerConfig): AuditLog {
  mkdirSync(dirname(config.audit.file), { recursive: true, mode: 0o750 });
  return openAuditLog({
    file: config.audit.file,
    fsync: config.audit.fsync,
    ...(config.audit.hmac_key_file !== undefined ? { hmacKeyFile: config.audit.hmac_key_file } : {}),
    maxFileBytes: config.audit.max_file_bytes,
    keepFiles: config.audit.keep_files,
    maxAgeDays: config.audit.max_age_days,
  });
}

async function loadRegistry(config: BrokerConfig, logger: Logger): Promise<DictionaryRegistry> {
  mkdirSync(config.dictionaries_dir, { recursive: true, mode: 0o750 });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  for (const problem of registry.problems) {
    logger.warn({ file: problem.file, errors: problem.diagnostics.filter((d) => d.severity === 'error').slice(0, 20).map(formatDiagnostic) }, 'dictionary not loaded');
  }
  logger.info({ dir: config.dictionaries_dir, providers: registry.names() }, 'dictionaries loaded');
  return registry;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    config: { type: 'string' },
    dev: { type: 'boolean' },
    'state-dir': { type: 'string' },
    listen: { type: 'string' },
    'ui-listen': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (parsed.values.help === true) {
    process.stdout.write(`${SERVE_USAGE}\n`);
    return EXIT_OK;
  }
  const configFile = optionalString(parsed, 'config');
  const dev = parsed.values.dev === true;
  if (dev === (configFile !== undefined)) throw new VnfError('VNF_ERR_CLI_USAGE', `give exactly one of --config FILE or --dev\n${SERVE_USAGE}`);
  if (!dev && (parsed.values['state-dir'] !== undefined || parsed.values.listen !== undefined || parsed.values['ui-listen'] !== undefined)) {
    throw new VnfError('VNF_ERR_CLI_USAGE', '--state-dir, --listen and --ui-listen go with --dev; set state_dir, listen and ui.listen in the config file');
  }
  const { config, curl } = dev
    ? await devSetup(optionalString(parsed, 'state-dir'), optionalString(parsed, 'listen'), optionalString(parsed, 'ui-listen'))
    : { config: await loadConfig(configFile as string), curl: undefined };

  const audit = openAudit(config);
  const logger = createAppLogger({ level: config.log_level, redactor: audit.redactor, name: 'vnf-broker' });
  const registry = await loadRegistry(config, logger);
  const execution = createExecutor(config, audit);
  const server = createServer({
    config, registry, audit, logger,
    executor: execution.executor,
    uiConnector: execution.uiConnector,
    onClose: () => execution.close(),
    ...(dev ? { metricsPortAttempts: DEV_METRICS_PORT_ATTEMPTS } : {}),
  });
  server.metrics.registerGauge('pool_connections', 'Pooled connections by kind (jump chains, target SSH connections, session channels, shells, HTTP clients).', () => {
    const s = execution.stats();
    return [['jump_chain', s.jumpChains], ['target', s.targetConnections], ['session_channel', s.sessionChannels], ['shell', s.shells], ['http_client', s.httpClients]]
      .map(([kind, value]) => ({ labels: { kind: String(kind) }, value: Number(value) }));
  });
  server.metrics.registerGauge('pool_appliances', 'Appliances with pooled connections.', () => execution.stats().appliances);
  const addresses = await server.start();
  logger.info({ api: addresses.api, metrics: addresses.metrics, ...(addresses.ui ? { ui: addresses.ui } : {}), audit: config.audit.file }, 'vnf-broker ready');
  printErr(`vnf-broker: serving the mTLS API on ${formatListen({ host: addresses.api.address, port: addresses.api.port })}`
    + (addresses.metrics ? `; health and metrics on http://${formatListen({ host: addresses.metrics.address, port: addresses.metrics.port })}/metrics` : '')
    + (addresses.ui ? `; web UI sessions on https://${formatListen({ host: addresses.ui.address, port: addresses.ui.port })}/ui/` : ''));
  if (curl) printErr(`vnf-broker: try:\n  ${curl}`);

  return new Promise<number>((resolveExit) => {
    let stopping = false;
    const onHup = (): void => {
      try {
        server.reload();
        audit.rotate();
      } catch (error) {
        logger.error({ err: error }, 'reload on SIGHUP failed; the previous TLS material stays in use');
      }
    };
    const onStop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without finishing the drain');
        process.exit(1);
      }
      stopping = true;
      logger.info({ signal, drain_ms: config.timeouts.drain_ms }, 'shutting down: draining in-flight operations');
      server.close().then(() => {
        process.off('SIGHUP', onHup);
        logger.info('stopped');
        resolveExit(EXIT_OK);
      }, (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        resolveExit(1);
      });
    };
    process.on('SIGHUP', onHup);
    process.on('SIGTERM', () => onStop('SIGTERM'));
    process.on('SIGINT', () => onStop('SIGINT'));
  });
}

export default serveCommand;
