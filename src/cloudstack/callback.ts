// The dictionary callback action `cloudstack-api`: a signed CloudStack call whose rendered parameters
// carry command, api_key and secret_key. The keys sign the call; they are never sent or recorded.
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { VnfError, isVnfError } from '../errors.js';
import type { AuditContext } from '../transport/index.js';
import type { JobPollOptions } from './async-job.js';
import { CloudStackClient, type OutgoingRequest } from './client.js';
import type { CsObject } from './envelope.js';
import type { SignatureVersion } from './sign.js';

export interface CloudStackCallbackOptions {
  /** the API URL: broker config, or the appliance context's cs_data.cloudstack_api_url (see resolveCallbackEndpoint) */
  endpoint: string;
  /** the callback's parameters as rendered: command, api_key, secret_key and the API parameters */
  parameters: Readonly<Record<string, string>>;
  timeoutMs: number;
  ca?: string | Buffer | (string | Buffer)[];
  audit?: AuditSink;
  auditContext?: AuditContext;
  signal?: AbortSignal;
  method?: 'GET' | 'POST';
  /** poll async jobs to completion (default true) */
  wait?: boolean;
  jobs?: Omit<JobPollOptions, 'signal'>;
  signatureVersion?: SignatureVersion;
}

export interface CloudStackCallbackResult {
  command: string;
  response: CsObject;
  jobid?: string;
}

const norm = (name: string): string => name.toLowerCase().replace(/[_-]/g, '');
const API_KEY_NAMES = new Set(['apikey']);
const SECRET_KEY_NAMES = new Set(['secretkey']);

/** Splits rendered callback parameters into the command, the credentials and the API parameters. */
export function splitCallbackParameters(parameters: Readonly<Record<string, string>>): {
  command: string; apiKey: string; secretKey: string; params: Record<string, string>;
} {
  let command: string | undefined;
  let apiKey: string | undefined;
  let secretKey: string | undefined;
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(parameters)) {
    const n = norm(name);
    if (n === 'command') command = value;
    else if (API_KEY_NAMES.has(n)) apiKey = value;
    else if (SECRET_KEY_NAMES.has(n)) secretKey = value;
    else if (n === 'response') continue; // always json
    else params[name] = value;
  }
  if (!command) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'cloudstack-api callback has no command parameter');
  if (!apiKey || !secretKey) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `cloudstack-api callback ${command}: api_key and secret_key must render to non-empty values`);
  return { command, apiKey, secretKey, params };
}

/** Broker config wins (pinned by the admin); otherwise the appliance context's cs_data.cloudstack_api_url. */
export function resolveCallbackEndpoint(configured: string | undefined, csData: Readonly<Record<string, unknown>> | undefined): string {
  if (configured) return configured;
  const fromContext = csData?.cloudstack_api_url;
  if (typeof fromContext === 'string' && fromContext !== '') return fromContext;
  throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'no CloudStack API endpoint: set it in the broker config or cs_data.cloudstack_api_url');
}

const contextFields = (ctx: AuditContext | undefined): Partial<AuditEvent> => {
  if (!ctx) return {};
  const { secrets: _s, ...rest } = ctx;
  return rest;
};

/**
 * Runs one cloudstack-api callback. With an audit sink, an http.request record is on disk before the
 * call is sent (a failed write cancels it) and a second record carries the outcome. Failures throw.
 */
export async function runCloudStackCallback(o: CloudStackCallbackOptions): Promise<CloudStackCallbackResult> {
  const { command, apiKey, secretKey, params } = splitCallbackParameters(o.parameters);
  const client = new CloudStackClient({
    endpoint: o.endpoint, apiKey, secretKey, timeoutMs: o.timeoutMs,
    ...(o.ca === undefined ? {} : { ca: o.ca }),
    ...(o.signatureVersion === undefined ? {} : { signatureVersion: o.signatureVersion }),
  });
  const secrets = [apiKey, secretKey, ...(o.auditContext?.secrets ?? [])];
  let sent: OutgoingRequest | undefined;
  const started = Date.now();
  const record = (event: Omit<AuditEvent, 'type'>): void => {
    o.audit?.append({ type: 'http.request', ...contextFields(o.auditContext), ...event, secrets });
  };
  const httpOf = (req: OutgoingRequest, status?: number): NonNullable<AuditEvent['http']> => ({
    method: req.method, url: req.url,
    ...(status === undefined ? {} : { status }),
    ...(req.body_sha256 === undefined ? {} : { body_sha256: req.body_sha256, body_excerpt: req.body_redacted }),
  });
  let result: Awaited<ReturnType<CloudStackClient['execute']>>;
  try {
    result = await client.execute(command, params, {
      ...(o.method === undefined ? {} : { method: o.method }),
      ...(o.wait === undefined ? {} : { wait: o.wait }),
      ...(o.signal === undefined ? {} : { signal: o.signal }),
      ...(o.jobs === undefined ? {} : { jobs: o.jobs }),
      beforeSend: (req) => {
        record({ transport: req.transport, http: httpOf(req), outcome: 'started', detail: { cloudstack_command: command } });
        sent = req;
      },
    });
  } catch (error) {
    if (sent) {
      const details = isVnfError(error) ? error.details as { http_status?: number; jobid?: string } | undefined : undefined;
      record({
        transport: sent.transport, http: httpOf(sent, details?.http_status), outcome: 'failure', duration_ms: Date.now() - started,
        error_code: isVnfError(error) ? error.code : 'VNF_ERR_BROKER_INTERNAL',
        detail: { cloudstack_command: command, ...(details?.jobid ? { jobid: details.jobid } : {}) },
      });
    }
    throw error;
  } finally {
    await client.close();
  }
  if (sent) {
    record({
      transport: sent.transport, http: httpOf(sent, result.http_status), outcome: 'success', duration_ms: Date.now() - started,
      detail: { cloudstack_command: command, ...(result.jobid ? { jobid: result.jobid } : {}) },
    });
  }
  return { command, response: result.response, ...(result.jobid ? { jobid: result.jobid } : {}) };
}
