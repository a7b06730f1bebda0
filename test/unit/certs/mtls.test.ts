// Real TLS handshakes on 127.0.0.1 with certificates from certs/: what the broker API will do.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCa, issueCertificate, matchIdentity, principalFromPeerCertificate, type CaMaterial, type IssuedCertificate,
} from '../../../src/certs/index.js';
import { startMtlsServer, tryConnect, waitFor, type MtlsServer } from './helpers.js';

let ca: CaMaterial;
let otherCa: CaMaterial;
let server: IssuedCertificate;
let client: IssuedCertificate;
let api: MtlsServer;

beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createCa({ cn: 'mTLS Test CA' }), createCa({ cn: 'Stranger CA' })]);
  [server, client] = await Promise.all([
    issueCertificate({ ca, kind: 'server', cn: 'broker', sans: ['localhost', '127.0.0.1'] }),
    issueCertificate({ ca, kind: 'client', cn: 'cloudstack-mgmt', sans: ['mgmt.example', '10.1.1.5'] }),
  ]);
  api = await startMtlsServer({ cert: server.certPem, key: server.keyPem ?? '', ca: ca.certPem });
});
afterAll(async () => { await api.close(); });

const asClient = (c: IssuedCertificate): { cert: string; key: string } => ({ cert: c.certPem, key: c.keyPem ?? '' });

describe('mTLS with certs from this CA', () => {
  it('accepts a client certificate from the CA, over TLS 1.3 and 1.2', async () => {
    for (const maxVersion of ['TLSv1.3', 'TLSv1.2'] as const) {
      const before = api.peers.length;
      const result = await tryConnect(api.port, { ca: ca.certPem, ...asClient(client), maxVersion });
      expect(result, maxVersion).toMatchObject({ ok: true });
      expect(api.peers.length).toBe(before + 1);
    }
  });

  it('refuses a client without a certificate', async () => {
    const n = api.rejections.length;
    expect((await tryConnect(api.port, { ca: ca.certPem })).ok).toBe(false);
    await waitFor(api.rejections, n + 1);
    expect(api.rejections[n]).toMatch(/peer did not return a certificate/);
  });

  it('refuses a client certificate from another CA', async () => {
    const stranger = await issueCertificate({ ca: otherCa, kind: 'client', cn: 'cloudstack-mgmt' });
    const n = api.rejections.length;
    expect((await tryConnect(api.port, { ca: ca.certPem, ...asClient(stranger) })).ok).toBe(false);
    await waitFor(api.rejections, n + 1);
    expect(api.rejections[n]).toMatch(/^UNABLE_TO_(VERIFY_LEAF_SIGNATURE|GET_ISSUER_CERT_LOCALLY)$/);
  });

  it('refuses an expired client certificate', async () => {
    const expired = await issueCertificate({ ca, kind: 'client', cn: 'cloudstack-mgmt', days: 1, notBefore: new Date(Date.now() - 30 * 86_400_000) });
    const n = api.rejections.length;
    expect((await tryConnect(api.port, { ca: ca.certPem, ...asClient(expired) })).ok).toBe(false);
    await waitFor(api.rejections, n + 1);
    expect(api.rejections[n]).toBe('CERT_HAS_EXPIRED');
  });

  it('refuses a server certificate used as a client certificate (extKeyUsage serverAuth only)', async () => {
    const n = api.rejections.length;
    expect((await tryConnect(api.port, { ca: ca.certPem, ...asClient(server) })).ok).toBe(false);
    await waitFor(api.rejections, n + 1);
    expect(api.rejections[n]).toBe('INVALID_PURPOSE');
  });

  it('the client verifies the server by CA and name or IP; a wrong name or CA is refused', async () => {
    const mine = asClient(client);
    expect(await tryConnect(api.port, { ca: ca.certPem, ...mine, servername: 'localhost' })).toMatchObject({ ok: true });
    expect(await tryConnect(api.port, { ca: ca.certPem, ...mine })).toMatchObject({ ok: true }); // IP SAN 127.0.0.1
    expect(await tryConnect(api.port, { ca: ca.certPem, ...mine, servername: 'other.example' }))
      .toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(await tryConnect(api.port, { ca: otherCa.certPem, ...mine, servername: 'localhost' }))
      .toMatchObject({ ok: false, error: expect.stringMatching(/^(SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)$/) });
  });

  it('an IP-only server certificate is refused for a host name, accepted for its IP', async () => {
    const ipOnly = await issueCertificate({ ca, kind: 'server', cn: 'ip-only', sans: ['127.0.0.1'] });
    const other = await startMtlsServer({ cert: ipOnly.certPem, key: ipOnly.keyPem ?? '', ca: ca.certPem });
    try {
      expect((await tryConnect(other.port, { ca: ca.certPem, ...asClient(client) })).ok).toBe(true);
      expect(await tryConnect(other.port, { ca: ca.certPem, ...asClient(client), servername: 'localhost' }))
        .toMatchObject({ ok: false, error: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      await other.close();
    }
  });
});

describe('principal from a real handshake', () => {
  it('maps the peer certificate to CN, SANs, fingerprint and serial, on both sides', async () => {
    const result = await tryConnect(api.port, { ca: ca.certPem, ...asClient(client) });
    expect(result.ok).toBe(true);
    const peer = api.peers.at(-1);
    expect(peer).toBeDefined();
    const principal = principalFromPeerCertificate(peer!);
    const x = new X509Certificate(client.certPem);
    expect(principal).toEqual({ subject: 'cloudstack-mgmt', sans: ['mgmt.example', '10.1.1.5'], fingerprint256: x.fingerprint256, serial: x.serialNumber.toUpperCase() });
    expect(principalFromPeerCertificate(x)).toEqual(principal);
    expect(principalFromPeerCertificate(result.server!)).toMatchObject({ subject: 'broker', sans: ['localhost', '127.0.0.1'] });

    expect(matchIdentity(principal, { cn: 'cloudstack-mgmt' })).toBe(true);
    expect(matchIdentity(principal, { cn: 'CloudStack-Mgmt' })).toBe(false);
    expect(matchIdentity(principal, { san: 'MGMT.example' })).toBe(true);
    expect(matchIdentity(principal, { san: '10.1.1.5' })).toBe(true);
    expect(matchIdentity(principal, { san: 'other.example' })).toBe(false);
    expect(matchIdentity(principal, { fingerprint256: x.fingerprint256.toLowerCase() })).toBe(true);
    expect(matchIdentity(principal, { fingerprint256: x.fingerprint256.replace(/:/g, '') })).toBe(true);
    expect(matchIdentity(principal, { cn: 'cloudstack-mgmt', fingerprint256: new X509Certificate(server.certPem).fingerprint256 })).toBe(false);
  });

  it('a certificate from another CA with the same CN never reaches role mapping', async () => {
    const impostor = await issueCertificate({ ca: otherCa, kind: 'client', cn: 'cloudstack-mgmt', sans: ['mgmt.example'] });
    const before = api.peers.length;
    expect((await tryConnect(api.port, { ca: ca.certPem, ...asClient(impostor) })).ok).toBe(false);
    expect(api.peers.length).toBe(before);
  });

  it('no peer certificate is an error, not an empty principal', () => {
    expect(() => principalFromPeerCertificate({} as never)).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_INVALID', stage: 'auth' }) as Error);
  });
});
