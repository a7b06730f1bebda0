// Config file → validated, defaulted, deep-frozen BrokerConfig. Problems are VNF_ERR_CONFIG_INVALID
// with `FILE:LINE:COL: message` for every one at once (operator-authored input: ajv allErrors).
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { VnfError } from '../errors.js';
import { isLoopbackHost, parseListen } from './listen.js';
import type { BrokerConfig, ClientRule, ListenAddress } from './model.js';
import { CONFIG_DEFAULTS, CONFIG_SCHEMA } from './schema.js';
import { MAX_CONFIG_BYTES, parseConfigYaml, type ConfigProblem, type ParsedConfigYaml } from './yaml-source.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= new Ajv2020({ strict: true, allErrors: true }).compile(CONFIG_SCHEMA);
  return compiled;
}

type Raw = Record<string, unknown>;

function splitPointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function dotted(path: readonly string[]): string {
  return path.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}

function describe(e: ErrorObject): { path: string[]; key: boolean; message: string } {
  const path = splitPointer(e.instancePath);
  const where = dotted(path) || 'the configuration';
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(params.additionalProperty);
      return { path: [...path, extra], key: true, message: `unknown key '${extra}'${path.length ? ` in ${where}` : ' at the top level'}` };
    }
    case 'required':
      return { path, key: path.length > 0, message: `${where}: missing required key '${String(params.missingProperty)}'` };
    case 'enum':
      return { path, key: false, message: `${where}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}` };
    case 'pattern':
      return { path, key: false, message: `${where}: has an invalid format` };
    default:
      return { path, key: false, message: `${where}: ${e.message ?? 'is invalid'}` };
  }
}

function fail(file: string, problems: ConfigProblem[]): never {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
  const lines = sorted.map((p) => `${file}:${p.line}:${p.col}: ${p.message}`);
  throw new VnfError('VNF_ERR_CONFIG_INVALID', `configuration ${file} is invalid (${sorted.length} problem${sorted.length === 1 ? '' : 's'}):\n${lines.join('\n')}`, {
    details: sorted.map((p) => ({ file, ...p })),
  });
}

function get(raw: Raw, key: string): unknown {
  let value: unknown = raw;
  for (const seg of key.split('.')) value = value !== null && typeof value === 'object' ? (value as Raw)[seg] : undefined;
  return value;
}

function orDefault<K extends keyof typeof CONFIG_DEFAULTS>(raw: Raw, key: K): (typeof CONFIG_DEFAULTS)[K] {
  const value = get(raw, key);
  return (value === undefined ? CONFIG_DEFAULTS[key] : value) as (typeof CONFIG_DEFAULTS)[K];
}

/** Recursively freezes plain objects and arrays. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const member of Object.values(value as object)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

/** Builds the config from a raw object that already passed the schema; positions for semantic errors. */
function build(raw: Raw, baseDir: string, file: string, where: ParsedConfigYaml['position']): BrokerConfig {
  const problems: ConfigProblem[] = [];
  const path = (value: unknown): string => resolve(baseDir, String(value));
  const optionalPath = (key: string, fallback: string): string => (get(raw, key) === undefined ? fallback : path(get(raw, key)));
  const listenAt = (key: string, text: string, loopbackOnly: boolean): ListenAddress => {
    const parsed = parseListen(text);
    const segs = key.split('.');
    if (!parsed) problems.push({ ...where(segs), message: `${key}: '${text.slice(0, 80)}' is not HOST:PORT` });
    else if (loopbackOnly && !isLoopbackHost(parsed.host)) problems.push({ ...where(segs), message: `${key}: the metrics listener must be a loopback address (127.0.0.1, ::1, localhost)` });
    return parsed ?? { host: '127.0.0.1', port: 0 };
  };
  const stateDir = path(raw.state_dir);
  const tls = raw.tls as Raw;
  const config: BrokerConfig = {
    source: file,
    listen: listenAt('listen', String(raw.listen), false),
    tls: {
      cert_file: path(tls.cert_file),
      key_file: path(tls.key_file),
      client_ca_file: path(tls.client_ca_file),
      ...(tls.crl_file !== undefined ? { crl_file: path(tls.crl_file) } : {}),
      min_version: orDefault(raw, 'tls.min_version'),
    },
    clients: ((raw.clients as ClientRule[] | undefined) ?? []).map((c) => ({ ...(c.name !== undefined ? { name: c.name } : {}), match: { ...c.match }, roles: [...c.roles] })),
    dictionaries_dir: optionalPath('dictionaries_dir', join(stateDir, 'dictionaries')),
    state_dir: stateDir,
    audit: {
      file: optionalPath('audit.file', join(stateDir, 'audit', 'audit.log')),
      fsync: orDefault(raw, 'audit.fsync'),
      ...(get(raw, 'audit.hmac_key_file') !== undefined ? { hmac_key_file: path(get(raw, 'audit.hmac_key_file')) } : {}),
      max_file_bytes: orDefault(raw, 'audit.max_file_bytes'),
      keep_files: orDefault(raw, 'audit.keep_files'),
      max_age_days: orDefault(raw, 'audit.max_age_days'),
    },
    ssh: {
      host_key_policy: orDefault(raw, 'ssh.host_key_policy'),
      known_hosts_file: optionalPath('ssh.known_hosts_file', join(stateDir, 'known_hosts')),
    },
    tls_known_certs_file: optionalPath('tls_known_certs_file', join(stateDir, 'known_certs')),
    pool: {
      max_connections: orDefault(raw, 'pool.max_connections'),
      idle_ms: orDefault(raw, 'pool.idle_ms'),
      max_sessions_per_connection: orDefault(raw, 'pool.max_sessions_per_connection'),
    },
    limits: {
      max_concurrent_operations: orDefault(raw, 'limits.max_concurrent_operations'),
      per_appliance_concurrency: orDefault(raw, 'limits.per_appliance_concurrency'),
      max_body_bytes: orDefault(raw, 'limits.max_body_bytes'),
      queue_wait_ms: orDefault(raw, 'limits.queue_wait_ms'),
      max_queued_jobs: orDefault(raw, 'limits.max_queued_jobs'),
    },
    timeouts: {
      operation_ms: orDefault(raw, 'timeouts.operation_ms'),
      connect_ms: orDefault(raw, 'timeouts.connect_ms'),
      command_ms: orDefault(raw, 'timeouts.command_ms'),
      drain_ms: orDefault(raw, 'timeouts.drain_ms'),
    },
    jobs: { retention_ms: orDefault(raw, 'jobs.retention_ms') },
    metrics: {
      enabled: orDefault(raw, 'metrics.enabled'),
      listen: listenAt('metrics.listen', String(orDefault(raw, 'metrics.listen')), true),
    },
    log_level: orDefault(raw, 'log_level'),
    ...(get(raw, 'cloudstack.api_url') !== undefined ? {
      cloudstack: {
        api_url: String(get(raw, 'cloudstack.api_url')),
        ...(get(raw, 'cloudstack.ca_file') !== undefined ? { ca_file: path(get(raw, 'cloudstack.ca_file')) } : {}),
        callback_timeout_ms: orDefault(raw, 'cloudstack.callback_timeout_ms'),
      },
    } : {}),
  };
  if (raw.ui !== undefined) {
    const ui = raw.ui as Raw;
    const uiListen = listenAt('ui.listen', String(ui.listen), false);
    config.ui = {
      listen: uiListen,
      ...(ui.public_url !== undefined ? { public_url: String(ui.public_url).replace(/\/$/, '') } : {}),
      cert_file: ui.cert_file !== undefined ? path(ui.cert_file) : config.tls.cert_file,
      key_file: ui.key_file !== undefined ? path(ui.key_file) : config.tls.key_file,
      token_key_file: optionalPath('ui.token_key_file', join(stateDir, 'ui', 'token.key')),
      default_lifetime_s: orDefault(raw, 'ui.default_lifetime_s'),
      max_lifetime_s: orDefault(raw, 'ui.max_lifetime_s'),
      proxy_timeout_ms: orDefault(raw, 'ui.proxy_timeout_ms'),
    };
    if (config.ui.default_lifetime_s > config.ui.max_lifetime_s) {
      problems.push({ ...where(['ui', 'default_lifetime_s']), message: 'ui.default_lifetime_s: must not exceed ui.max_lifetime_s' });
    }
  }
  if (config.timeouts.connect_ms > config.timeouts.operation_ms) {
    problems.push({ ...where(['timeouts', 'connect_ms']), message: 'timeouts.connect_ms: must not exceed timeouts.operation_ms' });
  }
  if (problems.length > 0) fail(file, problems);
  return config;
}

/** Parses and validates config text; relative paths resolve against `baseDir` (the file's directory). */
export function parseConfigText(text: string, file: string, baseDir = dirname(resolve(file))): BrokerConfig {
  const problems: ConfigProblem[] = [];
  const parsed = parseConfigYaml(text.startsWith('\uFEFF') ? text.slice(1) : text, problems);
  if (!parsed) fail(file, problems);
  const raw = parsed.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(file, [{ line: 1, col: 1, message: 'the configuration must be a YAML mapping (listen: ..., tls: ..., ...)' }]);
  const validate = validator();
  if (!validate(raw)) {
    for (const e of validate.errors ?? []) {
      const d = describe(e);
      problems.push({ ...parsed.position(d.path, d.key), message: d.message });
    }
    fail(file, problems);
  }
  return deepFreeze(build(raw as Raw, baseDir, file, parsed.position));
}

/** Validates an already-parsed object (no source positions: problems point at line 1). */
export function configFromObject(raw: unknown, label: string, baseDir = process.cwd()): BrokerConfig {
  const where: ParsedConfigYaml['position'] = () => ({ line: 1, col: 1 });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(label, [{ line: 1, col: 1, message: 'the configuration must be a mapping' }]);
  const validate = validator();
  if (!validate(raw)) fail(label, (validate.errors ?? []).map((e) => ({ line: 1, col: 1, message: describe(e).message })));
  return deepFreeze(build(raw as Raw, baseDir, label, where));
}

export interface DevConfigOptions {
  /** identities and roles (serve --dev grants the dev client certificate admin) */
  clients?: ClientRule[];
  metricsListen?: string;
  dictionariesDir?: string;
  logLevel?: BrokerConfig['log_level'];
  /** `HOST:PORT` of the web UI listener (`ui.listen`); the UI stays off without it */
  uiListen?: string;
}

/** The embedded first-run configuration of `serve --dev`: everything under `stateDir`. */
export function devConfig(stateDir: string, listen: string, options: DevConfigOptions = {}): BrokerConfig {
  const dir = resolve(stateDir);
  const config = configFromObject({
    listen,
    state_dir: dir,
    tls: { cert_file: join(dir, 'tls', 'server.pem'), key_file: join(dir, 'tls', 'server-key.pem'), client_ca_file: join(dir, 'tls', 'ca.pem') },
    clients: options.clients ?? [],
    ...(options.dictionariesDir !== undefined ? { dictionaries_dir: options.dictionariesDir } : {}),
    metrics: { listen: options.metricsListen ?? CONFIG_DEFAULTS['metrics.listen'] },
    timeouts: { drain_ms: 10_000 },
    ...(options.logLevel !== undefined ? { log_level: options.logLevel } : {}),
    ...(options.uiListen !== undefined ? { ui: { listen: options.uiListen } } : {}),
  }, '(serve --dev)', dir);
  return config;
}

/** Reads and validates the config file (VNF_ERR_INPUT_UNREADABLE when it cannot be read). */
export async function loadConfig(file: string): Promise<BrokerConfig> {
  let text: string;
  try {
    const bytes = await readFile(file);
    if (bytes.length > MAX_CONFIG_BYTES) throw new VnfError('VNF_ERR_CONFIG_INVALID', `${file}:1:1: the file is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = bytes.toString('utf8');
  } catch (error) {
    if (error instanceof VnfError) throw error;
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `configuration file ${file} cannot be read`, { cause: error });
  }
  return parseConfigText(text, isAbsolute(file) ? file : resolve(file));
}
