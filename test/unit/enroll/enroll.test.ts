import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCa, signCsr } from '../../../src/certs/index.js';
import { CloudStackClient, enrollCertificate, type EnrollApi } from '../../../src/cloudstack/index.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';
import { mtlsGet, startBrokerFromConfig, tempDir } from '../firstboot/broker.js';

let sim: CloudStackSimulator;
let client: CloudStackClient;
const tmp = tempDir('vnf-enroll-');
const mode = (p: string): number => statSync(p).mode & 0o777;
const commands = (): string[] => sim.calls.map((c) => c.command ?? '');

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ https: true, pendingPolls: 2 });
  client = new CloudStackClient({
    endpoint: sim.endpoint, apiKey: sim.user.apiKey, secretKey: sim.user.secretKey, timeoutMs: 10_000, ca: sim.caPem,
    jobs: { initialDelayMs: 20, maxDelayMs: 50 },
  });
});
afterAll(async () => {
  await client.close();
  await sim.close();
  tmp.cleanup();
});
beforeEach(() => { sim.calls.length = 0; });

describe('enrollCertificate against the CloudStack simulator', { timeout: 60_000 }, () => {
  it('issues a server certificate through issueCertificate (job polled), verifies it and installs server.pem/server-key.pem/ca.pem', async () => {
    const out = join(tmp.dir, 'server');
    const r = await enrollCertificate({ client, kind: 'server', cn: 'broker.zone-1', sans: ['127.0.0.1', 'broker.zone-1.example'], days: 30, outDir: out });
    expect(r.action).toBe('issued');
    expect(commands()).toEqual(['issueCertificate', 'queryAsyncJobResult', 'queryAsyncJobResult', 'queryAsyncJobResult', 'listCaCertificate']);
    const issue = sim.calls[0]?.params ?? {};
    expect(issue.csr).toMatch(/BEGIN CERTIFICATE REQUEST/);
    expect(issue).toMatchObject({ domain: 'broker.zone-1.example', ipaddress: '127.0.0.1', duration: '30' });

    const cert = new X509Certificate(readFileSync(join(out, 'server.pem')));
    const ca = new X509Certificate(readFileSync(join(out, 'ca.pem')));
    expect(ca.fingerprint256).toBe(new X509Certificate(sim.caPem).fingerprint256);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:broker.zone-1.example, IP Address:127.0.0.1'); // each SAN once (domain, then ipaddress)
    expect(r.certificate).toMatchObject({ subject: 'broker.zone-1', issuer: 'ca.cloudstack.apache.org', fingerprint256: cert.fingerprint256 });
    expect(r.certificate.days_left).toBeGreaterThanOrEqual(29);
    expect(mode(join(out, 'server-key.pem'))).toBe(0o600);
    expect(mode(out)).toBe(0o700);
    expect(readdirSync(out).sort()).toEqual(['ca.pem', 'server-key.pem', 'server.pem']); // no temp files left
    expect(JSON.stringify(r)).not.toMatch(/PRIVATE KEY/);
  });

  it('a broker started from a config using the enrolled files accepts a --client certificate enrolled the same way, and nothing else', async () => {
    const dir = join(tmp.dir, 'serve');
    const tlsDir = join(dir, 'tls');
    await enrollCertificate({ client, kind: 'server', cn: 'broker.zone-1', sans: ['127.0.0.1', 'localhost'], outDir: tlsDir });
    const mgmt = await enrollCertificate({ client, kind: 'client', cn: 'cloudstack-mgmt.zone-1', outDir: join(dir, 'client') });
    const other = await enrollCertificate({ client, kind: 'client', cn: 'some-kvm-host', outDir: join(dir, 'other') });
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, [
      'listen: 127.0.0.1:0', `state_dir: ${dir}`,
      'tls: { cert_file: tls/server.pem, key_file: tls/server-key.pem, client_ca_file: tls/ca.pem }',
      'clients:', `  - { name: mgmt, match: { fingerprint256: "${mgmt.certificate.fingerprint256}" }, roles: [admin] }`, '',
    ].join('\n'));
    const broker = await startBrokerFromConfig(configFile);
    try {
      const caPem = readFileSync(join(dir, 'client', 'ca.pem'), 'utf8'); // what listCaCertificate returned
      const ok = await mtlsGet(broker.port, '/v1/providers', {
        ca: caPem, cert: readFileSync(mgmt.files.cert, 'utf8'), key: readFileSync(mgmt.files.key, 'utf8'),
      });
      expect(ok.status).toBe(200);
      // a certificate from the same CloudStack CA but not in the role map: the TLS handshake passes, the API refuses
      const denied = await mtlsGet(broker.port, '/v1/providers', {
        ca: caPem, cert: readFileSync(other.files.cert, 'utf8'), key: readFileSync(other.files.key, 'utf8'),
      });
      expect(denied.status).toBe(403);
      await expect(mtlsGet(broker.port, '/v1/providers', { ca: caPem })).rejects.toThrow();
    } finally {
      await broker.close();
    }
  });
});

describe('renewal (--renew-before-days)', { timeout: 60_000 }, () => {
  const out = join(tmp.dir, 'renew');
  const base = { kind: 'server' as const, cn: 'broker.renew', sans: ['127.0.0.1'], outDir: out };

  it('does nothing (no API call) while the installed certificate has more than N days left, renews when it has fewer', async () => {
    const first = await enrollCertificate({ client, ...base, days: 60 });
    sim.calls.length = 0;
    const kept = await enrollCertificate({ client, ...base, days: 60, renewBeforeDays: 30 });
    expect(kept.action).toBe('skipped');
    expect(kept.reason).toMatch(/valid for 59 more days \(more than 30\)/);
    expect(kept.certificate.fingerprint256).toBe(first.certificate.fingerprint256);
    expect(sim.calls).toHaveLength(0);

    const key = readFileSync(join(out, 'server-key.pem'), 'utf8');
    const renewed = await enrollCertificate({ client, ...base, days: 60, renewBeforeDays: 90 });
    expect(renewed.action).toBe('renewed');
    expect(renewed.reason).toMatch(/expires in 59 days \(renew before 90\)/);
    expect(renewed.certificate.fingerprint256).not.toBe(first.certificate.fingerprint256);
    expect(readFileSync(join(out, 'server-key.pem'), 'utf8')).not.toBe(key); // a new key with every renewal
    expect(commands()).toContain('issueCertificate');
  });

  it('renews when the installed pair is broken or the requested names changed', async () => {
    writeFileSync(join(out, 'server-key.pem'), readFileSync(join(tmp.dir, 'server', 'server-key.pem')));
    const fixed = await enrollCertificate({ client, ...base, renewBeforeDays: 30 });
    expect(fixed.action).toBe('renewed');
    expect(fixed.reason).toMatch(/does not belong to the private key/);
    const renamed = await enrollCertificate({ client, ...base, sans: ['127.0.0.1', 'new.example'], renewBeforeDays: 30 });
    expect(renamed.action).toBe('renewed');
    expect(renamed.reason).toMatch(/lacks the requested SAN\(s\) new.example/);
  });

  it('without --renew-before-days existing files are never replaced (no API call) unless forced', async () => {
    sim.calls.length = 0;
    await expect(enrollCertificate({ client, ...base })).rejects.toMatchObject({ code: 'VNF_ERR_CERT_FILE_EXISTS' });
    expect(sim.calls).toHaveLength(0);
    expect((await enrollCertificate({ client, ...base, force: true })).action).toBe('renewed');
  });
});

describe('nothing is installed when CloudStack or its answer is wrong', { timeout: 60_000 }, () => {
  it('a failed issueCertificate job', async () => {
    const out = join(tmp.dir, 'failed');
    sim.jobPlans.set('issueCertificate', { fail: { errorcode: 530, errortext: 'Failed to generate certificate' } });
    try {
      await expect(enrollCertificate({ client, kind: 'server', cn: 'b', sans: ['127.0.0.1'], outDir: out })).rejects.toMatchObject({ code: 'VNF_ERR_CS_JOB_FAILED' });
    } finally {
      sim.jobPlans.delete('issueCertificate');
    }
    expect(existsSync(out)).toBe(false);
  });

  it('a certificate that does not chain to listCaCertificate, one for another key, an empty CA answer', async () => {
    const rogue = await createCa({ cn: 'not the CloudStack CA' });
    const wrongCa: EnrollApi = {
      call: async (command, params) => {
        if (command !== 'issueCertificate') return client.call(command, params);
        const issued = signCsr(rogue, params?.csr ?? '', { kind: 'server', extraSans: ['127.0.0.1'] }); // our key, their CA
        return { certificates: { certificate: issued.certPem, cacertificates: rogue.certPem } };
      },
    };
    const out = join(tmp.dir, 'rogue');
    await expect(enrollCertificate({ client: wrongCa, kind: 'server', cn: 'b', sans: ['127.0.0.1'], outDir: out }))
      .rejects.toMatchObject({ code: 'VNF_ERR_ENROLL_VERIFY', message: expect.stringMatching(/does not chain to a CA returned by listCaCertificate/) });
    const otherKey: EnrollApi = {
      call: async (command, params) => {
        if (command !== 'issueCertificate') return client.call(command, params);
        return client.call('issueCertificate', { domain: 'b', ipaddress: '127.0.0.1', duration: '5' }); // server-made key pair
      },
    };
    await expect(enrollCertificate({ client: otherKey, kind: 'server', cn: 'b', sans: ['127.0.0.1'], outDir: out }))
      .rejects.toMatchObject({ code: 'VNF_ERR_ENROLL_VERIFY', message: expect.stringMatching(/does not belong to the private key/) });
    const empty: EnrollApi = { call: (command, params) => (command === 'listCaCertificate' ? Promise.resolve({}) : client.call(command, params)) };
    await expect(enrollCertificate({ client: empty, kind: 'server', cn: 'b', sans: ['127.0.0.1'], outDir: out }))
      .rejects.toMatchObject({ code: 'VNF_ERR_ENROLL_RESPONSE' });
    expect(existsSync(out)).toBe(false);
  });

  it('bad names are refused before any key is made or call is sent', async () => {
    sim.calls.length = 0;
    await expect(enrollCertificate({ client, kind: 'server', cn: 'x', sans: ['not a name'], outDir: join(tmp.dir, 'n') }))
      .rejects.toMatchObject({ code: 'VNF_ERR_CERT_NAME_INVALID' });
    await expect(enrollCertificate({ client, kind: 'server', cn: 'CN with spaces', outDir: join(tmp.dir, 'n') }))
      .rejects.toMatchObject({ code: 'VNF_ERR_CERT_NAME_INVALID' });
    expect(sim.calls).toHaveLength(0);
  });
});
