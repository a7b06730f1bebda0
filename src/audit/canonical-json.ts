// Canonical JSON for hashing audit records: object keys sorted by UTF-16 code units, no whitespace,
// strings and numbers exactly as JSON.stringify writes them (the RFC 8785 / JCS rules for our values).
//
// Fast path: a value whose objects already list their keys in sorted order (Object.keys order, which
// is also JSON.stringify's member order) and which holds nothing but plain JSON data is written by
// the native JSON.stringify: the same text, several times cheaper. The writer's record bodies are
// built sorted (record-builder.ts), and records read back from a log are sorted by construction.
// Anything else takes the member-by-member path, which also rejects what has no JSON spelling.

/** True when JSON.stringify(value) is exactly the canonical form (see above). */
function stringifiesCanonically(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (depth > 64) return false;
      const proto: unknown = Object.getPrototypeOf(value);
      if (Array.isArray(value)) {
        if (proto !== Array.prototype) return false;
        for (let i = 0; i < value.length; i += 1) {
          const item: unknown = value[i];
          // holes and undefined: the member-by-member path decides
          if (item === undefined || !stringifiesCanonically(item, depth + 1)) return false;
        }
        return true;
      }
      if (proto !== Object.prototype && proto !== null) return false;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj);
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i] as string;
        if (i > 0 && !((keys[i - 1] as string) < key)) return false;
        const member = obj[key];
        if (member === undefined || !stringifiesCanonically(member, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

const memberJson = (value: unknown): string => (stringifiesCanonically(value, 0) ? JSON.stringify(value) : checkedCanonical(value));

/**
 * Serialises a JSON value deterministically. Members whose value is undefined are omitted (as
 * JSON.stringify does); non-finite numbers, bigints, functions and symbols are rejected because they
 * have no single JSON spelling.
 */
export function canonicalJson(value: unknown): string {
  return memberJson(value);
}

function checkedCanonical(value: unknown): string {
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
        return `[${value.map((item: unknown) => (item === undefined ? 'null' : memberJson(item))).join(',')}]`;
      }
      const obj = value as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(obj).sort()) {
        const member = obj[key];
        if (member === undefined) continue;
        parts.push(`${JSON.stringify(key)}:${memberJson(member)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: cannot serialise a ${typeof value}`);
  }
}

/**
 * Canonical JSON of `record` without, then with, one extra top-level string member whose value is
 * computed from the first form (the writer's hash): each member is serialised only once. When every
 * member is plain sorted data (the writer's records), the members on either side of the extra key
 * are serialised by two native JSON.stringify calls instead of one call per member.
 */
export function canonicalJsonWith(record: Record<string, unknown>, extraKey: string, compute: (without: string) => string): { without: string; with: string; value: string } {
  const keys = Object.keys(record).filter((k) => k !== extraKey && record[k] !== undefined).sort();
  let at = keys.findIndex((k) => k > extraKey);
  if (at === -1) at = keys.length;
  if (keys.every((k) => stringifiesCanonically(record[k], 1))) {
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i += 1) {
      const k = keys[i] as string;
      (i < at ? before : after)[k] = record[k];
    }
    // integer-like keys ("0", "12") would be listed first by JSON.stringify whatever the order
    if (sortedAsListed(before, keys, 0, at) && sortedAsListed(after, keys, at, keys.length)) {
      const head = at === 0 ? '' : JSON.stringify(before).slice(1, -1);
      const tail = at === keys.length ? '' : JSON.stringify(after).slice(1, -1);
      const without = `{${head}${head !== '' && tail !== '' ? ',' : ''}${tail}}`;
      const value = compute(without);
      const member = `${JSON.stringify(extraKey)}:${JSON.stringify(value)}`;
      return { without, with: `{${head}${head === '' ? '' : ','}${member}${tail === '' ? '' : ','}${tail}}`, value };
    }
  }
  const parts = keys.map((k) => `${JSON.stringify(k)}:${memberJson(record[k])}`);
  const without = `{${parts.join(',')}}`;
  const value = compute(without);
  parts.splice(at, 0, `${JSON.stringify(extraKey)}:${JSON.stringify(value)}`);
  return { without, with: `{${parts.join(',')}}`, value };
}

function sortedAsListed(obj: Record<string, unknown>, keys: readonly string[], from: number, to: number): boolean {
  const listed = Object.keys(obj);
  for (let i = from; i < to; i += 1) if (listed[i - from] !== keys[i]) return false;
  return true;
}
