// Dry-run rendering of one service operation (DESIGN.md §3.1 `render`): validates the input, renders
// every step for its connection, and offers the redacted plan for output and the raw one for execution.
import { VnfError } from '../errors.js';
import type { ApplianceContext } from '../dictionary/appliance-model.js';
import type {
  Connection, Dictionary, LoadedDictionary, ResponseSpec, Step,
} from '../dictionary/model.js';
import { RenderScope, compileCondition, compileTemplate, validateData, type TemplateLanding } from '../template/index.js';
import { REDACTED, Redactor } from '../audit/index.js';
import { applianceSecretKeys, applianceSecrets, applianceValues, isSecretName } from './values.js';

/** Flow marks a plan shows: the step's save_as, its when: condition, and whether it is only a preview. */
export interface PlanMarks {
  save_as?: string;
  /** the condition, when the plan could not decide it (it depends on an earlier step's result) */
  when?: string;
  /** the step uses values of earlier steps: shown with <steps.NAME.FIELD> placeholders, rendered for real when it runs */
  deferred?: true;
  /** its when: is already false: it will not run (its content is shown when it can be rendered, else empty) */
  skipped?: true;
}

export interface RenderedSshStep extends PlanMarks {
  connection: string;
  transport: 'ssh';
  commands: string[];
}

export interface RenderedHttpStep extends PlanMarks {
  connection: string;
  transport: 'http' | 'https';
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

export type RenderedStep = RenderedSshStep | RenderedHttpStep;

/** A connection with its templates rendered; `host` is bare (no IPv6 brackets), ready to dial. */
export type RenderedConnection = Pick<Connection,
  'name' | 'type' | 'host' | 'port' | 'username' | 'password' | 'private_key' | 'verify_ssl' | 'timeout'>;

export interface StepResponse {
  spec?: ResponseSpec;
  /** the spec's success/error patterns, rendered with values regex-escaped */
  patterns: { success_pattern?: string; error_pattern?: string };
}

export interface RenderedOperation {
  /** unredacted: for the executor only, never for output; parallel to specs */
  steps: RenderedStep[];
  /** parallel to steps */
  responses: StepResponse[];
  /** the operation's steps as the dictionary declares them (when, retry, save_as, on_failure) */
  specs: Step[];
  /**
   * Renders a step for sending, with the values earlier steps saved in the scope (a missing one is
   * an error); `at` is its path under the operation's steps: [i] or [i, 'on_failure', k].
   */
  renderNow: (step: Step, at: (string | number)[]) => { step: RenderedStep; response: StepResponse };
  connections: Record<string, RenderedConnection>;
  /** the operation's scope: render callbacks/prompts with the same values, and collect their secrets */
  scope: RenderScope;
}

export interface RenderOperationInput {
  dictionary: LoadedDictionary | Dictionary;
  appliance: ApplianceContext;
  service: string;
  operation: string;
  data?: unknown;
  now?: Date | (() => Date);
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SENSITIVE_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'api-key']);

function isLoaded(d: LoadedDictionary | Dictionary): d is LoadedDictionary {
  return 'templateSites' in d && 'dictionary' in d;
}

function jsonPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function semantic(message: string): VnfError {
  return new VnfError('VNF_ERR_DICT_SEMANTIC', message);
}

/** Renders a credential that may legitimately be absent (an SSH key instead of a password ...). */
function optionalCredential(scope: RenderScope, source: string | undefined): string | undefined {
  if (source === undefined) return undefined;
  try {
    return scope.render(source, 'credential');
  } catch (error) {
    if (error instanceof VnfError && error.code === 'VNF_ERR_TEMPLATE_MISSING_VALUE') return undefined;
    throw error;
  }
}

const STANDARD_PORT: Record<Connection['type'], number> = { ssh: 22, http: 80, https: 443 };
const CONTEXT_PORT = { ssh: 'ssh_port', http: 'http_port', https: 'https_port' } as const;

/**
 * The port a connection dials: a connection to the appliance's management host on its type's standard
 * port (22/80/443) uses the context's `management.ssh_port|http_port|https_port` when set (CloudStack
 * knows where the appliance really listens); any other port or host is the dictionary's own.
 */
export function effectivePort(conn: Pick<Connection, 'type' | 'port'>, host: string, appliance?: ApplianceContext): number {
  if (!appliance || host !== appliance.management.host || conn.port !== STANDARD_PORT[conn.type]) return conn.port;
  return appliance.management[CONTEXT_PORT[conn.type]] ?? conn.port;
}

export function renderConnection(scope: RenderScope, conn: Connection, appliance?: ApplianceContext): RenderedConnection & { urlHost: string } {
  const urlHost = scope.render(conn.host, 'host');
  const host = urlHost.startsWith('[') ? urlHost.slice(1, -1) : urlHost;
  const username = optionalCredential(scope, conn.username);
  const password = optionalCredential(scope, conn.password);
  const privateKey = optionalCredential(scope, conn.private_key);
  return {
    name: conn.name, type: conn.type, host, urlHost, port: effectivePort(conn, host, appliance), verify_ssl: conn.verify_ssl, timeout: conn.timeout,
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(privateKey !== undefined ? { private_key: privateKey } : {}),
  };
}

function bodyLanding(sites: ReadonlyMap<string, TemplateLanding>, pointer: string, headers: Record<string, string>, body: string): TemplateLanding {
  const site = sites.get(pointer);
  if (site === 'json' || site === 'text') return site;
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
  return /json/i.test(type) || /^\s*[[{]/.test(body) ? 'json' : 'text';
}

interface StepEnv {
  scope: RenderScope;
  /** plan rendering: unknown steps values print as placeholders and mark the step deferred */
  plan?: { deferred: boolean };
  dictionary: Dictionary;
  sites: ReadonlyMap<string, TemplateLanding>;
  connections: Record<string, RenderedConnection & { urlHost: string }>;
  base: (string | number)[];
  appliance?: ApplianceContext;
}

/** Renders one template of a step; in plan mode an unknown steps value is a placeholder. */
function draw(env: StepEnv, source: string, landing: TemplateLanding): string {
  if (!env.plan) return env.scope.render(source, landing);
  const out = env.scope.renderWith(compileTemplate(source, landing), { stepPlaceholders: true });
  if (out.deferred) env.plan.deferred = true;
  return out.text;
}

function renderHttp(step: Step, conn: Connection, rc: RenderedConnection & { urlHost: string }, index: number, env: StepEnv): RenderedHttpStep {
  const { scope } = env;
  const method = (step.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw semantic(`step ${index}: invalid HTTP method`);
  const urlSource = step.url ?? '/';
  if (/^[a-z][a-z0-9+.-]*:/i.test(urlSource)) throw semantic(`step ${index}: url must be a path relative to connection '${conn.name}'`);
  let path = draw(env, urlSource, 'url');
  if (!path.startsWith('/')) path = `/${path}`;
  const sources: Record<string, string> = {};
  for (const [name, value] of [...Object.entries(conn.headers ?? {}), ...Object.entries(step.headers ?? {})]) {
    if (!HEADER_NAME.test(name)) throw semantic(`step ${index}: invalid header name`);
    const clash = Object.keys(sources).find((k) => k.toLowerCase() === name.toLowerCase());
    if (clash !== undefined) delete sources[clash];
    sources[name] = value;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(sources)) headers[name] = draw(env, value, 'header');
  const hasAuth = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  if ((conn.auth ?? 'basic') === 'basic' && !hasAuth && rc.username !== undefined && rc.password !== undefined) {
    if (rc.username.includes(':')) {
      throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', `connection '${conn.name}': a basic-auth username cannot contain ':'`);
    }
    const token = Buffer.from(`${rc.username}:${rc.password}`, 'utf8').toString('base64');
    scope.addSecret(token);
    headers.Authorization = `Basic ${token}`;
  }
  let body: string | null = null;
  if (step.body !== undefined) {
    const landing = bodyLanding(env.sites, jsonPointer([...env.base, index, 'body']), headers, step.body);
    body = draw(env, step.body, landing);
  }
  return { connection: conn.name, transport: conn.type as 'http' | 'https', method, url: `${conn.type}://${rc.urlHost}:${rc.port}${path}`, headers, body };
}

function renderStep(step: Step, index: number, env: StepEnv): { step: RenderedStep; response: StepResponse } {
  const { scope, dictionary } = env;
  const conn = Object.hasOwn(dictionary.connections, step.connection) ? dictionary.connections[step.connection] : undefined;
  if (!conn) throw semantic(`step ${index} names unknown connection '${step.connection}'`);
  const rc = (env.connections[conn.name] ??= renderConnection(scope, conn, env.appliance));
  const rendered: RenderedStep = conn.type === 'ssh'
    ? {
      connection: conn.name,
      transport: 'ssh',
      // a command that renders empty (a false conditional) is not sent
      commands: (step.commands ?? []).map((c) => draw(env, c, 'cli')).filter((c) => c.trim() !== ''),
    }
    : renderHttp(step, conn, rc, index, env);
  const patterns: StepResponse['patterns'] = {};
  if (step.response?.success_pattern !== undefined) patterns.success_pattern = draw(env, step.response.success_pattern, 'regex');
  if (step.response?.error_pattern !== undefined) patterns.error_pattern = draw(env, step.response.error_pattern, 'regex');
  return { step: rendered, response: { ...(step.response ? { spec: step.response } : {}), patterns } };
}

/**
 * A step of the plan: skipped when its when: is already false; else rendered, with placeholders for
 * values of earlier steps (then marked deferred) and the condition shown when it is still open.
 */
function planStep(step: Step, index: number, env: StepEnv): { step: RenderedStep; response: StepResponse } {
  const save = step.save_as !== undefined ? { save_as: step.save_as } : {};
  const open = step.when === undefined ? true : env.scope.condition(compileCondition(step.when), { stepPlaceholders: true });
  const plan = { deferred: false };
  if (open === false) {
    let shown: RenderedStep;
    try {
      shown = renderStep(step, index, { ...env, plan }).step;
    } catch {
      shown = step.transport === 'ssh' ? { connection: step.connection, transport: 'ssh', commands: [] }
        : { connection: step.connection, transport: step.transport, method: step.method ?? 'GET', url: '', headers: {}, body: null };
    }
    return { step: { ...shown, ...save, when: step.when ?? '', skipped: true }, response: { patterns: {} } };
  }
  const out = renderStep(step, index, { ...env, plan });
  const marks: PlanMarks = { ...save, ...(open === undefined && step.when !== undefined ? { when: step.when } : {}), ...(plan.deferred ? { deferred: true as const } : {}) };
  return { step: { ...out.step, ...marks }, response: out.response };
}

/** Validates `data` against the service's declaration, then renders every step of the operation. */
export function renderOperation(input: RenderOperationInput): RenderedOperation {
  const dictionary = isLoaded(input.dictionary) ? input.dictionary.dictionary : input.dictionary;
  const sites = new Map<string, TemplateLanding>(
    isLoaded(input.dictionary) ? input.dictionary.templateSites.map((s) => [s.pointer, s.landing]) : [],
  );
  const service = Object.hasOwn(dictionary.services, input.service) ? dictionary.services[input.service] : undefined;
  if (!service) {
    throw new VnfError('VNF_ERR_DICT_SERVICE_NOT_FOUND', `dictionary '${dictionary.name}' has no service '${input.service}' (services: ${Object.keys(dictionary.services).join(', ') || 'none'})`);
  }
  const operation = Object.hasOwn(service.operations, input.operation) ? service.operations[input.operation] : undefined;
  if (!operation) {
    throw new VnfError('VNF_ERR_DICT_OPERATION_NOT_FOUND', `service '${service.name}' has no operation '${input.operation}' (operations: ${Object.keys(service.operations).join(', ') || 'none'})`);
  }
  // a service declares its fields once; `required` binds only the operations that use the field
  const used = new Set(operation.get_data);
  const fields = Object.fromEntries(Object.entries(service.data).map(([name, f]) => [name, used.has(name) ? f : { ...f, required: false }]));
  const data = validateData(fields, input.data);
  const csData = applianceValues(input.appliance);
  const scope = new RenderScope({
    data,
    fields,
    secretData: Object.entries(fields).filter(([name, f]) => f.type === 'secret' || isSecretName(name)).map(([name]) => name),
    csData,
    secretCs: applianceSecretKeys(csData),
    ...(input.now !== undefined ? { now: input.now } : {}),
  });
  for (const secret of applianceSecrets(input.appliance)) scope.addSecret(secret);
  const env: StepEnv = {
    scope, dictionary, sites, connections: {}, base: ['services', input.service, 'operations', input.operation, 'steps'], appliance: input.appliance,
  };
  const steps: RenderedStep[] = [];
  const responses: StepResponse[] = [];
  operation.steps.forEach((step, index) => {
    const out = planStep(step, index, env);
    steps.push(out.step);
    responses.push(out.response);
  });
  const connections: Record<string, RenderedConnection> = {};
  for (const [name, { urlHost: _urlHost, ...rc }] of Object.entries(env.connections)) connections[name] = rc;
  const renderNow = (step: Step, at: (string | number)[]): { step: RenderedStep; response: StepResponse } => {
    const out = renderStep(step, Number(at.at(-1) ?? 0), { ...env, base: [...env.base, ...at.slice(0, -1)] });
    for (const [name, { urlHost: _u, ...rc }] of Object.entries(env.connections)) connections[name] ??= rc;
    return out;
  };
  return { steps, responses, connections, scope, specs: operation.steps, renderNow };
}

/**
 * Renders one step outside a service operation (a health check, the ready test) in a given scope:
 * same connection, header, auth and encoding rules as operation steps. `base` is the JSON pointer
 * path of the step in the dictionary (body landing lookup).
 */
export function renderAdHocStep(input: {
  dictionary: LoadedDictionary | Dictionary; scope: RenderScope; appliance: ApplianceContext; step: Step; base: (string | number)[];
}): { step: RenderedStep; connection: RenderedConnection } {
  const dictionary = isLoaded(input.dictionary) ? input.dictionary.dictionary : input.dictionary;
  const sites = new Map<string, TemplateLanding>(
    isLoaded(input.dictionary) ? input.dictionary.templateSites.map((s) => [s.pointer, s.landing]) : [],
  );
  const base = input.base.slice(0, -1);
  const index = Number(input.base.at(-1) ?? 0);
  const env: StepEnv = { scope: input.scope, dictionary, sites, connections: {}, base, appliance: input.appliance };
  const { step } = renderStep(input.step, Number.isInteger(index) ? index : 0, env);
  const { urlHost: _u, ...connection } = env.connections[input.step.connection] as RenderedConnection & { urlHost: string };
  return { step, connection };
}

function maskHeader(value: string): string {
  const scheme = /^(Basic|Bearer|Token|Digest|Negotiate)\s+/i.exec(value)?.[0];
  return scheme ? `${scheme}${REDACTED}` : REDACTED;
}

/** The plan as `render` prints it: every secret form replaced by ***, credential headers masked. */
export function redactedPlan(rendered: Pick<RenderedOperation, 'steps' | 'scope'>): { steps: RenderedStep[] } {
  const steps = new Redactor(rendered.scope.secretForms()).value(rendered.steps) as RenderedStep[];
  steps.forEach((step, i) => {
    const original = rendered.steps[i];
    if (step.transport === 'ssh' || original === undefined || original.transport === 'ssh') return;
    // keep the auth scheme visible (Basic/Bearer ...), never the credential
    for (const name of Object.keys(step.headers)) {
      if (SENSITIVE_HEADERS.has(name.toLowerCase())) step.headers[name] = maskHeader(original.headers[name] ?? '');
    }
  });
  return { steps };
}
