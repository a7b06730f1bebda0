// Builds the audit records transports write: one "started" record before anything is sent
// (append() is synchronous and throws → nothing is sent), one result record after.
import { createHash } from 'node:crypto';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import type { AuditContext } from './types.js';

/** The sink plus the fields fixed for one connection (appliance, path, transport). */
export interface AuditBinding {
  sink: AuditSink;
  base: Omit<AuditEvent, 'type'>;
}

const contextFields = (ctx: AuditContext | undefined): Omit<AuditEvent, 'type'> => {
  if (!ctx) return {};
  const out: Omit<AuditEvent, 'type'> = {};
  if (ctx.appliance) out.appliance = ctx.appliance;
  if (ctx.request_id) out.request_id = ctx.request_id;
  if (ctx.job_id) out.job_id = ctx.job_id;
  if (ctx.principal) out.principal = ctx.principal;
  if (ctx.provider) out.provider = ctx.provider;
  if (ctx.service) out.service = ctx.service;
  if (ctx.operation) out.operation = ctx.operation;
  return out;
};

const mergedSecrets = (b: AuditBinding, ctx: AuditContext | undefined, extra: readonly string[]): string[] =>
  [...new Set([...(b.base.secrets ?? []), ...(ctx?.secrets ?? []), ...extra])].filter((s) => s.length > 0);

/** Appends one record; merges connection fields, caller context and secrets to redact. */
export function appendAudit(b: AuditBinding, ctx: AuditContext | undefined, event: AuditEvent, extraSecrets: readonly string[] = []): void {
  const secrets = mergedSecrets(b, ctx, extraSecrets);
  b.sink.append({ ...b.base, ...contextFields(ctx), ...event, ...(secrets.length > 0 ? { secrets } : {}) });
}

/** appendAudit for several records at once: one write where the sink supports it, in order. */
export function appendAuditMany(b: AuditBinding, ctx: AuditContext | undefined, events: readonly AuditEvent[], extraSecrets: readonly string[] = []): void {
  if (events.length === 0) return;
  const secrets = mergedSecrets(b, ctx, extraSecrets);
  const base = { ...b.base, ...contextFields(ctx) };
  const full = events.map((event) => ({ ...base, ...event, ...(secrets.length > 0 ? { secrets } : {}) }));
  if (b.sink.appendMany) b.sink.appendMany(full);
  else for (const event of full) b.sink.append(event);
}

const SECRET_NAME = /pass|secret|token|auth|cookie|key|session|signature|credential/i;
export const REDACTED = '[redacted]';

export function redactHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = SECRET_NAME.test(k) ? REDACTED : v;
  return out;
}

/** Query parameters with secret-looking names are replaced; userinfo is dropped. */
export function redactUrl(url: URL): string {
  // the usual case, nothing to redact: no copy of the URL
  if (url.username === '' && url.password === '' && url.search === '') return url.href;
  const u = new URL(url.href);
  u.username = '';
  u.password = '';
  for (const name of [...u.searchParams.keys()]) if (SECRET_NAME.test(name)) u.searchParams.set(name, REDACTED);
  return u.href;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Replaces each secret in a message (used for error lines quoting appliance output). */
export function scrub(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s.length >= 3) out = out.split(s).join(REDACTED);
  return out;
}
