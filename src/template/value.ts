// A template value as handlebars sees it: helpers (eq, if ...) unwrap it and compare the raw value,
// while printing it ({{get_data.x}}) asks the render's sink to encode it for the landing, or to refuse.
import { VnfError } from '../errors.js';
import type { ValueMeta } from './encode.js';

export interface EncodeSink {
  encode(value: TemplateValue): string;
}

/** A steps value not known yet (plan rendering): it prints as the placeholder <path>. */
export class PendingValue {
  constructor(readonly path: string) {}
}

export class TemplateValue {
  constructor(
    /** undefined = declared or referenced but absent: testing it is false, printing it is an error */
    readonly raw: unknown,
    readonly meta: ValueMeta,
    private readonly sink: EncodeSink,
  ) {}

  toString(): string {
    return this.sink.encode(this);
  }

  [Symbol.toPrimitive](): string {
    return this.sink.encode(this);
  }

  /** A value computed from this one (a helper's result): encoded by the same render, for the same landing. */
  derive(raw: unknown, meta: ValueMeta): TemplateValue {
    return new TemplateValue(raw, meta, this.sink);
  }
}

export function unwrap(value: unknown): unknown {
  return value instanceof TemplateValue ? value.raw : value;
}

/** Handlebars' own truthiness (empty string, 0, false, null, empty list are false), on raw values. */
export function isTruthy(value: unknown, includeZero = false): boolean {
  const raw = unwrap(value);
  if (raw === 0) return includeZero;
  if (Array.isArray(raw)) return raw.length > 0;
  return Boolean(raw);
}

/** eq/ne: same value, or the same scalar written differently (22 and "22"). */
export function sameValue(a: unknown, b: unknown): boolean {
  const x = unwrap(a);
  const y = unwrap(b);
  if (x === y) return true;
  const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
  return scalar(x) && scalar(y) && String(x) === String(y);
}

const VERSION = /^\s*v?(\d{1,9}(?:\.\d{1,9}){0,7})/i;

/**
 * version_lt / version_gte: the leading dotted-number part of each value ("26.1.3_2" → 26.1.3,
 * "v1.5-rolling" → 1.5), compared numerically segment by segment; missing segments count as 0
 * (26.1 = 26.1.0). A value without a leading number cannot be compared: VNF_ERR_TEMPLATE_RENDER,
 * never a silent false.
 */
export function compareVersions(a: unknown, b: unknown): number {
  const parse = (v: unknown, which: string): number[] => {
    const raw = unwrap(v);
    const m = typeof raw === 'string' || typeof raw === 'number' ? VERSION.exec(String(raw)) : null;
    if (!m?.[1]) {
      const name = v instanceof TemplateValue ? v.meta.name : which;
      throw new VnfError('VNF_ERR_TEMPLATE_RENDER', `${name} is not a version (expected digits and dots, e.g. 26.1)`);
    }
    return m[1].split('.').map(Number);
  };
  const x = parse(a, 'the first argument');
  const y = parse(b, 'the second argument');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}
