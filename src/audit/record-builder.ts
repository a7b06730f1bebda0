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
  // canonical form of what we hash is exactly what a reader parses back. Plain data (the usual case)
  // is copied directly instead, with every object's keys in sorted order, which lets the writer's
  // canonical JSON use the native serialiser; anything else goes through the real round trip.
  const copy = sortedJsonCopy(body, 0);
  return (copy === NOT_PLAIN ? JSON.parse(JSON.stringify(body)) : copy) as RecordBody;
}

const NOT_PLAIN = Symbol('not plain JSON data');

/**
 * What JSON.parse(JSON.stringify(value)) returns, except that object keys are inserted in sorted
 * order, for values made only of plain objects, arrays, strings, booleans, null and finite numbers
 * other than -0 (which the round trip would turn into 0); NOT_PLAIN for anything else.
 */
function sortedJsonCopy(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth > 64) return NOT_PLAIN;
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) return NOT_PLAIN;
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i += 1) {
          const item = sortedJsonCopy(value[i], depth + 1);
          if (item === NOT_PLAIN) return NOT_PLAIN;
          out.push(item);
        }
        return out;
      }
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj).sort()) {
        // an own "__proto__" member would set the copy's prototype instead
        if (key === '__proto__') return NOT_PLAIN;
        const member = obj[key];
        if (member === undefined) continue;
        const copied = sortedJsonCopy(member, depth + 1);
        if (copied === NOT_PLAIN) return NOT_PLAIN;
        out[key] = copied;
      }
      return out;
    }
    default:
      // undefined (in an array the round trip makes it null), functions, symbols, bigints
      return NOT_PLAIN;
  }
}
