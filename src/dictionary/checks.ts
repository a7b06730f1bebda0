// Semantic checks beyond the schema, on the built model: data declarations, step shapes, regexes
// (syntax and ReDoS), transforms and parser names, callbacks, bootstrap references.
import { CLI_PARSER_NAMES } from './parsers/index.js';
import type { DiagnosticBag } from './diagnostics.js';
import type { Built } from './build-model.js';
import type { DataField, Dictionary, ResponseSpec, Step } from './model.js';
import { checkRegex, patternWithoutTemplates } from './regex-check.js';
import type { Seg } from './load-yaml.js';

export const TRANSFORM_REGEX_PREFIXES = ['regex:', 'regex-all:'] as const;

export function checkDictionary(built: Built, bag: DiagnosticBag): void {
  const { dictionary: d, mapper } = built;
  const err = (path: Seg[], rule: string, message: string, key = false): void => bag.error(mapper.pos(path, key), rule, message);
  const regex = (path: Seg[], source: string | undefined, what: string, literalOk = false): void => {
    if (source === undefined) return;
    const problem = checkRegex(patternWithoutTemplates(source));
    if (!problem || (literalOk && problem.kind === 'syntax')) return;
    if (problem.kind === 'syntax') err(path, 'bad-regex', `${what} is not a valid regex: ${problem.message}`);
    else err(path, 'redos-regex', `${what}: ${problem.message}`);
  };

  for (const [name, c] of Object.entries(d.connections)) {
    const base: Seg[] = ['connections', name];
    regex([...base, 'prompt'], c.prompt, 'prompt');
    c.error_patterns?.forEach((p, i) => regex([...base, 'error_patterns', i], p, 'error pattern'));
    c.prompts?.forEach((p, i) => regex([...base, 'prompts', i, 'pattern'], p.pattern, 'prompt pattern'));
    if (c.pipeline === true) {
      if (c.type !== 'ssh' || c.mode === 'exec') err([...base, 'pipeline'], 'pipeline-shell-only', `connection '${name}': pipeline applies to ssh connections in mode shell`, true);
      // a prompt's answer would be read from the typed-ahead lines instead
      else if (c.prompts?.length) err([...base, 'pipeline'], 'pipeline-prompts', `connection '${name}': pipeline cannot be combined with prompts (prompted input needs one command at a time)`, true);
    }
  }

  d.healthchecks.forEach((h, i) => {
    const base: Seg[] = ['healthchecks', i];
    const conn = h.connection === undefined ? undefined : d.connections[h.connection];
    if (h.type === 'ssh' && h.command === undefined) err(base, 'missing-command', `health check '${h.name}' is an ssh check and needs command:`);
    if (h.type === 'http' && h.url === undefined) err(base, 'missing-url', `health check '${h.name}' is an http check and needs url:`);
    if (h.type === 'tcp' && h.port === undefined && conn === undefined) err(base, 'missing-port', `health check '${h.name}' is a tcp check and needs port: or connection:`);
    if (conn && h.type === 'ssh' && conn.type !== 'ssh') err([...base, 'connection'], 'transport-mismatch', `health check '${h.name}' runs a command but connection '${conn.name}' is ${conn.type}`);
    if (conn && h.type === 'http' && conn.type === 'ssh') err([...base, 'connection'], 'transport-mismatch', `health check '${h.name}' sends a request but connection '${conn.name}' is ssh`);
    regex([...base, 'expected_output'], h.expected_output, 'expected_output', true);
  });

  checkBootstrap(d, err, regex);

  for (const [sName, service] of Object.entries(d.services)) {
    for (const [field, def] of Object.entries(service.data)) checkDataField(['services', sName, 'data', field], field, def, err, regex);
    for (const [oName, op] of Object.entries(service.operations)) {
      const opPath: Seg[] = ['services', sName, 'operations', oName];
      if (op.steps.length === 0) err(opPath, 'empty-operation', `operation '${oName}' has no steps`, true);
      op.steps.forEach((step, i) => checkStep([...opPath, 'steps', i], `${sName}.${oName}`, step, err, regex));
      checkFlow(opPath, `${sName}.${oName}`, op.steps, err, (path, rule, message) => bag.warning(mapper.pos(path, true), rule, message));
    }
  }
}

type Err = (path: Seg[], rule: string, message: string, key?: boolean) => void;
type RegexCheck = (path: Seg[], source: string | undefined, what: string, literalOk?: boolean) => void;

function checkBootstrap(d: Dictionary, err: Err, regex: RegexCheck): void {
  const b = d.bootstrap;
  if (!b) return;
  b.initial_actions.forEach((a, i) => {
    const base: Seg[] = ['bootstrap', 'initial_actions', i];
    const service = d.services[a.service];
    if (!service) {
      const known = Object.keys(d.services);
      err([...base, 'service'], 'unknown-service', `initial action names service '${a.service}', which the dictionary does not define (services: ${known.join(', ') || 'none'})`);
    } else if (!service.operations[a.action]) {
      const known = Object.keys(service.operations);
      err([...base, 'action'], 'unknown-operation', `initial action names operation '${a.action}', which service '${a.service}' does not define (operations: ${known.join(', ') || 'none'})`);
    }
  });
  const t = b.ready_test;
  if (t) {
    if (t.command === undefined && t.url === undefined) err(['bootstrap', 'ready_test'], 'missing-command', 'ready_test needs command: or url:', true);
    const conn = t.connection === undefined ? undefined : d.connections[t.connection];
    if (conn && t.command !== undefined && conn.type !== 'ssh') err(['bootstrap', 'ready_test', 'connection'], 'transport-mismatch', `ready_test runs a command but connection '${conn.name}' is ${conn.type}`);
    regex(['bootstrap', 'ready_test', 'expected_output'], t.expected_output, 'expected_output', true);
  }
}

function checkDataField(path: Seg[], field: string, def: DataField, err: Err, regex: RegexCheck): void {
  if (def.type === 'enum' && (def.values === undefined || def.values.length === 0)) {
    err([...path, 'type'], 'enum-without-values', `enum field '${field}' needs a non-empty values: list`);
  }
  if (def.values !== undefined && def.type !== 'enum') err([...path, 'values'], 'values-not-enum', `values: only applies to type enum (field '${field}' is ${def.type})`);
  if (def.default !== undefined && !defaultMatches(def)) err([...path, 'default'], 'bad-default', `default of '${field}' does not match its type ${def.type}`);
  if ((def.min !== undefined || def.max !== undefined) && def.type !== 'integer' && def.type !== 'port') {
    err(path, 'bad-bounds', `min/max only apply to integer and port fields ('${field}' is ${def.type})`, true);
  }
  if (def.min !== undefined && def.max !== undefined && def.min > def.max) err([...path, 'min'], 'bad-bounds', `min is greater than max for '${field}'`);
  regex([...path, 'pattern'], def.pattern, `pattern of '${field}'`);
}

function defaultMatches(def: DataField): boolean {
  const v = def.default;
  switch (def.type) {
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'port': return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
    case 'boolean': return typeof v === 'boolean';
    case 'enum': return typeof v === 'string' && (def.values ?? []).includes(v);
    default: return typeof v === 'string';
  }
}

/** save_as names unique per operation; on_failure only one level deep, and only where a later step exists. */
function checkFlow(opPath: Seg[], where: string, steps: Step[], err: Err, warn: Err): void {
  const seen = new Map<string, number>();
  const name = (at: Seg[], n: string | undefined): void => {
    if (n === undefined) return;
    if (seen.has(n)) err([...at, 'save_as'], 'duplicate-save-as', `${where}: save_as: ${n} is already used by step ${(seen.get(n) ?? 0) + 1}`);
    else seen.set(n, Number(at[at.length - 1]));
  };
  steps.forEach((step, i) => {
    const at: Seg[] = [...opPath, 'steps', i];
    name(at, step.save_as);
    if (step.on_failure && i === steps.length - 1) {
      warn([...at, 'on_failure'], 'unused-on-failure', `${where}: on_failure of the last step never runs (it runs when a later step fails)`);
    }
    step.on_failure?.forEach((c, k) => {
      const cAt: Seg[] = [...at, 'on_failure', k];
      if (c.save_as !== undefined) err([...cAt, 'save_as'], 'bad-on-failure', `${where}: on_failure steps cannot save_as (nothing runs after them)`);
      if (c.on_failure) err([...cAt, 'on_failure'], 'bad-on-failure', `${where}: on_failure steps cannot have their own on_failure`);
      if (c.response?.callback) err([...cAt, 'response', 'callback'], 'bad-on-failure', `${where}: on_failure steps cannot have callbacks`);
    });
  });
}

function checkStep(path: Seg[], where: string, step: Step, err: Err, regex: RegexCheck): void {
  if (step.when?.includes('{{')) {
    err([...path, 'when'], 'bad-condition', `${where}: when: is a condition written without {{ }}, e.g. when: "version_lt steps.ver.version '26.7'"`);
  }
  const r = step.retry;
  if (r) {
    if (r.on_status === undefined && r.on_output === undefined) err([...path, 'retry'], 'bad-retry', `${where}: retry needs on_status: or on_output: (what means "busy, try again")`, true);
    if (r.on_status !== undefined && step.transport === 'ssh') err([...path, 'retry', 'on_status'], 'transport-mismatch', `${where}: retry.on_status applies to HTTP steps; use on_output for ssh`, true);
    if (r.attempts < 2) err([...path, 'retry', 'attempts'], 'bad-retry', `${where}: retry.attempts counts every attempt, the first included: use 2 or more`);
    if (r.on_status?.some((st) => st >= 200 && st < 300)) err([...path, 'retry', 'on_status'], 'bad-retry', `${where}: retry.on_status should not list a success status (2xx)`);
    regex([...path, 'retry', 'on_output'], r.on_output, 'retry.on_output');
  }
  step.on_failure?.forEach((c, k) => checkStep([...path, 'on_failure', k], `${where} on_failure`, c, err, regex));
  if (step.transport === 'ssh') {
    if (step.commands === undefined) err(path, 'missing-command', `${where}: ssh step on connection '${step.connection}' needs commands:`, true);
    for (const k of ['url', 'method', 'body', 'headers'] as const) {
      if (step[k] !== undefined) err([...path, k], 'transport-mismatch', `${where}: ${k}: does not apply to ssh connection '${step.connection}'`, true);
    }
  } else {
    if (step.url === undefined) err(path, 'missing-url', `${where}: ${step.transport} step on connection '${step.connection}' needs url:`, true);
    if (step.commands !== undefined) err([...path, 'commands'], 'transport-mismatch', `${where}: commands: need an ssh connection ('${step.connection}' is ${step.transport})`, true);
  }
  if (step.response) checkResponse([...path, 'response'], where, step.response, err, regex, step.transport);
}

function checkResponse(path: Seg[], where: string, r: ResponseSpec, err: Err, regex: RegexCheck, transport: Step['transport']): void {
  if (transport === 'ssh' && r.expected_status) err([...path, 'expected_status'], 'transport-mismatch', `${where}: expected_status applies to HTTP steps`, true);
  r.already?.forEach((m, i) => {
    const at: Seg[] = [...path, 'already', i];
    if (transport === 'ssh' && m.status) err([...at, 'status'], 'transport-mismatch', `${where}: already.status applies to HTTP steps; use output: for ssh`, true);
    for (const key of Object.keys(m.json ?? {})) {
      if (!key.startsWith('$')) err([...at, 'json', key], 'bad-transform', `${where}: already.json keys are JSONPaths ($.a.b), not '${key.slice(0, 40)}'`, true);
    }
    regex([...at, 'output'], m.output, 'already.output');
  });
  regex([...path, 'success_pattern'], r.success_pattern, 'success_pattern');
  regex([...path, 'error_pattern'], r.error_pattern, 'error_pattern');
  for (const [field, expr] of Object.entries(r.transform ?? {})) {
    const at: Seg[] = [...path, 'transform', field];
    if (r.format === 'json') {
      if (!expr.startsWith('$')) err(at, 'bad-transform', `${where}: transform '${field}': a json response needs a JSONPath ($.a.b), not '${expr.slice(0, 40)}'`);
      continue;
    }
    const prefix = TRANSFORM_REGEX_PREFIXES.find((p) => expr.startsWith(p));
    if (prefix) regex(at, expr.slice(prefix.length), `transform '${field}'`);
    else if (expr.startsWith('$')) err(at, 'bad-transform', `${where}: transform '${field}': JSONPath needs format: json (this response is ${r.format})`);
    else if (!CLI_PARSER_NAMES.includes(expr)) {
      err(at, 'unknown-parser', `${where}: transform '${field}': unknown parser '${expr.slice(0, 40)}' (built-in: ${CLI_PARSER_NAMES.join(', ')}; or regex:PATTERN)`);
    }
  }
  const cb = r.callback;
  if (cb?.action === 'http' && cb.url === undefined) err([...path, 'callback'], 'missing-url', `${where}: an http callback needs url:`, true);
  if (cb?.action === 'cloudstack-api' && cb.parameters?.command === undefined) {
    err([...path, 'callback'], 'missing-command', `${where}: a cloudstack-api callback needs parameters.command`, true);
  }
}
