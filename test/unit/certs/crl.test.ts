// Revocation: node-forge 1.x cannot build CRLs, so `openssl ca` makes one for certificates this
// module issued; node's TLS `crl` option must then refuse the revoked client in the handshake.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCa, describeCertificate, describeCrl, issueCertificate, loadCrl, type CaMaterial, type IssuedCertificate,
} from '../../../src/certs/index.js';
import { openssl, startMtlsServer, tempDir, tryConnect, waitFor } from './helpers.js';

const tmp = tempDir();
let ca: CaMaterial;
let server: IssuedCertificate;
let good: IssuedCertificate;
let revoked: IssuedCertificate;
let crlPem: string;

function opensslCa(dir: string, caMaterial: CaMaterial): (args: string[]) => string {
  writeFileSync(join(dir, 'ca.pem'), caMaterial.certPem);
  writeFileSync(join(dir, 'ca-key.pem'), caMaterial.keyPem, { mode: 0o600 });
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '1000\n');
  writeFileSync(join(dir, 'ca.cnf'), [
    '[ ca ]', 'default_ca = dev', '[ dev ]', `dir = ${dir}`, 'database = $dir/index.txt', 'crlnumber = $dir/crlnumber',
    'default_md = sha256', 'default_crl_days = 7', '',
  ].join('\n'));
  return (args) => openssl(['ca', '-batch', '-config', 'ca.cnf', '-keyfile', 'ca-key.pem', '-cert', 'ca.pem', ...args], dir);
}

beforeAll(async () => {
  ca = await createCa({ cn: 'CRL Test CA' });
  [server, good, revoked] = await Promise.all([
    issueCertificate({ ca, kind: 'server', cn: 'broker', sans: ['127.0.0.1'] }),
    issueCertificate({ ca, kind: 'client', cn: 'still-trusted' }),
    issueCertificate({ ca, kind: 'client', cn: 'revoked-client' }),
  ]);
  writeFileSync(join(tmp.dir, 'revoked.pem'), revoked.certPem);
  const run = opensslCa(tmp.dir, ca);
  run(['-revoke', 'revoked.pem', '-crl_reason', 'keyCompromise']);
  run(['-gencrl', '-out', 'crl.pem']);
  crlPem = openssl(['crl', '-in', 'crl.pem'], tmp.dir);
});
afterAll(() => tmp.cleanup());

describe('CRLs', () => {
  it('node-forge 1.x has no CRL builder (why CRLs come from openssl or the CA)', () => {
    const pki = forge.pki as unknown as Record<string, unknown>;
    expect(Object.keys(pki).filter((k) => /crl|revocation/i.test(k))).toEqual([]);
  });

  it('reads the openssl CRL: revoked serials, update times, signed by the CA', () => {
    const info = loadCrl(crlPem, { caPem: ca.certPem });
    expect(info.revokedSerials).toEqual([describeCertificate(revoked.certPem).serial]);
    expect(describeCrl(crlPem)).toEqual(info);
    expect(Date.parse(info.nextUpdate ?? '') - Date.parse(info.thisUpdate)).toBe(7 * 86_400_000);
  });

  it('refuses a CRL from another CA, an expired CRL and non-CRL input', async () => {
    const other = await createCa({ cn: 'Other CA' });
    expect(() => loadCrl(crlPem, { caPem: other.certPem })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CRL_INVALID', message: expect.stringMatching(/not signed by/) }) as Error);
    expect(() => loadCrl(crlPem, { caPem: ca.certPem, now: new Date(Date.now() + 8 * 86_400_000) })).toThrow(/expired/);
    expect(() => loadCrl(ca.certPem, { caPem: ca.certPem })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CRL_INVALID' }) as Error);
    const tampered = crlPem.replace(/\n([A-Za-z0-9+/]{10})/, (_m, s: string) => `\n${s.slice(0, 5)}${s[5] === 'A' ? 'B' : 'A'}${s.slice(6)}`);
    expect(() => loadCrl(tampered, { caPem: ca.certPem })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CRL_INVALID' }) as Error);
  });

  it('a TLS server with the CRL refuses the revoked client in the handshake and accepts the other', async () => {
    const api = await startMtlsServer({ cert: server.certPem, key: server.keyPem ?? '', ca: ca.certPem, crl: crlPem });
    try {
      const client = (c: IssuedCertificate): { ca: string; cert: string; key: string } => ({ ca: ca.certPem, cert: c.certPem, key: c.keyPem ?? '' });
      expect(await tryConnect(api.port, client(good))).toMatchObject({ ok: true });
      const n = api.rejections.length;
      expect((await tryConnect(api.port, client(revoked))).ok).toBe(false);
      await waitFor(api.rejections, n + 1);
      expect(api.rejections[n]).toBe('CERT_REVOKED');
      expect(api.peers.map((p) => p.subject.CN)).toEqual(['still-trusted']);
    } finally {
      await api.close();
    }
    // control: without the CRL the same certificate is accepted, so the CRL made the difference
    const open = await startMtlsServer({ cert: server.certPem, key: server.keyPem ?? '', ca: ca.certPem });
    try {
      expect(await tryConnect(open.port, { ca: ca.certPem, cert: revoked.certPem, key: revoked.keyPem ?? '' })).toMatchObject({ ok: true });
    } finally {
      await open.close();
    }
  });
});
