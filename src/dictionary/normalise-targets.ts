// Resolves which connection each check/step uses: `method:` naming a connection or a transport,
// absolute URLs matched to (or synthesised as) connections, and a missing connection inferred.
import { isObj, type NormaliseContext, type Obj } from './normalise-context.js';
import type { Seg } from './load-yaml.js';

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
const TRANSPORTS = new Set(['ssh', 'http', 'https']);
export const DEFAULT_PORTS: Record<string, number> = { ssh: 22, http: 80, https: 443 };

interface Env {
  doc: Obj;
  ctx: NormaliseContext;
  connections: Obj;
}

export function resolveTargets(doc: Obj, ctx: NormaliseContext): void {
  if (doc.connections !== undefined && !isObj(doc.connections)) return;
  const env: Env = { doc, ctx, connections: isObj(doc.connections) ? doc.connections : {} };
  if (Array.isArray(doc.healthchecks)) {
    doc.healthchecks.forEach((check: unknown, i) => {
      if (isObj(check) && check.type !== 'tcp') resolveTarget(check, ['healthchecks', i], 'health check', env);
    });
  }
  const bootstrap = doc.bootstrap;
  if (isObj(bootstrap)) {
    if (isObj(bootstrap.ready_test)) resolveTarget(bootstrap.ready_test, ['bootstrap', 'ready_test'], 'ready_test', env);
    const initial = bootstrap.initial_connection;
    if (isObj(initial) && typeof initial.connection === 'string') checkKnown(initial.connection, ['bootstrap', 'initial_connection', 'connection'], env);
  }
  if (isObj(doc.services)) {
    for (const [name, service] of Object.entries(doc.services)) {
      if (!isObj(service)) continue;
      for (const [opName, op] of Object.entries(service)) {
        if (opName === 'data' || opName === 'description' || !isObj(op)) continue;
        const base: Seg[] = ['services', name, opName];
        if (Array.isArray(op.steps)) {
          op.steps.forEach((step: unknown, i) => { if (isObj(step)) resolveStep(step, [...base, 'steps', i], 'step', env); });
        } else {
          resolveStep(op, base, 'operation', env);
        }
      }
    }
  }
  if (Object.keys(env.connections).length > 0) doc.connections = env.connections;
}

/** A step's target, and those of its compensation steps (on_failure). */
function resolveStep(step: Obj, path: Seg[], what: string, env: Env): void {
  resolveTarget(step, path, what, env);
  if (!Array.isArray(step.on_failure)) return;
  step.on_failure.forEach((s: unknown, i) => { if (isObj(s)) resolveTarget(s, [...path, 'on_failure', i], 'on_failure step', env); });
}

function checkKnown(name: string, path: Seg[], env: Env): boolean {
  if (isObj(env.connections[name])) return true;
  const declared = Object.keys(env.connections);
  env.ctx.error(path, 'unknown-connection', `unknown connection '${name}' (declared: ${declared.length > 0 ? declared.join(', ') : 'none'})`);
  return false;
}

function connectionType(env: Env, name: string): string | undefined {
  const c = env.connections[name];
  return isObj(c) && typeof c.type === 'string' ? c.type : undefined;
}

function ofType(env: Env, types: readonly string[]): string[] {
  return Object.keys(env.connections).filter((n) => types.includes(connectionType(env, n) ?? ''));
}

function resolveTarget(s: Obj, path: Seg[], what: string, env: Env): void {
  const { ctx } = env;
  if (s.connection !== undefined && typeof s.connection !== 'string') return;
  let conn = s.connection as string | undefined;
  let origin: Seg[] = [...path, 'connection'];
  if (conn !== undefined && !checkKnown(conn, origin, env)) return;

  if (typeof s.method === 'string') {
    const m = s.method;
    const upper = m.toUpperCase();
    if ((HTTP_METHODS as readonly string[]).includes(upper)) {
      s.method = upper;
    } else {
      const at: Seg[] = [...path, 'method'];
      delete s.method;
      if (isObj(env.connections[m])) {
        if (conn !== undefined && conn !== m) {
          ctx.error(at, 'conflict', `method: ${m} names a connection but connection: ${conn} is also given`);
          return;
        }
        conn = m;
        origin = at;
        const http = connectionType(env, m) !== 'ssh';
        ctx.variant(at, `method: ${m} names a connection: write connection: ${m}${http ? ' (the HTTP method defaults to GET)' : ''}`);
      } else if (TRANSPORTS.has(m.toLowerCase())) {
        const transport = m.toLowerCase();
        if (conn !== undefined) {
          if (connectionType(env, conn) !== transport) {
            ctx.error(at, 'conflict', `method: ${m} does not match connection '${conn}' (type ${connectionType(env, conn) ?? '?'})`);
            return;
          }
          ctx.variant(at, `method: ${m} is implied by connection: ${conn}; remove it`);
        } else {
          const candidates = ofType(env, [transport]);
          if (candidates.length === 0) {
            ctx.error(at, 'unknown-connection', `method: ${m} but no ${transport} connection is declared`);
            return;
          }
          if (candidates.length > 1) {
            ctx.error(at, 'ambiguous-connection', `method: ${m} is ambiguous: connections ${candidates.join(', ')} are all ${transport}; name one with connection:`);
            return;
          }
          conn = candidates[0];
          origin = at;
          ctx.variant(at, `method: ${m} names a transport: write connection: ${conn}`);
        }
      } else {
        ctx.error(at, 'bad-method', `method '${m}' is neither an HTTP method (${HTTP_METHODS.join(', ')}) nor a connection name`);
        return;
      }
    }
  }

  if (typeof s.url === 'string' && /^https?:\/\//i.test(s.url)) {
    const at: Seg[] = [...path, 'url'];
    const url = splitUrl(s.url);
    if (conn !== undefined) {
      if (!urlMatches(env, conn, url)) {
        ctx.error(at, 'url-mismatch', `url ${url.scheme}://${url.host}${url.port ? `:${url.port}` : ''} is not the address of connection '${conn}'; use a path relative to the connection`);
        return;
      }
      ctx.variant(at, `absolute URL: connection '${conn}' already has the address; write url: ${url.rest}`);
    } else {
      const matching = Object.keys(env.connections).filter((n) => urlMatches(env, n, url));
      if (matching.length > 1) {
        ctx.error(at, 'ambiguous-connection', `url matches connections ${matching.join(', ')}; name one with connection:`);
        return;
      }
      conn = matching[0] ?? synthesise(env, url, at);
      origin = at;
      if (matching.length === 1) ctx.variant(at, `absolute URL: write connection: ${conn} and url: ${url.rest}`);
    }
    s.url = url.rest;
  }

  if (conn === undefined) {
    const wantsSsh = 'commands' in s || 'command' in s;
    const wantsHttp = 'url' in s;
    if (!wantsSsh && !wantsHttp) return;
    const types = wantsSsh ? ['ssh'] : ['http', 'https'];
    const candidates = ofType(env, types);
    if (candidates.length !== 1) {
      const problem = candidates.length === 0 ? `no ${types.join('/')} connection is declared` : `connections ${candidates.join(', ')} all match`;
      ctx.error(path, candidates.length === 0 ? 'unknown-connection' : 'ambiguous-connection', `${what} without connection: ${problem}; add connection:`, true);
      return;
    }
    conn = candidates[0];
    origin = path;
  }
  if (conn !== undefined && s.connection !== conn) {
    s.connection = conn;
    ctx.track([...path, 'connection'], ctx.ref(origin).path);
  }
}

interface SplitUrl {
  scheme: string;
  host: string;
  port?: number;
  rest: string;
}

function splitUrl(url: string): SplitUrl {
  const m = /^(https?):\/\/([^/?#]*)(.*)$/is.exec(url);
  const scheme = (m?.[1] ?? 'https').toLowerCase();
  const authority = m?.[2] ?? '';
  const rest = m?.[3] ?? '';
  const portMatch = /^(.*):(\d{1,5})$/.exec(authority);
  return {
    scheme,
    host: portMatch?.[1] ?? authority,
    ...(portMatch?.[2] ? { port: Number(portMatch[2]) } : {}),
    rest: rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`,
  };
}

function urlMatches(env: Env, name: string, url: SplitUrl): boolean {
  const c = env.connections[name];
  if (!isObj(c) || c.type !== url.scheme || c.host !== url.host) return false;
  const port = typeof c.port === 'number' ? c.port : DEFAULT_PORTS[url.scheme];
  return port === (url.port ?? DEFAULT_PORTS[url.scheme]);
}

function synthesise(env: Env, url: SplitUrl, at: Seg[]): string {
  let name = url.scheme;
  for (let i = 2; name in env.connections; i++) name = `${url.scheme}_${i}`;
  env.connections[name] = { type: url.scheme, host: url.host, ...(url.port ? { port: url.port } : {}) };
  env.ctx.track(['connections', name], env.ctx.ref(at).path);
  env.ctx.variant(at, `no connection matches ${url.scheme}://${url.host}: synthesised connection '${name}'; declare it under connections:`);
  return name;
}
