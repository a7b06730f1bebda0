// The OpenAPI 3.1 description of the API: per-route documentation below, checked against the route
// table (a route without documentation, or documentation without a route, is an error).
import { VnfError } from '../errors.js';
import { APPLIANCE_REF_SCHEMA, REQUEST_SCHEMAS, RESPONSE_SCHEMAS } from './api-schemas.js';
import { acceptedMediaTypes } from './body.js';
import { PARAM_PATTERNS, ROUTES, type RouteSpec } from './routes.js';

interface RouteDoc {
  summary: string;
  request?: keyof typeof REQUEST_SCHEMAS | 'yaml';
  /** status → response schema name (or null for no body) */
  responses: Record<string, string | null>;
  query?: { name: string; description: string }[];
}

const ref = (name: string): Record<string, string> => ({ $ref: `#/components/schemas/${name}` });

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /v1/providers': { summary: 'List provider dictionaries (and files that failed to load)', responses: { 200: 'ProviderList' } },
  'POST /v1/providers/validate': { summary: 'Validate a dictionary (YAML body) without registering it', request: 'yaml', responses: { 200: 'ValidateResult', 422: 'Problem' } },
  'GET /v1/providers/{name}': { summary: 'Show one dictionary: normalised form, warnings, source (admin)', responses: { 200: 'Provider', 404: 'Problem' } },
  'PUT /v1/providers/{name}': { summary: 'Register or replace a dictionary (YAML body), persisted in dictionaries_dir', request: 'yaml', responses: { 200: 'ProviderChanged', 201: 'ProviderChanged', 422: 'Problem' } },
  'DELETE /v1/providers/{name}': { summary: 'Remove a dictionary', responses: { 204: null, 404: 'Problem' } },
  'POST /v1/operations': { summary: 'Run one service operation (sync, async job, or dry run)', request: 'OperationRequest', responses: { 200: 'OperationResult', 202: 'JobAccepted', 404: 'Problem', 409: 'Problem', 503: 'Problem' } },
  'POST /v1/healthchecks': { summary: 'Run the dictionary health checks for an appliance', request: 'HealthcheckRequest', responses: { 200: 'OperationResult', 202: 'JobAccepted', 404: 'Problem', 409: 'Problem', 503: 'Problem' } },
  'POST /v1/bootstrap': { summary: 'Bootstrap an appliance (always a job)', request: 'BootstrapRequest', responses: { 202: 'JobAccepted', 404: 'Problem', 409: 'Problem', 503: 'Problem' } },
  'GET /v1/jobs/{id}': { summary: 'Job status with result or error', responses: { 200: 'Job', 404: 'Problem' } },
  'GET /v1/audit': {
    summary: 'Query the audit log (itself audited as audit.read)',
    responses: { 200: 'AuditRecords' },
    query: [
      { name: 'appliance', description: 'appliance id, name or address' },
      { name: 'principal', description: 'certificate subject or fingerprint' },
      { name: 'since', description: 'ISO 8601 date or date-time' },
      { name: 'until', description: 'ISO 8601 date or date-time' },
      { name: 'type', description: 'event type; repeat or comma-separate' },
      { name: 'limit', description: 'at most this many records (default 1000, max 10000)' },
    ],
  },
  'GET /v1/openapi.json': { summary: 'This document', responses: { 200: 'OpenApi' } },
  'POST /v1/appliances/{id}/ui-sessions': { summary: 'Open a short-lived web UI session to the appliance: a signed single-appliance link for the UI listener', request: 'UiSessionRequest', responses: { 201: 'UiSession', 404: 'Problem' } },
  'DELETE /v1/ui-sessions/{token_id}': { summary: 'Revoke a web UI session (its creator or an admin)', responses: { 204: null, 404: 'Problem' } },
};

/** Problems every route can answer with (authorization, limits, media types, internal errors). */
const COMMON_PROBLEMS: Record<string, string> = {
  400: 'malformed request (JSON, schema, query, appliance context or data)',
  403: 'the client certificate has no role allowing this request',
  405: 'method not allowed',
  413: 'body larger than limits.max_body_bytes',
  415: 'unsupported Content-Type',
  500: 'internal error (no details; see the broker log by request id)',
  503: 'shutting down, audit log unwritable, or operation limit reached',
};

function key(route: RouteSpec): string {
  return `${route.method} ${route.path}`;
}

function operation(route: RouteSpec, doc: RouteDoc): Record<string, unknown> {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1], in: 'path', required: true, schema: { type: 'string', pattern: PARAM_PATTERNS[m[1] ?? ''] },
  }));
  const query = (doc.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: { type: 'string' } }));
  const headers = route.idempotent
    ? [{ name: 'Idempotency-Key', in: 'header', required: false, description: 'same key + same body replays the first result; another body is 409', schema: { type: 'string', maxLength: 200 } }]
    : [];
  const responses: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(doc.responses)) {
    const media = schema === 'Problem' ? 'application/problem+json' : 'application/json';
    responses[status] = { description: schema ?? 'no content', ...(schema ? { content: { [media]: { schema: ref(schema) } } } : {}) };
  }
  for (const [status, description] of Object.entries(COMMON_PROBLEMS)) {
    responses[status] ??= { description, content: { 'application/problem+json': { schema: ref('Problem') } } };
  }
  let requestBody: Record<string, unknown> | undefined;
  if (doc.request === 'yaml') {
    requestBody = { required: true, content: Object.fromEntries(acceptedMediaTypes('yaml').map((t) => [t, { schema: { type: 'string', description: 'provider dictionary YAML' } }])) };
  } else if (doc.request !== undefined) {
    requestBody = { required: true, content: { 'application/json': { schema: ref(doc.request) } } };
  }
  return {
    operationId: route.operationId,
    summary: doc.summary,
    description: `Roles: ${route.roles.join(', ')}.`,
    'x-roles': [...route.roles],
    ...(params.length + query.length + headers.length > 0 ? { parameters: [...params, ...query, ...headers] } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

/** Builds the document from the route table; throws when the table and ROUTE_DOCS disagree. */
export function buildOpenApi(routes: readonly RouteSpec[] = ROUTES, version = '0.1.0'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const documented = new Set(Object.keys(ROUTE_DOCS));
  for (const route of routes) {
    const doc = ROUTE_DOCS[key(route)];
    if (!doc) throw new VnfError('VNF_ERR_BROKER_INTERNAL', `route ${key(route)} has no OpenAPI documentation`);
    documented.delete(key(route));
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route, doc);
  }
  if (documented.size > 0) throw new VnfError('VNF_ERR_BROKER_INTERNAL', `OpenAPI documents routes that do not exist: ${[...documented].join(', ')}`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'vnf-broker API',
      version,
      description: 'Mutual-TLS API of the vnf-broker. Every request needs a client certificate chaining to the configured client CA; its identity maps to roles (admin, operator, auditor). Errors are application/problem+json with a VNF_ERR_* code and a request id; every response carries X-Request-Id.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: { ...REQUEST_SCHEMAS, ...RESPONSE_SCHEMAS, Appliance: APPLIANCE_REF_SCHEMA },
      securitySchemes: { mutualTLS: { type: 'mutualTLS', description: 'client certificate issued by the configured client CA' } },
    },
    security: [{ mutualTLS: [] }],
  };
}
