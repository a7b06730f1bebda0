import { describe, expect, it } from 'vitest';
import { REDACTED, Redactor, buildRecordBody, collectSecrets, truncateUtf8 } from '../../../src/audit/index.js';

const SECRET = 'S3cr3t/Pa ss+wörd:42';
const forms = (s: string): string[] => [
  s, encodeURIComponent(s), Buffer.from(s).toString('base64'), Buffer.from(`admin:${s}`).toString('base64'),
];

function expectClean(text: string, secret = SECRET): void {
  for (const form of forms(secret)) expect(text, form).not.toContain(form);
}

describe('Redactor.text', () => {
  const r = new Redactor([SECRET]);

  it('removes a known secret raw, percent-encoded, form-encoded and JSON-escaped', () => {
    const pct = encodeURIComponent(SECRET);
    const lowerHex = pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    const out = r.text(`pw=${SECRET} url=https://h/x?p=${pct} lower=${lowerHex} form=${pct.replace(/%20/g, '+')} json="${JSON.stringify(SECRET).slice(1, -1)}"`);
    expectClean(out);
    expect(out).toContain(REDACTED);
    expect(out).not.toContain(lowerHex);
  });

  it('removes base64 forms, including a secret inside a longer blob at any byte offset', () => {
    const basic = Buffer.from(`admin:${SECRET}`).toString('base64');
    expectClean(r.text(`curl -H 'X-Trace: 1' -H "Proxy: Basic ${basic}" https://203.0.113.10/api`));
    for (const prefix of ['', 'a', 'ab', 'abc', 'user-name:']) {
      for (const alphabet of ['base64', 'base64url'] as const) {
        const blob = Buffer.from(`${prefix}${SECRET}-tail`).toString(alphabet);
        const out = r.text(`token blob ${blob}`);
        // the stable middle of the encoding is gone whatever the alignment
        const middle = Buffer.from(SECRET).toString(alphabet).slice(2, -3);
        expect(out, `${prefix}/${alphabet}`).not.toContain(middle);
      }
    }
  });

  it('always redacts sensitive header lines, URL passwords, credential query parameters and CLI secrets', () => {
    const plain = new Redactor();
    expect(plain.text("curl -H 'Authorization: Bearer abc.def' -H 'Cookie: sid=1' x")).toBe("curl -H 'Authorization: ***' -H 'Cookie: ***' x");
    expect(plain.text('https://admin:pw123@203.0.113.10/api?x=1&api_key=k1&password=p2'))
      .toBe('https://admin:***@203.0.113.10/api?x=1&api_key=***&password=***');
    expect(plain.text('set system login user vyos authentication plaintext-password hunter22'))
      .toBe('set system login user vyos authentication plaintext-password ***');
    expect(plain.text('neighbor 198.51.100.1 password 7 0822455D0A16')).toBe('neighbor 198.51.100.1 password 7 ***');
    expect(plain.text('{"user":"admin","api_secret":"xyz","n":{"token":"t\\"q"}}')).toBe('{"user":"admin","api_secret":"***","n":{"token":"***"}}');
    expect(plain.text('show ip bgp summary')).toBe('show ip bgp summary');
  });

  it('uses per-call secrets without registering them', () => {
    const fresh = new Redactor();
    expect(fresh.text('say hunter2', { secrets: ['hunter2'] })).toBe('say ***');
    expect(fresh.text('say hunter2')).toBe('say hunter2');
  });
});

describe('structured redaction', () => {
  const r = new Redactor();

  it('redacts credential-named keys deep inside objects and extra secret-typed fields', () => {
    const out = r.value({ user: 'admin', credentials: { password: 'p' }, nested: [{ private_key: 'k', psk_name: 'n' }], vpn: 'v' }, { fields: ['vpn'] });
    expect(out).toEqual({ user: 'admin', credentials: REDACTED, nested: [{ private_key: REDACTED, psk_name: 'n' }], vpn: REDACTED });
  });

  it('redacts sensitive header names whatever their value', () => {
    expect(r.headers({ Authorization: 'Basic x', 'X-API-Key': 'k', Cookie: 'c', Accept: 'application/json' }))
      .toEqual({ Authorization: REDACTED, 'X-API-Key': REDACTED, Cookie: REDACTED, Accept: 'application/json' });
  });

  it('collects credential values from an appliance context, not user names or paths', () => {
    const ctx = { id: 'x', credentials: { username: 'admin', password: 'p1', api_secret: 'p2', private_key_file: '/k' }, jump: [{ username: 'j', passphrase: 'p3' }], cs_data: { vnf_api_key: 'p4' } };
    expect(collectSecrets(ctx).sort()).toEqual(['p1', 'p2', 'p3', 'p4']);
  });
});

describe('excerpts', () => {
  it('redacts before truncating: a secret straddling the bound never leaks a fragment', () => {
    const r = new Redactor();
    const secret = 'Zq9-very-long-secret-value-Zq9';
    for (let pad = 480; pad <= 512; pad += 1) {
      const raw = `${'x'.repeat(pad)}${secret}${'y'.repeat(100)}`;
      const excerpt = r.excerpt(raw, 512, { secrets: [secret] });
      expect(Buffer.byteLength(excerpt)).toBeLessThanOrEqual(512);
      expect(excerpt).not.toContain('Zq9-very');
      expect(excerpt.slice(pad)).toMatch(/^(\*{0,3}|\*\*\*y*)$/);
    }
  });

  it('never splits a multi-byte character', () => {
    expect(truncateUtf8('€€€', 7)).toBe('€€');
    expect(truncateUtf8('a😀b', 4)).toBe('a');
    expect(truncateUtf8('short', 512)).toBe('short');
  });

  it('a record body keeps only the SHA-256 of raw output plus a bounded redacted excerpt', () => {
    const r = new Redactor();
    const output = `${'line\n'.repeat(300)}password ${SECRET}\n`;
    const body = buildRecordBody({ type: 'ssh.command', command: `echo ${SECRET}`, output, secrets: [SECRET],
      http: { method: 'POST', url: `https://h/?token=${encodeURIComponent(SECRET)}`, headers: { authorization: 'Basic abc' }, body: `{"password":"${SECRET}"}` } }, r, 512);
    expect(body.output_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.byteLength(body.output_excerpt ?? '')).toBeLessThanOrEqual(512);
    expect(body).not.toHaveProperty('output');
    expect(body).not.toHaveProperty('secrets');
    expect(body.http?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.http).not.toHaveProperty('body');
    expectClean(JSON.stringify(body));
  });
});
