import { X509Certificate, createPrivateKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCa, createCsr, describeCertificate, generateRsaKeyPair, readCsr, signCsr, type CaMaterial,
} from '../../../src/certs/index.js';
import { openssl, tempDir } from './helpers.js';

const tmp = tempDir();
let ca: CaMaterial;
beforeAll(async () => { ca = await createCa({ cn: 'CSR Test CA' }); });
afterAll(() => tmp.cleanup());

/** Flips one bit inside the DER of a PEM block, at a byte offset from the start. */
function flipByte(pem: string, offset: number): string {
  const [head, ...rest] = pem.trim().split('\n');
  const footer = rest.pop();
  const der = Buffer.from(rest.join(''), 'base64');
  der[offset] = der[offset]! ^ 0x01;
  const body = der.toString('base64').match(/.{1,64}/g)?.join('\n') ?? '';
  return `${head}\n${body}\n${footer}\n`;
}

describe('CSRs', () => {
  it('round trip: createCsr → signCsr keeps CN, SANs and key', async () => {
    const { csrPem, keyPem } = await createCsr({ cn: 'broker-zone1', sans: ['broker.zone1.example', '198.51.100.2'] });
    expect(csrPem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readCsr(csrPem)).toMatchObject({ cn: 'broker-zone1', sans: ['DNS:broker.zone1.example', 'IP:198.51.100.2'] });
    const { certPem } = signCsr(ca, csrPem, { kind: 'server', days: 30 });
    const x = new X509Certificate(certPem);
    expect(x.checkIssued(new X509Certificate(ca.certPem))).toBe(true);
    expect(x.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
    expect(describeCertificate(certPem)).toMatchObject({ subject: 'broker-zone1', sans: ['broker.zone1.example', '198.51.100.2'], extKeyUsage: ['serverAuth'] });
    // openssl agrees the CSR is self-signed correctly
    writeFileSync(join(tmp.dir, 'r.csr'), csrPem);
    expect(() => openssl(['req', '-in', 'r.csr', '-noout', '-verify'], tmp.dir)).not.toThrow();
  });

  it('uses a given key, and adds extra SANs on signing (as CloudStack adds domain/ipaddress)', async () => {
    const pair = await generateRsaKeyPair();
    const { csrPem, keyPem } = await createCsr({ cn: 'agent', keyPem: pair.privateKeyPem });
    expect(keyPem).toBe(pair.privateKeyPem);
    const { certPem } = signCsr(ca, csrPem, { kind: 'client', extraSans: ['10.0.0.7'] });
    expect(describeCertificate(certPem).sans).toEqual(['10.0.0.7']);
  });

  it('signs an openssl-made CSR with a SAN extension and a multi-attribute subject', () => {
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'o.key', '-out', 'o.csr',
      '-subj', '/O=cloudstack/OU=cloudstack/CN=kvm-host-1', '-addext', 'subjectAltName=DNS:kvm1.example,IP:10.1.1.9'], tmp.dir);
    const csrPem = openssl(['req', '-in', 'o.csr'], tmp.dir);
    const { certPem } = signCsr(ca, csrPem, { kind: 'client' });
    const info = describeCertificate(certPem);
    expect(info).toMatchObject({ subject: 'kvm-host-1', sans: ['kvm1.example', '10.1.1.9'] });
    expect(info.subjectDn).toBe('O=cloudstack, OU=cloudstack, CN=kvm-host-1');
  });

  it('refuses a tampered CSR (signature check before anything is signed)', async () => {
    const { csrPem } = await createCsr({ cn: 'victim', sans: ['a.example'] });
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const cnAt = der.indexOf(Buffer.from('victim'));
    expect(cnAt).toBeGreaterThan(0);
    const tampered = flipByte(csrPem, cnAt); // 'victim' → 'wictim'
    expect(() => signCsr(ca, tampered, { kind: 'client' })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CSR_SIGNATURE' }) as Error);
    const sanAt = der.indexOf(Buffer.from('a.example'));
    expect(() => signCsr(ca, flipByte(csrPem, sanAt), { kind: 'client' })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CSR_SIGNATURE' }) as Error);
    expect(() => signCsr(ca, flipByte(csrPem, der.length - 3), { kind: 'client' })).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_CSR_SIGNATURE' }) as Error);
  });

  it('refuses garbage, EC CSRs, several CNs and a CSR that is not PEM', () => {
    expect(() => readCsr('hello')).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_INVALID' }) as Error);
    expect(() => readCsr(ca.certPem)).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_INVALID' }) as Error);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ec.key', '-out', 'ec.csr', '-subj', '/CN=ec'], tmp.dir);
    expect(() => readCsr(openssl(['req', '-in', 'ec.csr'], tmp.dir))).toThrow(/RSA/);
    openssl(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'm.key', '-out', 'm.csr', '-subj', '/CN=admin/CN=nobody', '-multivalue-rdn'], tmp.dir);
    expect(() => readCsr(openssl(['req', '-in', 'm.csr'], tmp.dir))).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_NAME_INVALID' }) as Error);
  });
});
