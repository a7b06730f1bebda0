// Turns a caller's AuditEvent into the redacted, JSON-safe body of a record: raw output and bodies
// become a SHA-256 plus a bounded redacted excerpt; secrets and credential fields become "***".
import { sha256Hex } from './chain.js';
import { REDACTED, type RedactExtra, type Redactor } from './redact.js';
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

const NOT_PLAIN = Symbol('not plain JSON data');

/** Bodies built by the one-pass copy: plain data, every object's keys listed in sorted order. */
const sortedBodies = new WeakSet<object>();

/**
 * True for a body whose JSON.stringify is its canonical JSON at every level (built here by the
 * one-pass copy: plain data, sorted keys, no integer-like keys, which JSON.stringify lists first).
 */
export const isSortedBody = (body: object): boolean => sortedBodies.has(body);

/**
 * Array-index-like keys ("0", "12") are listed first, in numeric order, whatever the insertion
 * order: keys starting with a digit leave the one-pass copy (conservatively).
 */
const digitFirst = (key: string): boolean => {
  const c = key.charCodeAt(0);
  return c >= 48 && c <= 57;
};

/** The members buildRecordBody fills itself (every other member goes through the generic copy). */
const SPECIAL = new Set(['output', 'secrets', 'secret_fields', 'http', 'detail', 'command']);

export function buildRecordBody(event: AuditEvent, redactor: Redactor, excerptBytes = DEFAULT_EXCERPT_BYTES): RecordBody {
  const extra: RedactExtra = { secrets: event.secrets, fields: event.secret_fields };
  // JSON round trip semantics: undefined dropped, functions dropped, Dates as strings, NaN as null,
  // so the canonical form of what we hash is exactly what a reader parses back. Plain data (the
  // usual case) is redacted and copied in one pass, every object's keys inserted in sorted order,
  // which lets the writer's canonical JSON use the native serialiser; anything else takes the
  // general path (redact, then a real round trip).
  const fast = redactedCopy(event, redactor, extra, excerptBytes);
  if (fast !== NOT_PLAIN) {
    sortedBodies.add(fast);
    return fast as RecordBody;
  }
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
  if (typeof body.duration_ms === 'number') body.duration_ms = roundMs(body.duration_ms);
  return JSON.parse(JSON.stringify(body)) as RecordBody;
}

// `+ 0` turns -0 into 0, as the JSON round trip would
const roundMs = (ms: number): number => Math.round(ms * 1000) / 1000 + 0;

/** The record body with its members in sorted order, or NOT_PLAIN (the general path decides). */
function redactedCopy(event: AuditEvent, redactor: Redactor, extra: RedactExtra, excerptBytes: number): Record<string, unknown> | typeof NOT_PLAIN {
  if (Object.getPrototypeOf(event) !== Object.prototype) return NOT_PLAIN;
  const src = event as unknown as Record<string, unknown>;
  const rules: CopyRules = { redactor, extra };
  const keys: string[] = [];
  for (const key of Object.keys(src)) {
    if (src[key] === undefined || SPECIAL.has(key)) continue;
    if (key === '__proto__' || digitFirst(key)) return NOT_PLAIN;
    keys.push(key);
  }
  if (event.command !== undefined) keys.push('command');
  if (event.http) keys.push('http');
  if (event.detail !== undefined) keys.push('detail');
  if (event.output !== undefined) {
    if (typeof event.output !== 'string') return NOT_PLAIN;
    keys.push('output_excerpt', 'output_sha256');
  }
  keys.sort();
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    let copied: unknown;
    switch (key) {
      case 'command':
        if (typeof event.command !== 'string') return NOT_PLAIN;
        copied = redactor.text(event.command, extra);
        break;
      case 'http':
        copied = sortedCopy(buildHttp(event.http as AuditHttp, redactor, extra, excerptBytes), {}, 0);
        break;
      case 'detail':
        // redactor.value(detail) starts at depth 0
        copied = sortedCopy(event.detail, rules, 0);
        break;
      case 'output_excerpt':
        copied = redactor.excerpt(event.output as string, excerptBytes, extra);
        break;
      case 'output_sha256':
        copied = sha256Hex(event.output as string);
        break;
      default: {
        const member = src[key];
        copied = redactor.isSensitiveKey(key, extra) && member !== null ? REDACTED : sortedCopy(member, rules, 1);
        if (key === 'duration_ms' && typeof copied === 'number') copied = roundMs(copied);
      }
    }
    if (copied === NOT_PLAIN) return NOT_PLAIN;
    out[key] = copied;
  }
  return out;
}

/** What a copy does to strings and credential-named members: nothing (plain copy), or redact. */
interface CopyRules { redactor?: Redactor; extra?: RedactExtra }

/**
 * For plain data (plain objects, arrays, strings, booleans, null, finite numbers other than -0):
 * what JSON.parse(JSON.stringify(value)) returns, with every object's keys inserted in sorted order;
 * with a redactor, after redactor.value() (strings scrubbed, credential-named members replaced, and
 * "***" below depth 32, where redactor.value() stops). NOT_PLAIN for anything else (class
 * instances, functions, holes, non-finite numbers, -0, keys starting with a digit).
 */
function sortedCopy(value: unknown, rules: CopyRules, depth: number): unknown {
  const { redactor, extra } = rules;
  switch (typeof value) {
    case 'string':
      return redactor ? redactor.text(value, extra) : value;
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : NOT_PLAIN;
    case 'object': {
      if (value === null) return null;
      if (depth > 32) return redactor ? REDACTED : NOT_PLAIN;
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) return NOT_PLAIN;
        const out: unknown[] = [];
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          const copied = item === undefined ? NOT_PLAIN : sortedCopy(item, rules, depth + 1);
          if (copied === NOT_PLAIN) return NOT_PLAIN;
          out.push(copied);
        }
        return out;
      }
      if (proto !== Object.prototype && proto !== null) return NOT_PLAIN;
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(obj).sort()) {
        // an own "__proto__" member would set the copy's prototype instead
        if (key === '__proto__' || digitFirst(key)) return NOT_PLAIN;
        const member = obj[key];
        if (member === undefined) continue;
        const copied = redactor?.isSensitiveKey(key, extra) && member !== null ? REDACTED : sortedCopy(member, rules, depth + 1);
        if (copied === NOT_PLAIN) return NOT_PLAIN;
        out[key] = copied;
      }
      return out;
    }
    default:
      // undefined in an array, functions, symbols, bigints
      return NOT_PLAIN;
  }
}
