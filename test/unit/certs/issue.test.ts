import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCa, describeCertificate, generateRsaKeyPair, issueCertificate, loadCa, parseSan, parseSans, type CaMaterial,
} from '../../../src/certs/index.js';
import { openssl, tempDir } from './helpers.js';

let ca: CaMaterial;
let otherCa: CaMaterial;
const tmp = tempDir();
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([createCa({ cn: 'Unit Test CA' }), createCa({ cn: 'Other CA' })]);
});
afterAll(() => tmp.cleanup());

describe('createCa', () => {
  it('makes a self-signed RSA CA with a PKCS#8 key', () => {
    const x = new X509Certificate(ca.certPem);
    expect(x.ca).toBe(true);
    expect(x.checkIssued(x)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(x.checkPrivateKey(createPrivateKey(ca.keyPem))).toBe(true);
    const info = describeCertificate(ca.certPem);
    expect(info).toMatchObject({ subject: 'Unit Test CA', issuer: 'Unit Test CA', isCa: true, keyType: 'rsa', keyBits: 2048 });
    const days = (Date.parse(info.notAfter) - Date.parse(info.notBefore)) / 86_400_000;
    expect(days).toBe(3650);
  });

  it('has CA extensions openssl accepts (keyCertSign, cRLSign, pathlen 0)', () => {
    writeFileSync(join(tmp.dir, 'ca.pem'), ca.certPem);
    const text = openssl(['x509', '-in', 'ca.pem', '-noout', '-text'], tmp.dir);
    expect(text).toMatch(/CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Certificate Sign, CRL Sign/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
  });

  it('3072-bit keys on request; other sizes refused', async () => {
    const big = await createCa({ cn: 'Big CA', keyBits: 3072, days: 1 });
    expect(describeCertificate(big.certPem).keyBits).toBe(3072);
    await expect(createCa({ cn: 'x', keyBits: 1024 as 2048 })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID' });
    await expect(createCa({ cn: 'x', days: 0 })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID' });
  });
});

describe('issueCertificate', () => {
  it('server and client certificates chain to the CA with the right extensions', async () => {
    const caX = new X509Certificate(ca.certPem);
    const server = await issueCertificate({ ca, kind: 'server', cn: 'broker', sans: ['broker.example', '127.0.0.1', '::1'] });
    const client = await issueCertificate({ ca, kind: 'client', cn: 'cloudstack-mgmt' });
    for (const issued of [server, client]) {
      const x = new X509Certificate(issued.certPem);
      expect(x.checkIssued(caX)).toBe(true);
      expect(x.verify(caX.publicKey)).toBe(true);
      expect(x.verify(new X509Certificate(otherCa.certPem).publicKey)).toBe(false);
      expect(x.ca).toBe(false);
      expect(x.checkPrivateKey(createPrivateKey(issued.keyPem ?? ''))).toBe(true);
    }
    expect(describeCertificate(server.certPem)).toMatchObject({ subject: 'broker', issuer: 'Unit Test CA', extKeyUsage: ['serverAuth'], sans: ['broker.example', '127.0.0.1', '::1'] });
    expect(describeCertificate(client.certPem)).toMatchObject({ subject: 'cloudstack-mgmt', extKeyUsage: ['clientAuth'], sans: [] });
    const sx = new X509Certificate(server.certPem);
    expect(sx.checkHost('broker.example')).toBe('broker.example');
    expect(sx.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(sx.checkIP('::1')).toBe('::1');
    expect(sx.checkHost('other.example')).toBeUndefined();

    writeFileSync(join(tmp.dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(tmp.dir, 'server.pem'), server.certPem);
    writeFileSync(join(tmp.dir, 'client.pem'), client.certPem);
    const text = openssl(['x509', '-in', 'server.pem', '-noout', '-text'], tmp.dir);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Key Encipherment/);
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/Subject Key Identifier/);
    expect(openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslserver', 'server.pem'], tmp.dir)).toMatch(/OK/);
    expect(openssl(['verify', '-CAfile', 'ca.pem', '-purpose', 'sslclient', 'client.pem'], tmp.dir)).toMatch(/OK/);
    // the AKI of the leaf is the CA's SKI
    const ski = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(openssl(['x509', '-in', 'ca.pem', '-noout', '-text'], tmp.dir))?.[1];
    expect(ski).toBeDefined();
    expect(/Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1]).toBe(ski);
  });

  it('uses random positive 128-bit serials', async () => {
    const serials = await Promise.all([1, 2, 3].map(async () => describeCertificate((await issueCertificate({ ca, kind: 'client', cn: 'c' })).certPem).serial));
    expect(new Set(serials).size).toBe(3);
    for (const s of serials) {
      expect(s.length).toBeGreaterThanOrEqual(30);
      expect(s.length).toBeLessThanOrEqual(32);
      expect(parseInt(s.slice(0, 2), 16)).toBeLessThan(0x80);
    }
  });

  it('certifies a given public key and returns no private key', async () => {
    const pair = await generateRsaKeyPair();
    const issued = await issueCertificate({ ca, kind: 'client', cn: 'external', publicKeyPem: pair.publicKeyPem });
    expect(issued.keyPem).toBeUndefined();
    expect(new X509Certificate(issued.certPem).checkPrivateKey(createPrivateKey(pair.privateKeyPem))).toBe(true);
  });

  it('honours days and notBefore, and never outlives the CA', async () => {
    const past = new Date(Date.now() - 10 * 86_400_000);
    const expired = describeCertificate((await issueCertificate({ ca, kind: 'client', cn: 'old', days: 1, notBefore: past })).certPem);
    expect(Date.parse(expired.notAfter)).toBeLessThan(Date.now());
    const shortCa = await createCa({ cn: 'Short CA', days: 2 });
    const leaf = describeCertificate((await issueCertificate({ ca: shortCa, kind: 'client', cn: 'x', days: 365 })).certPem);
    expect(leaf.notAfter).toBe(describeCertificate(shortCa.certPem).notAfter);
  });

  it('refuses a non-CA, a CA with the wrong key, EC keys, bad names, and a server without SAN', async () => {
    const leaf = await issueCertificate({ ca, kind: 'client', cn: 'leaf' });
    await expect(issueCertificate({ ca: { certPem: leaf.certPem, keyPem: leaf.keyPem ?? '' }, kind: 'client', cn: 'x' }))
      .rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID', message: expect.stringMatching(/not a CA/) });
    expect(() => loadCa({ certPem: ca.certPem, keyPem: otherCa.keyPem })).toThrow(/does not belong/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await expect(issueCertificate({ ca, kind: 'client', cn: 'x', publicKeyPem: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() }))
      .rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID', message: expect.stringMatching(/RSA/) });
    await expect(issueCertificate({ ca, kind: 'server', cn: 'x', sans: ['bad name!'] })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_NAME_INVALID' });
    await expect(issueCertificate({ ca, kind: 'server', cn: 'Not A Host' })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_NAME_INVALID' });
    await expect(issueCertificate({ ca, kind: 'client', cn: '' })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_NAME_INVALID' });
    // a CN that is a host name stands in as the only SAN
    const byCn = await issueCertificate({ ca, kind: 'server', cn: 'only.example' });
    expect(describeCertificate(byCn.certPem).sans).toEqual(['only.example']);
  });

  it('never puts key material in error messages', async () => {
    // drop the second half of the base64 body: always unparseable (flipping letters can leave a valid, wrong key)
    const lines = ca.keyPem.trim().split('\n');
    const broken = [...lines.slice(0, Math.floor(lines.length / 2)), lines.at(-1)].join('\n');
    const error = await issueCertificate({ ca: { certPem: ca.certPem, keyPem: broken }, kind: 'client', cn: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VNF_ERR_CERT_INVALID' });
    const text = `${String((error as Error).message)} ${JSON.stringify(error)}`;
    for (const line of ca.keyPem.split('\n').slice(1, -2)) expect(text).not.toContain(line.slice(0, 20));
  });
});

describe('SAN detection', () => {
  it('tells IPs from DNS names and normalises both', () => {
    expect(parseSan('10.0.0.1')).toEqual({ type: 'ip', value: '10.0.0.1' });
    expect(parseSan('IP:2001:DB8:0:0::1')).toEqual({ type: 'ip', value: '2001:db8::1' });
    expect(parseSan('[::1]')).toEqual({ type: 'ip', value: '::1' });
    expect(parseSan('Mgmt.Example')).toEqual({ type: 'dns', value: 'mgmt.example' });
    expect(parseSan('DNS:*.zone.example')).toEqual({ type: 'dns', value: '*.zone.example' });
    expect(parseSan('localhost')).toEqual({ type: 'dns', value: 'localhost' });
    expect(parseSans(['a.example', 'A.example', '127.0.0.1', '127.0.0.1'])).toHaveLength(2);
    for (const bad of ['', 'a..b', '-a.example', 'a_b.example', 'IP:host.example', '1.2.3', 'x'.repeat(64) + '.example', 'a b']) {
      expect(() => parseSan(bad), bad).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_NAME_INVALID' }) as Error);
    }
  });
});
