import { describe, expect, it } from 'vitest';
import { matchIdentity, normaliseFingerprint256, type Principal } from '../../../src/certs/index.js';
import { parseSubjectAltNameText } from '../../../src/certs/names.js';
import { sanValues } from '../../../src/certs/inspect.js';

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';
const principal: Principal = { subject: 'cloudstack-mgmt', sans: ['mgmt.example', '10.1.1.5', '2001:db8::5'], fingerprint256: FP, serial: '0A' };

describe('matchIdentity', () => {
  it('matches by CN exactly', () => {
    expect(matchIdentity(principal, { cn: 'cloudstack-mgmt' })).toBe(true);
    expect(matchIdentity(principal, { cn: 'cloudstack' })).toBe(false);
    expect(matchIdentity(principal, { cn: '' })).toBe(false);
  });

  it('matches by SAN: DNS case-insensitive, IPs in any spelling', () => {
    expect(matchIdentity(principal, { san: 'Mgmt.Example' })).toBe(true);
    expect(matchIdentity(principal, { san: '2001:DB8:0:0:0:0:0:5' })).toBe(true);
    expect(matchIdentity(principal, { san: '10.1.1.5' })).toBe(true);
    expect(matchIdentity(principal, { san: '10.1.1.50' })).toBe(false);
    expect(matchIdentity(principal, { san: 'example' })).toBe(false);
  });

  it('matches by fingerprint regardless of case, colons and a sha256: prefix', () => {
    expect(matchIdentity(principal, { fingerprint256: FP.toLowerCase() })).toBe(true);
    expect(matchIdentity(principal, { fingerprint256: FP.replace(/:/g, '') })).toBe(true);
    expect(matchIdentity(principal, { fingerprint256: `sha256:${FP}` })).toBe(true);
    expect(matchIdentity(principal, { fingerprint256: FP.slice(0, -3) })).toBe(false);
    expect(normaliseFingerprint256('zz')).toBeUndefined();
  });

  it('every field of a rule must match; an empty rule matches nothing (deny by default)', () => {
    expect(matchIdentity(principal, { cn: 'cloudstack-mgmt', san: 'mgmt.example', fingerprint256: FP })).toBe(true);
    expect(matchIdentity(principal, { cn: 'cloudstack-mgmt', san: 'other.example' })).toBe(false);
    expect(matchIdentity(principal, {})).toBe(false);
    expect(matchIdentity(principal, { role: 'admin' } as never)).toBe(false);
  });

  it('a subject with several CNs matches no single-CN rule', () => {
    expect(matchIdentity({ ...principal, subject: 'admin+nobody' }, { cn: 'admin' })).toBe(false);
  });
});

describe("node's subjectaltname text", () => {
  it('splits entries, unquotes JSON-quoted values and normalises IPs', () => {
    const text = 'DNS:a.example, IP Address:0:0:0:0:0:0:0:1, DNS:"evil.example, DNS:admin", URI:spiffe://x/y, IP Address:10.0.0.1';
    expect(parseSubjectAltNameText(text)).toEqual([
      { type: 'DNS', value: 'a.example' },
      { type: 'IP Address', value: '0:0:0:0:0:0:0:1' },
      { type: 'DNS', value: 'evil.example, DNS:admin' },
      { type: 'URI', value: 'spiffe://x/y' },
      { type: 'IP Address', value: '10.0.0.1' },
    ]);
    const values = sanValues(text);
    expect(values).toEqual(['a.example', '::1', 'evil.example, dns:admin', 'spiffe://x/y', '10.0.0.1']);
    expect(matchIdentity({ ...principal, sans: values }, { san: 'admin' })).toBe(false);
    expect(parseSubjectAltNameText(undefined)).toEqual([]);
  });
});
