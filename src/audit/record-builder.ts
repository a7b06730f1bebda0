// Turns a caller's AuditEvent into the redacted, JSON-safe body of a record: raw output and bodies
// become a SHA-256 plus a bounded redacted excerpt; secrets and credential fields become "***".
import { sha256Hex } from './chain.js';
import type { RedactExtra, Redactor } from './redact.js';
import type { AuditEvent, AuditHttp, AuditRecord } from './types.js';

export const DEFAULT_EXCERPT_BYTES = 512;

/** Record fields the sink adds itself. */
export type RecordBody = Omit<AuditRecord, 'seq' | 'time' | 'prev' | 'hash' | 'key_id'>;

function buildHttp(http: AuditHttp, redactor: Redactor, extra: RedactExtra, excerptBytes: number): AuditHttp {
  const out: AuditHttp = { method: redactor.text(http.method, extra), url: redactor.text(http.url, extra) };
  if (http.status !== undefined) out.status = http.status;
  if (http.headers) out.headers = redactor.headers(http.headers, extra);
  if (http.body !== undefined) {
    out.body_sha256 = sha256Hex(http.body);
    out.body_excerpt = redactor.excerpt(http.body, excerptBytes, extra);
  } else {
    if (http.body_sha256 !== undefined) out.body_sha256 = http.body_sha256;
    if (http.body_excerpt !== undefined) out.body_excerpt = redactor.excerpt(http.body_excerpt, excerptBytes, extra);
  }
  return out;
}

export function buildRecordBody(event: AuditEvent, redactor: Redactor, excerptBytes = DEFAULT_EXCERPT_BYTES): RecordBody {
  const extra: RedactExtra = { secrets: event.secrets, fields: event.secret_fields };
  const { output, secrets: _s, secret_fields: _f, http, detail, command, ...rest } = event;
  // every remaining string (ids, names, addresses, path hops) is scrubbed too: a secret has no business there
  const body = redactor.value(rest, extra) as RecordBody;
  if (command !== undefined) body.command = redactor.text(command, extra);
  if (http) body.http = buildHttp(http, redactor, extra, excerptBytes);
  if (detail !== undefined) body.detail = redactor.value(detail, extra) as Record<string, unknown>;
  if (output !== undefined) {
    body.output_sha256 = sha256Hex(output);
    body.output_excerpt = redactor.excerpt(output, excerptBytes, extra);
  }
  if (typeof body.duration_ms === 'number') body.duration_ms = Math.round(body.duration_ms * 1000) / 1000;
  // JSON round trip: drops undefined and functions, turns Dates into strings, NaN into null, so the
  // canonical form of what we hash is exactly what a reader parses back
  return JSON.parse(JSON.stringify(body)) as RecordBody;
}
