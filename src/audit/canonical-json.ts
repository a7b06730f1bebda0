// Canonical JSON for hashing audit records: object keys sorted by UTF-16 code units, no whitespace,
// strings and numbers exactly as JSON.stringify writes them (the RFC 8785 / JCS rules for our values).

/**
 * Serialises a JSON value deterministically. Members whose value is undefined are omitted (as
 * JSON.stringify does); non-finite numbers, bigints, functions and symbols are rejected because they
 * have no single JSON spelling.
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonical JSON: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item: unknown) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const member = obj[key];
        if (member === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot serialise a ${typeof value}`);
  }
}

/**
 * Canonical JSON of `record` without, then with, one extra top-level string member whose value is
 * computed from the first form (the writer's hash): each member is serialised only once.
 */
export function canonicalJsonWith(record: Record<string, unknown>, extraKey: string, compute: (without: string) => string): { without: string; with: string; value: string } {
  const keys = Object.keys(record).filter((k) => k !== extraKey && record[k] !== undefined).sort();
  const parts = keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
  const without = `{${parts.join(',')}}`;
  const value = compute(without);
  let at = keys.findIndex((k) => k > extraKey);
  if (at === -1) at = keys.length;
  parts.splice(at, 0, `${JSON.stringify(extraKey)}:${JSON.stringify(value)}`);
  return { without, with: `{${parts.join(',')}}`, value };
}
