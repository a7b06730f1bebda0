// Canonical YAML form (schema-valid) → the Dictionary model with defaults filled, plus every
// template string as a TemplateSite carrying its source line, and a model→source path mapper.
import type {
  Bootstrap, Callback, Connection, ConnectionType, DataField, Dictionary, HealthCheck, Operation, ResponseMatch, ResponseSpec, RetrySpec, Service, Step,
  TemplateLanding, TemplateSite,
} from './model.js';
import { conditionTemplate } from '../template/condition.js';
import { isObj, pointer, type NormaliseContext, type Obj } from './normalise-context.js';
import { DEFAULT_PORTS } from './normalise-targets.js';
import type { Position } from './diagnostics.js';
import type { Seg } from './load-yaml.js';

const SECRET_PARAMETER = /(password|secret|private_key|token|api_key)/i;

/** Maps model paths (/services/S/operations/O/steps/0/...) to canonical paths (/services/S/O/...). */
export class PathMapper {
  private readonly prefixes: Array<{ model: string[]; canon: Seg[] }> = [];

  constructor(private readonly ctx: NormaliseContext) {}

  register(model: readonly Seg[], canon: readonly Seg[]): void {
    this.prefixes.push({ model: model.map(String), canon: [...canon] });
  }

  canon(model: readonly Seg[]): Seg[] {
    const segs = model.map(String);
    let best: { model: string[]; canon: Seg[] } | undefined;
    for (const p of this.prefixes) {
      if (p.model.length <= segs.length && p.model.every((s, i) => s === segs[i]) && (!best || p.model.length > best.model.length)) best = p;
    }
    return best ? [...best.canon, ...segs.slice(best.model.length)] : [...segs];
  }

  pos(model: readonly Seg[], key = false): Position {
    return this.ctx.pos(this.canon(model), key);
  }

  /** Position of a character offset inside the string at a model path (exact line in block scalars). */
  posIn(model: readonly Seg[], offset: number): Position {
    return this.ctx.posIn(this.canon(model), offset);
  }
}

export interface Built {
  dictionary: Dictionary;
  sites: TemplateSite[];
  /** model path of each site, for offset-precise diagnostics */
  sitePaths: Map<TemplateSite, Seg[]>;
  mapper: PathMapper;
  /** "Service/operation" keys whose get_data list was written in the dictionary (not derived) */
  explicitGetData: Set<string>;
  /** sites whose source wraps the dictionary's text (a when: condition): where that text starts in it */
  siteOffsets: Map<TemplateSite, number>;
}

export const DEFAULT_RETRY_ATTEMPTS = 3;
export const DEFAULT_RETRY_INTERVAL = 2;

export function buildModel(c: Obj, ctx: NormaliseContext): Built {
  const mapper = new PathMapper(ctx);
  const sites: TemplateSite[] = [];
  const sitePaths = new Map<TemplateSite, Seg[]>();
  const explicitGetData = new Set<string>();
  const siteOffsets = new Map<TemplateSite, number>();
  const site = (path: Seg[], value: unknown, landing: TemplateLanding, service?: string, wrapped?: { source: string; offset: number }): void => {
    if (typeof value !== 'string' || (!wrapped && !value.includes('{{'))) return;
    const pos = mapper.pos(path);
    const s: TemplateSite = { pointer: pointer(path), source: wrapped?.source ?? value, landing, ...(service === undefined ? {} : { service }), line: pos.line, col: pos.col };
    sites.push(s);
    sitePaths.set(s, path);
    if (wrapped) siteOffsets.set(s, wrapped.offset);
  };
  const map = (path: Seg[], value: unknown, landing: TemplateLanding, service?: string): void => {
    if (isObj(value)) for (const [k, v] of Object.entries(value)) site([...path, k], v, landing, service);
  };

  const info = isObj(c.general_info) ? c.general_info : {};
  const connections: Record<string, Connection> = {};
  for (const [name, raw] of Object.entries(isObj(c.connections) ? c.connections : {})) {
    const conn = buildConnection(name, raw as Obj);
    connections[name] = conn;
    const base: Seg[] = ['connections', name];
    site([...base, 'host'], conn.host, 'host');
    for (const k of ['username', 'password', 'private_key'] as const) site([...base, k], conn[k], 'credential');
    conn.on_open?.forEach((cmd, i) => site([...base, 'on_open', i], cmd, 'cli'));
    conn.prompts?.forEach((p, i) => site([...base, 'prompts', i, 'response'], p.response, 'cli'));
    map([...base, 'headers'], conn.headers, 'header');
  }

  const healthchecks = (Array.isArray(c.healthchecks) ? c.healthchecks as Obj[] : []).map((raw, i) => {
    const check = buildHealthCheck(raw);
    const base: Seg[] = ['healthchecks', i];
    site([...base, 'url'], check.url, 'url');
    map([...base, 'headers'], check.headers, 'header');
    site([...base, 'body'], check.body, bodyLanding(check.body, check.headers));
    site([...base, 'command'], check.command, 'cli');
    site([...base, 'expected_output'], check.expected_output, 'regex');
    return check;
  });

  const bootstrap = isObj(c.bootstrap) ? buildBootstrap(c.bootstrap) : undefined;
  if (bootstrap) {
    site(['bootstrap', 'userdata'], bootstrap.userdata, 'text');
    site(['bootstrap', 'initial_connection', 'username'], bootstrap.initial_connection?.username, 'credential');
    site(['bootstrap', 'initial_connection', 'password'], bootstrap.initial_connection?.password, 'credential');
    bootstrap.initial_actions.forEach((a, i) => walkLeaves(a.parameters, ['bootstrap', 'initial_actions', i, 'parameters'], (p, v) => site(p, v, 'text')));
    const t = bootstrap.ready_test;
    site(['bootstrap', 'ready_test', 'command'], t?.command, 'cli');
    site(['bootstrap', 'ready_test', 'url'], t?.url, 'url');
    site(['bootstrap', 'ready_test', 'expected_output'], t?.expected_output, 'regex');
  }

  const services: Record<string, Service> = {};
  for (const [name, raw] of Object.entries(isObj(c.services) ? c.services : {})) {
    const svc = raw as Obj;
    mapper.register(['services', name], ['services', name]);
    const data: Record<string, DataField> = {};
    for (const [field, def] of Object.entries(isObj(svc.data) ? svc.data : {})) data[field] = buildDataField(def as Obj);
    const operations: Record<string, Operation> = {};
    for (const [opName, rawOp] of Object.entries(svc)) {
      if (opName === 'data' || opName === 'description') continue;
      const op = rawOp as Obj;
      const opModel: Seg[] = ['services', name, 'operations', opName];
      mapper.register(opModel, ['services', name, opName]);
      const rawSteps = Array.isArray(op.steps) ? op.steps as Obj[] : [op];
      const steps = rawSteps.map((rawStep, i) => {
        const stepModel: Seg[] = [...opModel, 'steps', i];
        mapper.register(stepModel, Array.isArray(op.steps) ? ['services', name, opName, 'steps', i] : ['services', name, opName]);
        const step = buildStep(rawStep, connections);
        const stepSites = (st: Step, at: Seg[]): void => {
          if (st.when !== undefined && !st.when.includes('{{')) site([...at, 'when'], st.when, 'text', name, conditionTemplate(st.when));
          st.commands?.forEach((cmd, j) => site([...at, 'commands', j], cmd, 'cli', name));
          site([...at, 'url'], st.url, 'url', name);
          map([...at, 'headers'], st.headers, 'header', name);
          site([...at, 'body'], st.body, bodyLanding(st.body, st.headers), name);
          const r = st.response;
          site([...at, 'response', 'success_pattern'], r?.success_pattern, 'regex', name);
          site([...at, 'response', 'error_pattern'], r?.error_pattern, 'regex', name);
          const cb = r?.callback;
          const cbPath: Seg[] = [...at, 'response', 'callback'];
          site([...cbPath, 'url'], cb?.url, 'url', name);
          map([...cbPath, 'headers'], cb?.headers, 'header', name);
          site([...cbPath, 'body'], cb?.body, bodyLanding(cb?.body, cb?.headers), name);
          for (const [k, v] of Object.entries(cb?.parameters ?? {})) site([...cbPath, 'parameters', k], v, SECRET_PARAMETER.test(k) ? 'credential' : 'text', name);
          st.on_failure?.forEach((c, k) => stepSites(c, [...at, 'on_failure', k]));
        };
        stepSites(step, stepModel);
        return step;
      });
      const explicit = Array.isArray(op.get_data) ? (op.get_data as string[]) : undefined;
      if (explicit) explicitGetData.add(`${name}/${opName}`);
      const prefix = pointer(opModel);
      const used = explicit ?? derivedGetData(sites.filter((s) => s.pointer.startsWith(`${prefix}/`)));
      operations[opName] = { name: opName, ...(typeof op.description === 'string' ? { description: op.description } : {}), get_data: used, steps };
    }
    services[name] = { name, ...(typeof svc.description === 'string' ? { description: svc.description } : {}), data, operations };
  }

  const dictionary: Dictionary = {
    name: c.name as string,
    ...(typeof c.description === 'string' ? { description: c.description } : {}),
    general_info: {
      ...(typeof info.version === 'string' ? { version: info.version } : {}),
      ...(typeof info.vendor === 'string' ? { vendor: info.vendor } : {}),
      ...(typeof info.author === 'string' ? { author: info.author } : {}),
      debug: info.debug === true,
    },
    connections,
    healthchecks,
    ...(bootstrap ? { bootstrap } : {}),
    services,
  };
  return { dictionary, sites, sitePaths, mapper, explicitGetData, siteOffsets };
}

function pick<T extends object>(raw: Obj, keys: readonly string[]): Partial<T> {
  const out: Obj = {};
  for (const k of keys) if (raw[k] !== undefined) out[k] = raw[k];
  return out as Partial<T>;
}

function buildConnection(name: string, raw: Obj): Connection {
  const type = raw.type as ConnectionType;
  const extra = pick<Connection>(raw, ['username', 'password', 'private_key', 'mode', 'prompt', 'on_open', 'error_patterns', 'prompts', 'pipeline', 'headers', 'auth']);
  const conn: Connection = {
    name, type, host: raw.host as string,
    port: typeof raw.port === 'number' ? raw.port : DEFAULT_PORTS[type] ?? 22,
    verify_ssl: raw.verify_ssl !== false,
    timeout: typeof raw.timeout === 'number' ? raw.timeout : 30,
    ...extra,
  };
  if (type === 'ssh') conn.mode ??= 'shell';
  else conn.auth ??= conn.username !== undefined ? 'basic' : 'none';
  conn.prompts = conn.prompts?.map((p) => ({ ...p, max: p.max ?? 1 }));
  if (conn.prompts === undefined) delete conn.prompts;
  return conn;
}

function buildHealthCheck(raw: Obj): HealthCheck {
  const type = (raw.type as HealthCheck['type'] | undefined) ?? 'http';
  const check: HealthCheck = {
    name: raw.name as string, type,
    ...pick<HealthCheck>(raw, ['connection', 'method', 'url', 'headers', 'body', 'expected_status', 'command', 'expected_output', 'port', 'timeout']),
    retries: typeof raw.retries === 'number' ? raw.retries : 0,
    interval: typeof raw.interval === 'number' ? raw.interval : 5,
  };
  if (type === 'http') {
    check.method ??= 'GET';
    check.expected_status ??= 200;
  }
  return check;
}

function buildBootstrap(raw: Obj): Bootstrap {
  const out: Bootstrap = {
    ...pick<Bootstrap>(raw, ['network_init', 'userdata', 'initial_connection']),
    initial_actions: (Array.isArray(raw.initial_actions) ? raw.initial_actions as Obj[] : []).map((a) => ({
      service: a.service as string,
      action: a.action as string,
      parameters: (a.parameters as Record<string, unknown> | unknown[] | undefined) ?? {},
    })),
  };
  if (isObj(raw.ready_test)) {
    const t = raw.ready_test;
    out.ready_test = {
      ...pick(t, ['connection', 'command', 'method', 'url', 'expected_output', 'expected_status', 'timeout']),
      retries: typeof t.retries === 'number' ? t.retries : 10,
      interval: typeof t.interval === 'number' ? t.interval : 5,
    };
    if (out.ready_test.url !== undefined) out.ready_test.method ??= 'GET';
  }
  return out;
}

function buildDataField(raw: Obj): DataField {
  return { type: raw.type as DataField['type'], required: raw.required === true, ...pick<DataField>(raw, ['description', 'values', 'default', 'pattern', 'min', 'max']) };
}

const statuses = (v: unknown): number[] | undefined => (typeof v === 'number' ? [v] : Array.isArray(v) ? v as number[] : undefined);

function buildStep(raw: Obj, connections: Record<string, Connection>): Step {
  const connection = raw.connection as string;
  const transport = connections[connection]?.type ?? 'ssh';
  const step: Step = { ...pick<Step>(raw, ['save_as', 'when']), connection, transport, ...pick<Step>(raw, ['commands', 'method', 'url', 'headers', 'body']) };
  if (transport !== 'ssh') step.method ??= 'GET';
  if (isObj(raw.retry)) step.retry = buildRetry(raw.retry);
  if (isObj(raw.response)) step.response = buildResponse(raw.response, transport);
  if (Array.isArray(raw.on_failure)) step.on_failure = (raw.on_failure as Obj[]).map((s) => buildStep(s, connections));
  return step;
}

function buildRetry(raw: Obj): RetrySpec {
  const onStatus = statuses(raw.on_status);
  return {
    ...(onStatus ? { on_status: onStatus } : {}),
    ...(typeof raw.on_output === 'string' ? { on_output: raw.on_output } : {}),
    attempts: typeof raw.attempts === 'number' ? raw.attempts : DEFAULT_RETRY_ATTEMPTS,
    interval: typeof raw.interval === 'number' ? raw.interval : DEFAULT_RETRY_INTERVAL,
  };
}

function buildMatch(raw: Obj): ResponseMatch {
  const status = statuses(raw.status);
  return { ...(status ? { status } : {}), ...pick<ResponseMatch>(raw, ['json', 'output']) };
}

function buildResponse(raw: Obj, transport: ConnectionType): ResponseSpec {
  const format = (raw.format as ResponseSpec['format'] | undefined) ?? (transport === 'ssh' ? 'cli' : 'json');
  const out: ResponseSpec = { format, ...pick<ResponseSpec>(raw, ['success_pattern', 'error_pattern', 'transform']) };
  const expected = statuses(raw.expected_status);
  if (expected) out.expected_status = expected;
  if (raw.already !== undefined) out.already = (Array.isArray(raw.already) ? raw.already as Obj[] : [raw.already as Obj]).map(buildMatch);
  if (isObj(raw.callback)) {
    const cb = raw.callback;
    out.callback = { action: cb.action as Callback['action'], ...pick<Callback>(cb, ['method', 'url', 'headers', 'body', 'parameters']) };
    if (out.callback.action === 'http') out.callback.method ??= out.callback.body !== undefined ? 'POST' : 'GET';
  }
  return out;
}

function bodyLanding(body: string | undefined, headers: Record<string, string> | undefined): TemplateLanding {
  const type = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (type !== undefined) return /json/i.test(type) ? 'json' : 'text';
  return /^\s*[[{]/.test(body ?? '') ? 'json' : 'text';
}

function derivedGetData(sites: TemplateSite[]): string[] {
  const names = new Set<string>();
  for (const s of sites) for (const m of s.source.matchAll(/\bget_data\.([A-Za-z_][\w-]*)/g)) if (m[1]) names.add(m[1]);
  return [...names];
}

function walkLeaves(value: unknown, path: Seg[], fn: (path: Seg[], value: string) => void, depth = 0): void {
  if (depth > 32) return;
  if (typeof value === 'string') fn(path, value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkLeaves(v, [...path, i], fn, depth + 1));
  else if (isObj(value)) for (const [k, v] of Object.entries(value)) walkLeaves(v, [...path, k], fn, depth + 1);
}
