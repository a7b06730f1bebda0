// Typed operation inputs: one checker per declared data type, shared by input validation and by the
// CLI landing (which re-checks that a value still matches its type before it is typed into a shell).
import { isIP } from 'node:net';

export const FIELD_TYPES = ['string', 'integer', 'boolean', 'ip', 'cidr', 'port', 'enum', 'secret'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Structural twin of the dictionary's DataField, so this layer need not import dictionary/. */
export interface FieldSpec {
  type: FieldType;
  required?: boolean;
  values?: readonly string[];
  default?: string | number | boolean;
  pattern?: string;
  min?: number;
  max?: number;
}

export type DataValue = string | number | boolean;

export type FieldCheck = { ok: true; value: DataValue } | { ok: false; problem: string };

/** Longest accepted string input; values are single parameters, not documents. */
export const MAX_STRING_LENGTH = 65_536;

const INTEGER_TEXT = /^[+-]?\d{1,15}$/;
const patternCache = new Map<string, RegExp | null>();

function compilePattern(source: string): RegExp | null {
  let re = patternCache.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(source, 'u');
    } catch {
      re = null;
    }
    patternCache.set(source, re);
  }
  return re;
}

const fail = (problem: string): FieldCheck => ({ ok: false, problem });

function checkInteger(spec: FieldSpec, value: unknown, lo: number, hi: number, what: string): FieldCheck {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) n = Number(value);
  else return fail(`must be ${what}`);
  if (!Number.isSafeInteger(n) || n < lo || n > hi) return fail(`must be ${what}`);
  if (spec.min !== undefined && n < spec.min) return fail(`must be at least ${spec.min}`);
  if (spec.max !== undefined && n > spec.max) return fail(`must be at most ${spec.max}`);
  return { ok: true, value: n };
}

function checkString(spec: FieldSpec, value: unknown): FieldCheck {
  if (typeof value !== 'string') return fail('must be a string');
  if (value.length > MAX_STRING_LENGTH) return fail(`must be at most ${MAX_STRING_LENGTH} characters`);
  if (spec.pattern !== undefined) {
    const re = compilePattern(spec.pattern);
    if (re === null) return fail('has an invalid pattern in its declaration');
    if (!re.test(value)) return fail('does not match the declared pattern');
  }
  return { ok: true, value };
}

export function isIpAddress(value: string): boolean {
  // zone ids (fe80::1%eth0) carry free text into commands; refuse them
  return !value.includes('%') && isIP(value) !== 0;
}

export function isCidr(value: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(value);
  if (!m?.[1] || m[2] === undefined || m[1].includes('%')) return false;
  const family = isIP(m[1]);
  const prefix = Number(m[2]);
  return (family === 4 && prefix <= 32) || (family === 6 && prefix <= 128);
}

/**
 * Checks one present value against its declaration and returns the normalised value. Strings are
 * coerced to integers/ports/booleans only when unambiguous ("22", "true"); problems never quote the value.
 */
export function checkFieldValue(spec: FieldSpec, value: unknown): FieldCheck {
  switch (spec.type) {
    case 'string':
    case 'secret':
      return checkString(spec, value);
    case 'integer':
      return checkInteger(spec, value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'an integer');
    case 'port':
      return checkInteger(spec, value, 1, 65_535, 'a port number (1-65535)');
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return fail('must be a boolean (true or false)');
    case 'ip':
      return typeof value === 'string' && isIpAddress(value) ? { ok: true, value } : fail('must be an IPv4 or IPv6 address');
    case 'cidr':
      return typeof value === 'string' && isCidr(value) ? { ok: true, value } : fail('must be a network in CIDR notation (address/prefix)');
    case 'enum': {
      const values = spec.values ?? [];
      const text = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
      if (text !== undefined && values.includes(text)) return { ok: true, value: text };
      return fail(values.length > 0 ? `must be one of: ${values.join(', ')}` : 'has no allowed values declared');
    }
    default:
      return fail('has an unknown type in its declaration');
  }
}
