// A template value as handlebars sees it: helpers (eq, if ...) unwrap it and compare the raw value,
// while printing it ({{get_data.x}}) asks the render's sink to encode it for the landing, or to refuse.
import type { ValueMeta } from './encode.js';

export interface EncodeSink {
  encode(value: TemplateValue): string;
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
