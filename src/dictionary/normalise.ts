// Seed variants → canonical YAML form (what dictionaries/schema.json describes). Structure first,
// then template spellings, then connection targets (method: ssh, absolute URLs), each with a warning.
import { isObj, type NormaliseContext, type Obj } from './normalise-context.js';
import { rewriteTemplates, normaliseGetData } from './normalise-templates.js';
import { resolveTargets } from './normalise-targets.js';
import type { Seg } from './load-yaml.js';

const ROOT_KEYS = new Set(['name', 'description', 'general_info', 'connections', 'healthchecks', 'bootstrap', 'services']);
const CONNECTION_TYPES = new Set(['ssh', 'http', 'https']);

export function normaliseDictionary(raw: Obj, ctx: NormaliseContext): Obj {
  const out: Obj = {};
  ctx.track([], []);
  for (const key of ['name', 'description'] as const) if (key in raw) out[key] = ctx.copy(raw[key], [key], [key]);
  normaliseGeneralInfo(raw, out, ctx);
  normaliseConnections(raw, out, ctx);
  normaliseHealthchecks(raw, out, ctx);
  if ('bootstrap' in raw) out.bootstrap = ctx.copy(raw.bootstrap, ['bootstrap'], ['bootstrap']);
  if ('services' in raw) out.services = normaliseServices(raw.services, ctx);
  // anything else is kept so that the schema reports it as an unknown key
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in out) && !consumed(key, raw)) out[key] = ctx.copy(value, [key], [key]);
  }
  rewriteTemplates(out, ctx);
  normaliseGetData(out, ctx);
  resolveTargets(out, ctx);
  return out;
}

function consumed(key: string, raw: Obj): boolean {
  return ROOT_KEYS.has(key) || key === 'version' || key === 'debug' || key === 'health_checks' || isConnectionBlock(raw[key]);
}

function isConnectionBlock(value: unknown): boolean {
  return isObj(value) && typeof value.type === 'string' && CONNECTION_TYPES.has(value.type) && 'host' in value;
}

function normaliseGeneralInfo(raw: Obj, out: Obj, ctx: NormaliseContext): void {
  const hasTop = 'version' in raw || 'debug' in raw;
  if (!('general_info' in raw) && !hasTop) return;
  const info = 'general_info' in raw ? ctx.copy(raw.general_info, ['general_info'], ['general_info']) : {};
  out.general_info = info;
  if (!isObj(info)) return;
  for (const key of ['version', 'debug'] as const) {
    if (!(key in raw)) continue;
    if (key in info) {
      ctx.bag.error(ctx.locator.pos([key], true), 'conflict', `'${key}' is given both at the top level and in general_info`);
      continue;
    }
    info[key] = ctx.copy(raw[key], ['general_info', key], [key]);
    ctx.variant(['general_info', key], `top-level '${key}' belongs in general_info: write general_info: { ${key}: ... }`, true);
  }
  if (typeof info.version === 'number') {
    const text = ctx.locator.scalarSource(ctx.ref(['general_info', 'version']).path) ?? String(info.version);
    info.version = text;
    ctx.variant(['general_info', 'version'], `version ${text} is a number: quote it (version: "${text}")`);
  }
}

function normaliseConnections(raw: Obj, out: Obj, ctx: NormaliseContext): void {
  const connections = 'connections' in raw ? ctx.copy(raw.connections, ['connections'], ['connections']) : {};
  if (!isObj(connections)) {
    out.connections = connections;
    return;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (ROOT_KEYS.has(key) || !isConnectionBlock(value)) continue;
    if (key in connections) {
      ctx.bag.error(ctx.locator.pos([key], true), 'duplicate-connection', `connection '${key}' is declared both at the top level and under connections:`);
      continue;
    }
    connections[key] = ctx.copy(value, ['connections', key], [key]);
    ctx.variant(['connections', key], `connection block '${key}' at the top level: move it under connections:`, true);
  }
  if ('connections' in raw || Object.keys(connections).length > 0) out.connections = connections;
}

function normaliseHealthchecks(raw: Obj, out: Obj, ctx: NormaliseContext): void {
  let key = 'healthchecks';
  if ('health_checks' in raw) {
    if ('healthchecks' in raw) {
      ctx.bag.error(ctx.locator.pos(['health_checks'], true), 'conflict', 'both healthchecks: and health_checks: are given; keep healthchecks:');
    } else {
      key = 'health_checks';
      ctx.track(['healthchecks'], [key]);
      ctx.variant(['healthchecks'], 'health_checks: is spelled healthchecks:', true);
    }
  }
  if (!(key in raw)) return;
  const value = raw[key];
  if (isObj(value)) {
    ctx.track(['healthchecks'], [key]);
    ctx.variant(['healthchecks'], 'healthchecks as a map (name: check): write a list (- name: ...)', true);
    out.healthchecks = Object.entries(value).map(([name, check], i) => {
      const copied = ctx.copy(check, ['healthchecks', i], [key, name]);
      if (isObj(copied) && !('name' in copied)) {
        copied.name = name;
        ctx.track(['healthchecks', i, 'name'], [key, name], true);
      }
      return copied;
    });
  } else {
    out.healthchecks = ctx.copy(value, ['healthchecks'], [key]);
  }
  if (!Array.isArray(out.healthchecks)) return;
  out.healthchecks.forEach((check: unknown, i) => {
    if (!isObj(check) || 'type' in check) return;
    const type = 'command' in check ? 'ssh' : 'url' in check ? 'http' : 'port' in check ? 'tcp' : undefined;
    if (type !== undefined) check.type = type;
    ctx.track(['healthchecks', i, 'type'], ctx.ref(['healthchecks', i]).path);
  });
}

function normaliseServices(raw: unknown, ctx: NormaliseContext): unknown {
  const services = ctx.copy(raw, ['services'], ['services']);
  if (!isObj(services)) return services;
  for (const [name, service] of Object.entries(services)) {
    if (!isObj(service)) continue;
    for (const [opName, op] of Object.entries(service)) {
      if (opName === 'data' || opName === 'description' || !isObj(op)) continue;
      const base: Seg[] = ['services', name, opName];
      if (Array.isArray(op.steps)) {
        op.steps.forEach((step: unknown, i) => { if (isObj(step)) normaliseStep(step, [...base, 'steps', i], ctx); });
      } else {
        normaliseStep(op, base, ctx);
      }
    }
  }
  return services;
}

/** A step's response, and those of its compensation steps (on_failure). */
function normaliseStep(step: Obj, path: Seg[], ctx: NormaliseContext): void {
  normaliseResponse(step.response, [...path, 'response'], ctx);
  if (!Array.isArray(step.on_failure)) return;
  step.on_failure.forEach((s: unknown, i) => { if (isObj(s)) normaliseResponse(s.response, [...path, 'on_failure', i, 'response'], ctx); });
}

function normaliseResponse(response: unknown, path: Seg[], ctx: NormaliseContext): void {
  if (!isObj(response)) return;
  if (isObj(response.transform)) {
    for (const [field, expr] of Object.entries(response.transform)) {
      const m = typeof expr === 'string' ? /^\$\{\s*([^}]*?)\s*\}$/.exec(expr) : null;
      if (!m) continue;
      const inner = (m[1] ?? '').replace(/^\$?\.?/, '');
      const canonical = inner === '' ? '$' : `$.${inner}`;
      response.transform[field] = canonical;
      ctx.variant([...path, 'transform', field], `transform \${...} syntax: write "${canonical}" (JSONPath)`);
    }
  }
  const callback = response.callback;
  if (isObj(callback) && typeof callback.method === 'string') callback.method = callback.method.toUpperCase();
  if (isObj(callback) && !('action' in callback) && ('url' in callback || 'method' in callback)) {
    callback.action = 'http';
    ctx.track([...path, 'callback', 'action'], ctx.ref([...path, 'callback']).path, true);
    ctx.variant([...path, 'callback'], 'callback with method/url but no action: write action: http', true);
  }
}
