// Redaction of rendered output: every secret, in every form it was printed (raw, JSON-escaped,
// percent-encoded, base64 in an Authorization header), becomes *** in string leaves.

export const REDACTED = '***';

function ordered(secrets: Iterable<string>): string[] {
  return [...new Set([...secrets].filter((s) => s !== ''))].sort((a, b) => b.length - a.length);
}

export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of ordered(secrets)) out = out.split(secret).join(REDACTED);
  return out;
}

/** A copy of `value` with secrets replaced in every string (object keys are kept). */
export function redactDeep<T>(value: T, secrets: Iterable<string>): T {
  const list = ordered(secrets);
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      let out = v;
      for (const secret of list) out = out.split(secret).join(REDACTED);
      return out;
    }
    if (depth > 64 || v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item, depth + 1)]));
  };
  return walk(value, 0) as T;
}
