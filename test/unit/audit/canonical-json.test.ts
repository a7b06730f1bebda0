import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GENESIS_PREV, canonicalJson, chainHash, recordHash } from '../../../src/audit/index.js';
import { createHash } from 'node:crypto';

describe('canonical JSON', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } }))
      .toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('omits undefined members, escapes strings like JSON.stringify, keeps unicode', () => {
    expect(canonicalJson({ u: undefined, s: 'a"b\\c\n\u0001é€😀' })).toBe(`{"s":${JSON.stringify('a"b\\c\n\u0001é€😀')}}`);
  });

  it('rejects values that have no single JSON spelling', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
    expect(() => canonicalJson({ n: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ b: 1n })).toThrow(TypeError);
  });

  it('is stable under parse/re-serialise and independent of key insertion order', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const once = canonicalJson(value);
      expect(canonicalJson(JSON.parse(once))).toBe(once);
      expect(JSON.parse(once)).toEqual(JSON.parse(JSON.stringify(value)));
      // same members as JSON.stringify, only reordered: so exactly as long (no whitespace added)
      expect(once.length).toBe(JSON.stringify(value).length);
    }), { numRuns: 300 });
  });
});

describe('hash chain', () => {
  it('hash = SHA-256(prev || canonical body without hash)', () => {
    const body = { seq: 1, time: '2026-01-01T00:00:00.000Z', type: 'api.request', prev: GENESIS_PREV };
    const expected = createHash('sha256').update(GENESIS_PREV + canonicalJson(body)).digest('hex');
    expect(chainHash(GENESIS_PREV, canonicalJson(body))).toBe(expected);
    expect(recordHash({ ...body, hash: 'ignored' })).toBe(expected);
    expect(GENESIS_PREV).toMatch(/^0{64}$/);
  });

  it('HMAC mode differs from plain mode and depends on the key', () => {
    const body = canonicalJson({ seq: 1, prev: GENESIS_PREV });
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    expect(chainHash(GENESIS_PREV, body, k1)).not.toBe(chainHash(GENESIS_PREV, body));
    expect(chainHash(GENESIS_PREV, body, k1)).not.toBe(chainHash(GENESIS_PREV, body, k2));
  });
});
