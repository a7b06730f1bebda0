import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatExpires, javaUrlEncode, normaliseExpires, signRequest, stringToSign } from '../../../src/cloudstack/index.js';
import { VnfError } from '../../../src/errors.js';
import { javaUrlEncoderEncode, parseExpires, parseParameters, verifyRequest } from '../../simulators/cloudstack/index.js';

// Vector A: apache/cloudstack-documentation dev.rst, "How to sign an API call with Python"
const A = {
  apiKey: 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg',
  secretKey: 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ',
};

const serverAccepts = (query: string, user: { apiKey: string; secretKey: string }, now = new Date('2029-01-01T00:00:00Z')) =>
  verifyRequest(parseParameters(query), [{ ...user, account: 'a', userId: 'u' }], { now });

describe('CloudStack request signing', () => {
  it('reproduces the documented vector A exactly', () => {
    const s = signRequest({ ...A, params: { command: 'listUsers', response: 'json' }, signatureVersion: 2 });
    expect(s.stringToSign).toBe('apikey=plgwjfzk4gys3momtvmjuvg-x-jlwlnfauj9gabbbf9edm-kaymmailqzzq1elzlyq_u38zcm0bewzgudp66mg&command=listusers&response=json');
    expect(s.signature).toBe('TTpdDq/7j/J58XCRHomKoQXEQds=');
    expect(s.query.endsWith('&signature=TTpdDq%2F7j%2FJ58XCRHomKoQXEQds%3D')).toBe(true);
    expect(serverAccepts(s.query, A)).toMatchObject({ ok: true });
  });

  it('vector B: signatureversion 3 + expires, a value with space ! \' ( ) ~ * / + = & (HMAC checked with openssl)', () => {
    const s = signRequest({
      apiKey: 'csb-api-key', secretKey: 'csb-secret-key', signatureVersion: 3, expires: '2030-01-01T00:00:00+0000',
      params: { command: 'addAnnotation', response: 'json', entityid: '6f1d9a4e-3c2b-4d5e-8f90-1a2b3c4d5e6f', entitytype: 'VM', annotation: "Hello World! it's (a) ~test* /path+x=y&z" },
    });
    expect(s.stringToSign).toBe('annotation=hello%20world%21%20it%27s%20%28a%29%20%7etest*%20%2fpath%2bx%3dy%26z&apikey=csb-api-key'
      + '&command=addannotation&entityid=6f1d9a4e-3c2b-4d5e-8f90-1a2b3c4d5e6f&entitytype=vm&expires=2030-01-01t00%3a00%3a00%2b0000'
      + '&response=json&signatureversion=3');
    expect(s.signature).toBe('UA4fn0xS97E0C9OT682/0c1PGXE=');
    expect(serverAccepts(s.query, { apiKey: 'csb-api-key', secretKey: 'csb-secret-key' })).toMatchObject({ ok: true });
  });

  it('vector C: unicode values and mixed-case names sorted before lowercasing (as the server does)', () => {
    const s = signRequest({
      apiKey: 'csc-api-key', secretKey: 'csc-secret-key', expires: '2031-06-15T08:30:00+0000',
      params: { command: 'listVirtualMachines', response: 'json', keyword: 'Zürich – 東京 🚀', 'Details[0].Key': 'Mixed', 'details[0].value': 'a b' },
    });
    // 'D' sorts before 'a': the lowercased string is not in lowercase order
    expect(s.stringToSign).toBe('details[0].key=mixed&apikey=csc-api-key&command=listvirtualmachines&details[0].value=a%20b'
      + '&expires=2031-06-15t08%3a30%3a00%2b0000&keyword=z%c3%bcrich%20%e2%80%93%20%e6%9d%b1%e4%ba%ac%20%f0%9f%9a%80'
      + '&response=json&signatureversion=3');
    expect(s.signature).toBe('I3L271wWo4IrqCxztceMxksLi2o=');
    expect(serverAccepts(s.query, { apiKey: 'csc-api-key', secretKey: 'csc-secret-key' })).toMatchObject({ ok: true });
  });

  it('encodes like java.net.URLEncoder + %20 for any string (property, against the simulator encoder)', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme' }), (s) => {
      expect(javaUrlEncode(s)).toBe(javaUrlEncoderEncode(s).replace(/\+/g, '%20'));
    }), { numRuns: 500 });
    expect(javaUrlEncode("!'()~*-_. ")).toBe('%21%27%28%29%7E*-_.%20');
  });

  it('any signed parameter set verifies on the server side; a changed value does not (property)', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/).filter((n) => !['apikey', 'signature', 'signatureversion', 'expires'].includes(n));
    fc.assert(fc.property(fc.dictionary(name, fc.string({ unit: 'grapheme' }), { minKeys: 1, maxKeys: 6 }), (params) => {
      const user = { apiKey: 'k-1', secretKey: 's-1' };
      const s = signRequest({ ...user, params, expires: '2030-01-01T00:00:00+0000' });
      expect(serverAccepts(s.query, user)).toMatchObject({ ok: true });
      const [first] = Object.keys(params);
      const tampered = signRequest({ ...user, params: { ...params, [first as string]: `${params[first as string]}x` }, expires: '2030-01-01T00:00:00+0000' });
      const forged = tampered.query.replace(/signature=[^&]*$/, `signature=${encodeURIComponent(s.signature)}`);
      expect(serverAccepts(forged, user)).toMatchObject({ ok: false, reason: 'signature mismatch' });
    }), { numRuns: 200 });
  });

  it('expires: the safe +0000 form, kept verbatim or converted from other ISO forms', () => {
    expect(formatExpires(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe('2026-01-02T03:04:05+0000');
    expect(normaliseExpires('2026-01-02T08:34:05+0530')).toBe('2026-01-02T08:34:05+0530');
    expect(normaliseExpires('2026-01-02T03:04:05.999Z')).toBe('2026-01-02T03:04:05+0000');
    expect(normaliseExpires('2026-01-02T09:04:05+06:00')).toBe('2026-01-02T03:04:05+0000');
    expect(() => normaliseExpires('tomorrow')).toThrow(VnfError);
    // what older releases parse: only the +hhmm form
    expect(parseExpires('2026-01-02T03:04:05Z', 'legacy')).toBeUndefined();
    expect(parseExpires('2026-01-02T03:04:05+0000', 'legacy')?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(parseExpires('2026-01-02T03:04:05.5+01:00', 'modern')?.toISOString()).toBe('2026-01-02T02:04:05.500Z');
  });

  it('refuses what it cannot sign faithfully', () => {
    const base = { apiKey: 'k', secretKey: 's', expires: '2030-01-01T00:00:00+0000' };
    expect(() => signRequest({ ...base, params: { 'bad name': 'x' } })).toThrow(/characters other than/);
    expect(() => signRequest({ ...base, params: { signature: 'x' } })).toThrow(/set by the signer/);
    expect(() => signRequest({ ...base, params: { Name: 'a', name: 'b' } })).toThrow(/given twice/);
    expect(() => signRequest({ ...base, params: { a: '\uD800' } })).toThrow(/surrogate/);
    expect(() => signRequest({ apiKey: 'k', secretKey: 's', params: { a: 'b' } })).toThrow(/needs expires/);
    expect(() => signRequest({ ...base, signatureVersion: 2, params: { a: 'b' } })).toThrow(/only checked/);
    expect(stringToSign([['b', '1'], ['signature', 'x'], ['A', '2']])).toBe('a=2&b=1');
  });
});
