// Response callbacks: `action: http` sends the rendered request straight from the broker (undici,
// TLS verified against the system CAs plus an optional extra CA, timeout, audited before sending);
// `action: cloudstack-api` makes the signed CloudStack call through src/cloudstack.
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { resolveCallbackEndpoint, runCloudStackCallback } from '../cloudstack/index.js';
import type { ApplianceContext, Callback } from '../dictionary/index.js';
import { VnfError, asVnfError } from '../errors.js';
import type { RenderScope } from '../template/index.js';
import type { AuditContext } from '../transport/index.js';
import type { CallbackOutcome, WorkflowEngineOptions } from './engine-types.js';
import { isSecretName } from './values.js';

export interface CallbackEnv {
  audit: AuditSink;
  auditContext: AuditContext;
  scope: RenderScope;
  appliance: ApplianceContext;
  config: WorkflowEngineOptions['callbacks'];
  timeoutMs: number;
  signal: AbortSignal;
}

const MAX_REPLY_BYTES = 1024 * 1024;
const SECRET_HEADER = /pass|secret|token|auth|cookie|key|session|signature|credential/i;

function bodyLanding(headers: Record<string, string>, body: string): 'json' | 'text' {
  const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  if (type !== undefined) return /json/i.test(type) ? 'json' : 'text';
  return /^\s*[[{]/.test(body) ? 'json' : 'text';
}

function auditFields(ctx: AuditContext): Omit<AuditEvent, 'type'> {
  const { secrets, ...rest } = ctx;
  return { ...rest, ...(secrets?.length ? { secrets } : {}) };
}

async function httpCallback(cb: Callback, env: CallbackEnv): Promise<CallbackOutcome> {
  const { scope } = env;
  const url = new URL(scope.render(cb.url ?? '', 'url'));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new VnfError('VNF_ERR_CALLBACK_FAILED', 'callback url must be http(s)');
  const method = (cb.method ?? (cb.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(cb.headers ?? {})) headers[name] = scope.render(value, 'header');
  const body = cb.body !== undefined ? scope.render(cb.body, bodyLanding(headers, cb.body)) : undefined;
  if (body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
    headers['Content-Type'] = bodyLanding(headers, cb.body ?? '') === 'json' ? 'application/json' : 'text/plain';
  }
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  const http = {
    method, url: shown.href,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, SECRET_HEADER.test(k) ? '[redacted]' : v])),
    ...(body !== undefined ? { body } : {}),
  };
  const base = { ...auditFields({ ...env.auditContext, secrets: [...(env.auditContext.secrets ?? []), ...scope.secretForms()] }), transport: url.protocol === 'https:' ? 'https' as const : 'http' as const, detail: { callback: 'http' } };
  // on disk before anything is sent; a failing write means the callback is not sent
  env.audit.append({ type: 'http.request', ...base, http, outcome: 'started' });
  const extraCa = env.config?.http?.ca;
  const agent = new Agent({
    connect: { timeout: env.timeoutMs, ...(extraCa !== undefined ? { ca: [...rootCertificates, extraCa.toString()] } : {}) },
    headersTimeout: env.timeoutMs, bodyTimeout: env.timeoutMs,
  });
  const started = Date.now();
  try {
    const res = await request(url, { method: method as 'POST', headers, ...(body !== undefined ? { body } : {}), dispatcher: agent, signal: env.signal });
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_REPLY_BYTES) break;
    }
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    env.audit.append({ type: 'http.request', ...base, http: { ...http, status: res.statusCode }, outcome: ok ? 'success' : 'failure', duration_ms: Date.now() - started,
      ...(ok ? {} : { error_code: 'VNF_ERR_CALLBACK_FAILED' }) });
    return ok ? { action: 'http', ok, status: res.statusCode }
      : { action: 'http', ok, status: res.statusCode, error: { code: 'VNF_ERR_CALLBACK_FAILED', message: `callback receiver answered HTTP ${res.statusCode}` } };
  } catch (error) {
    const code = 'VNF_ERR_CALLBACK_FAILED';
    env.audit.append({ type: 'http.request', ...base, outcome: 'failure', duration_ms: Date.now() - started, error_code: code });
    const reason = (error as { code?: string } | undefined)?.code;
    return { action: 'http', ok: false, error: { code, message: `callback to ${url.origin} failed${typeof reason === 'string' && /^[A-Z_]+$/.test(reason) ? ` (${reason})` : ''}` } };
  } finally {
    await agent.close().catch(() => undefined);
  }
}

async function cloudstackCallback(cb: Callback, env: CallbackEnv): Promise<CallbackOutcome> {
  const parameters: Record<string, string> = {};
  for (const [name, value] of Object.entries(cb.parameters ?? {})) parameters[name] = env.scope.render(value, isSecretName(name) ? 'credential' : 'text');
  const config = env.config?.cloudstack;
  const endpoint = resolveCallbackEndpoint(config?.endpoint, env.appliance.cs_data);
  const r = await runCloudStackCallback({
    endpoint, parameters, timeoutMs: env.timeoutMs, audit: env.audit, signal: env.signal,
    auditContext: { ...env.auditContext, secrets: [...(env.auditContext.secrets ?? []), ...env.scope.secretForms()] },
    ...(config?.ca !== undefined ? { ca: config.ca } : {}),
  });
  return { action: 'cloudstack-api', ok: true, command: r.command, ...(r.jobid ? { jobid: r.jobid } : {}) };
}

/** Runs one callback; never throws for a callback failure — the outcome says ok: false with the error. */
export async function runCallback(cb: Callback, env: CallbackEnv): Promise<CallbackOutcome> {
  try {
    return cb.action === 'http' ? await httpCallback(cb, env) : await cloudstackCallback(cb, env);
  } catch (error) {
    const e = asVnfError(error);
    if (e.code === 'VNF_ERR_AUDIT_WRITE') throw e;
    return { action: cb.action, ok: false, error: { code: e.code, message: e.message } };
  }
}
