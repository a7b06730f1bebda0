// JSON Schemas of the API's request and response bodies: request schemas are compiled once on an ajv
// instance WITHOUT allErrors (untrusted input: first error only); all of them feed the OpenAPI document.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { VnfError } from '../errors.js';

type Schema = Record<string, unknown>;

const NAME = { type: 'string', minLength: 1, maxLength: 128 } as const;

export const APPLIANCE_REF_SCHEMA: Schema = {
  type: 'object',
  description: 'The appliance context (DESIGN §3.2): id, name, provider (dictionary name), management, credentials, jump, cs_data ... File references (*_file) are refused over the API.',
  required: ['id', 'provider', 'management'],
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 256 },
    name: { type: 'string', maxLength: 256 },
    provider: NAME,
    management: { type: 'object' },
  },
};

export const REQUEST_SCHEMAS = {
  OperationRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['appliance', 'service', 'operation'],
    properties: {
      appliance: APPLIANCE_REF_SCHEMA,
      service: NAME,
      operation: NAME,
      data: { type: 'object', description: 'operation input, checked against the service data declaration' },
      async: { type: 'boolean', description: 'run as a job: 202 {job_id}' },
      dry_run: { type: 'boolean', description: 'render the plan (secrets redacted) and send nothing' },
    },
  },
  HealthcheckRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['appliance'],
    properties: { appliance: APPLIANCE_REF_SCHEMA, async: { type: 'boolean' } },
  },
  BootstrapRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['appliance'],
    properties: { appliance: APPLIANCE_REF_SCHEMA },
  },
  UiSessionRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['appliance', 'access'],
    properties: {
      appliance: {
        type: 'object',
        description: 'The appliance context (DESIGN §3.2); its id must be the {id} of the path. Kept server-side, never put in the link.',
        required: ['id', 'management'],
        properties: { id: { type: 'string', minLength: 1, maxLength: 256 }, management: { type: 'object' } },
      },
      access: {
        type: 'object',
        additionalProperties: false,
        required: ['method'],
        properties: {
          method: { enum: ['http', 'https'] },
          port: { type: 'integer', minimum: 1, maximum: 65535, description: 'default management.http_port / https_port, else 80 / 443' },
          path: { type: 'string', maxLength: 256, pattern: '^/[A-Za-z0-9._~!$&\'()*+,;=:@%/-]*$', description: 'path prefix on the appliance (default /)' },
        },
      },
      lifetime_s: { type: 'integer', minimum: 30, maximum: 86400, description: 'default ui.default_lifetime_s, at most ui.max_lifetime_s' },
    },
  },
} as const satisfies Record<string, Schema>;

export type RequestSchemaName = keyof typeof REQUEST_SCHEMAS;

const DIAGNOSTIC = {
  type: 'object',
  properties: { severity: { enum: ['error', 'warning'] }, line: { type: 'integer' }, col: { type: 'integer' }, message: { type: 'string' }, rule: { type: 'string' } },
};

const JOB_STATUS = { enum: ['queued', 'running', 'succeeded', 'failed', 'interrupted'] };

export const RESPONSE_SCHEMAS: Record<string, Schema> = {
  Problem: {
    type: 'object',
    required: ['type', 'title', 'status', 'detail', 'code', 'request_id'],
    properties: {
      type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
      code: { type: 'string', pattern: '^VNF_ERR_' }, request_id: { type: 'string' }, retryable: { type: 'boolean' },
      errors: { type: 'array', items: { type: 'object' } },
    },
  },
  ProviderList: {
    type: 'object',
    properties: {
      providers: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, description: { type: 'string' }, version: { type: 'string' }, vendor: { type: 'string' }, services: { type: 'array', items: { type: 'string' } }, warnings: { type: 'integer' } } } },
      problems: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } } } } },
    },
  },
  Provider: {
    type: 'object',
    properties: { name: { type: 'string' }, dictionary: { type: 'object', description: 'normalised, literal secrets redacted' }, source: { type: 'string', description: 'YAML source (admin role only)' }, warnings: { type: 'array', items: DIAGNOSTIC } },
  },
  ProviderChanged: { type: 'object', properties: { name: { type: 'string' }, created: { type: 'boolean' }, warnings: { type: 'array', items: DIAGNOSTIC } } },
  ValidateResult: { type: 'object', properties: { ok: { type: 'boolean' }, name: { type: 'string' }, warnings: { type: 'array', items: DIAGNOSTIC } } },
  OperationResult: { type: 'object', required: ['result'], properties: { result: {}, request_id: { type: 'string' } } },
  DryRun: {
    type: 'object',
    required: ['dry_run', 'steps'],
    properties: { dry_run: { const: true }, steps: { type: 'array', items: { type: 'object', description: 'ssh {connection, transport, commands} or http(s) {connection, transport, method, url, headers, body}' } } },
  },
  JobAccepted: { type: 'object', required: ['job_id', 'status'], properties: { job_id: { type: 'string' }, status: JOB_STATUS } },
  Job: {
    type: 'object',
    required: ['id', 'kind', 'status', 'created_at'],
    properties: {
      id: { type: 'string' }, kind: { enum: ['operation', 'healthchecks', 'bootstrap'] }, status: JOB_STATUS,
      created_at: { type: 'string' }, started_at: { type: 'string' }, finished_at: { type: 'string' },
      appliance: { type: 'string' }, provider: { type: 'string' }, service: { type: 'string' }, operation: { type: 'string' },
      result: {}, error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, retryable: { type: 'boolean' } } },
    },
  },
  AuditRecords: { type: 'object', properties: { records: { type: 'array', items: { type: 'object' } }, truncated: { type: 'boolean' } } },
  OpenApi: { type: 'object' },
  UiSession: {
    type: 'object',
    required: ['url', 'expires_at', 'token_id'],
    properties: {
      url: { type: 'string', description: 'link for a browser: the UI listener, /ui/{token}/' },
      expires_at: { type: 'string', format: 'date-time' },
      token_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$', description: 'for DELETE /v1/ui-sessions/{token_id}' },
    },
  },
};

let ajv: Ajv2020 | undefined;
const compiled = new Map<RequestSchemaName, ValidateFunction>();

/** Compiles every request schema once (called at server start; cheap afterwards). */
export function compileRequestSchemas(): void {
  ajv ??= new Ajv2020({ strict: true, allErrors: false });
  for (const name of Object.keys(REQUEST_SCHEMAS) as RequestSchemaName[]) {
    if (!compiled.has(name)) compiled.set(name, ajv.compile(REQUEST_SCHEMAS[name]));
  }
}

/** 400 VNF_ERR_API_BAD_REQUEST naming the first problem's location (never the value). */
export function checkRequest<T>(name: RequestSchemaName, body: unknown): T {
  compileRequestSchemas();
  const validate = compiled.get(name) as ValidateFunction;
  if (validate(body)) return body as T;
  const e = validate.errors?.[0];
  const where = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : 'body';
  const params = (e?.params ?? {}) as Record<string, unknown>;
  const extra = e?.keyword === 'additionalProperties' ? ` '${String(params.additionalProperty).slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}'` : '';
  const message = e?.keyword === 'required' ? `missing '${String(params.missingProperty)}'` : `${e?.message ?? 'is invalid'}${extra}`;
  throw new VnfError('VNF_ERR_API_BAD_REQUEST', `${where}: ${message}`, { details: [{ field: where, problem: `${message}` }] });
}
