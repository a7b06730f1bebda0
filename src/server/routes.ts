// The API route table (DESIGN §3.4): method, path template, roles allowed, body kind. Handlers are
// attached by operationId in server.ts; the OpenAPI document and its test walk this same table.
import type { Role } from '../config/index.js';
import { VnfError } from '../errors.js';
import type { BodyKind } from './body.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteSpec {
  operationId: string;
  method: HttpMethod;
  /** OpenAPI path template */
  path: string;
  roles: readonly Role[];
  body?: BodyKind;
  /** Idempotency-Key honoured */
  idempotent?: boolean;
}

const ALL: readonly Role[] = ['admin', 'operator', 'auditor'];
const OPS: readonly Role[] = ['admin', 'operator'];

export const ROUTES: readonly RouteSpec[] = [
  { operationId: 'listProviders', method: 'GET', path: '/v1/providers', roles: OPS },
  { operationId: 'validateProvider', method: 'POST', path: '/v1/providers/validate', roles: OPS, body: 'yaml' },
  { operationId: 'getProvider', method: 'GET', path: '/v1/providers/{name}', roles: OPS },
  { operationId: 'putProvider', method: 'PUT', path: '/v1/providers/{name}', roles: ['admin'], body: 'yaml' },
  { operationId: 'deleteProvider', method: 'DELETE', path: '/v1/providers/{name}', roles: ['admin'] },
  { operationId: 'runOperation', method: 'POST', path: '/v1/operations', roles: OPS, body: 'json', idempotent: true },
  { operationId: 'runHealthchecks', method: 'POST', path: '/v1/healthchecks', roles: OPS, body: 'json', idempotent: true },
  { operationId: 'runBootstrap', method: 'POST', path: '/v1/bootstrap', roles: OPS, body: 'json', idempotent: true },
  { operationId: 'getJob', method: 'GET', path: '/v1/jobs/{id}', roles: OPS },
  { operationId: 'queryAudit', method: 'GET', path: '/v1/audit', roles: ['admin', 'auditor'] },
  { operationId: 'getOpenApi', method: 'GET', path: '/v1/openapi.json', roles: ALL },
  { operationId: 'createUiSession', method: 'POST', path: '/v1/appliances/{id}/ui-sessions', roles: OPS, body: 'json' },
  { operationId: 'revokeUiSession', method: 'DELETE', path: '/v1/ui-sessions/{token_id}', roles: OPS },
];

/** Patterns of path parameters; a segment that does not match is an unknown route (404). */
export const PARAM_PATTERNS: Record<string, string> = {
  name: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  id: '^[A-Za-z0-9][A-Za-z0-9-]{0,63}$',
  token_id: '^[A-Za-z0-9_-]{22}$',
};

export interface RouteMatch {
  route: RouteSpec;
  params: Record<string, string>;
}

interface Compiled {
  spec: RouteSpec;
  segments: { literal?: string; param?: string; re?: RegExp }[];
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(readonly routes: readonly RouteSpec[] = ROUTES) {
    this.compiled = routes.map((spec) => ({
      spec,
      segments: spec.path.split('/').slice(1).map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (!m?.[1]) return { literal: seg };
        const pattern = PARAM_PATTERNS[m[1]];
        if (pattern === undefined) throw new VnfError('VNF_ERR_BROKER_INTERNAL', `route ${spec.path}: no pattern for {${m[1]}}`);
        return { param: m[1], re: new RegExp(pattern) };
      }),
    }));
  }

  private matchPath(c: Compiled, parts: readonly string[]): Record<string, string> | undefined {
    if (c.segments.length !== parts.length) return undefined;
    const params: Record<string, string> = {};
    for (const [i, seg] of c.segments.entries()) {
      const part = parts[i] ?? '';
      if (seg.literal !== undefined) {
        if (seg.literal !== part) return undefined;
      } else if (seg.re?.test(part) && seg.param) {
        params[seg.param] = part;
      } else {
        return undefined;
      }
    }
    return params;
  }

  /** The route for method + path; 404 VNF_ERR_API_NOT_FOUND, or 405 with the allowed methods. */
  match(method: string, pathname: string): RouteMatch {
    const parts = pathname.split('/').slice(1);
    const allowed = new Set<string>();
    // literal segments win over parameters (POST /v1/providers/validate before /v1/providers/{name})
    const ordered = [...this.compiled].sort((a, b) => paramCount(a) - paramCount(b));
    for (const c of ordered) {
      const params = this.matchPath(c, parts);
      if (!params) continue;
      if (c.spec.method === method) return { route: c.spec, params };
      allowed.add(c.spec.method);
    }
    if (allowed.size === 0) throw new VnfError('VNF_ERR_API_NOT_FOUND', 'no such API route');
    const allow = [...allowed].sort().join(', ');
    throw new VnfError('VNF_ERR_API_METHOD_NOT_ALLOWED', `method not allowed here; allowed: ${allow}`, { details: [{ allow }] });
  }
}

function paramCount(c: Compiled): number {
  return c.segments.filter((s) => s.param !== undefined).length;
}
