import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudStackClient, waitForJob } from '../../../src/cloudstack/index.js';
import { VnfError } from '../../../src/errors.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';

let sim: CloudStackSimulator;
let c: CloudStackClient;
const FAST = { initialDelayMs: 5, maxDelayMs: 20 };

const queries = (): number => sim.calls.filter((x) => x.command === 'queryAsyncJobResult').length;
const vmNamed = (name: string): string => {
  const vm = sim.state.vms.find((v) => v.name === name);
  if (!vm) throw new Error(name);
  return vm.id;
};

async function failure(p: Promise<unknown>): Promise<VnfError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof VnfError) return error;
    throw error;
  }
  throw new Error('expected a VnfError');
}

function csrPem(cn: string, sanDns: string): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const key = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  csr.setSubject([{ name: 'commonName', value: cn }]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: sanDns }] }] }]);
  csr.sign(key, forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ pendingPolls: 2 });
  c = new CloudStackClient({ endpoint: sim.endpoint, apiKey: sim.user.apiKey, secretKey: sim.user.secretKey, timeoutMs: 5_000, jobs: FAST });
});
afterAll(async () => { await c.close(); await sim.close(); });
beforeEach(() => { sim.calls.length = 0; sim.jobPlans.clear(); });

describe('async jobs', () => {
  it('polls queryAsyncJobResult until jobstatus 1 and returns jobresult', async () => {
    const r = await c.execute('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') });
    expect(r.jobstatus).toBe(1);
    expect(r.jobid).toMatch(/^[0-9a-f-]{36}$/);
    expect((r.response.virtualmachine as { name: string }).name).toBe('vnf-opnsense-1');
    expect(queries()).toBe(3); // two pending answers, then the result
  });

  it('jobstatus 2 → VNF_ERR_CS_JOB_FAILED carrying jobresult.errortext', async () => {
    const err = await failure(c.call('rebootVirtualMachine', { id: vmNamed('vnf-frr-2') }));
    expect(err.code).toBe('VNF_ERR_CS_JOB_FAILED');
    expect(err.message).toContain('not in Running state');
    expect(err.message).toContain('errorcode 530');
    expect(err.details).toMatchObject({ command: 'rebootVirtualMachine', errorcode: 530 });
    sim.jobPlans.set('rebootVirtualMachine', { pendingPolls: 0, fail: { errorcode: 535, errortext: 'Unable to allocate resources' } });
    expect((await failure(c.call('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') }))).message).toContain('Unable to allocate resources');
  });

  it('a job still pending at the deadline → VNF_ERR_CS_JOB_DEADLINE naming the job; polls stay bounded', async () => {
    sim.jobPlans.set('rebootVirtualMachine', { pendingPolls: 1_000_000 });
    const err = await failure(c.call('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') }, { jobs: { ...FAST, jobTimeoutMs: 150 } }));
    expect(err.code).toBe('VNF_ERR_CS_JOB_DEADLINE');
    const jobid = (err.details as { jobid: string }).jobid;
    expect(err.message).toContain(jobid);
    expect(queries()).toBeGreaterThan(1);
    expect(queries()).toBeLessThan(40);
    sim.calls.length = 0;
    await failure(c.call('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') }, { jobs: { ...FAST, maxPolls: 3 } }));
    expect(queries()).toBe(3);
  });

  it('backoff grows and is capped; an abort stops waiting', async () => {
    // record the waits (odd values, to tell them from other timers in the process) without changing them
    const delays: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout);
    try {
      await failure(waitForJob('x', 'j-1', async () => ({ jobstatus: 0 }), { initialDelayMs: 11, factor: 2, maxDelayMs: 37, maxPolls: 6 }, []));
    } finally {
      spy.mockRestore();
    }
    expect(delays.filter((d) => [11, 22, 37].includes(d))).toEqual([11, 22, 37, 37, 37]); // none after the last allowed poll
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    sim.jobPlans.set('rebootVirtualMachine', { pendingPolls: 1_000_000 });
    const err = await failure(c.call('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') }, { signal: ac.signal }));
    expect(err.code).toBe('VNF_ERR_WORKFLOW_CANCELLED');
  });

  it('--no-wait style: wait:false returns the jobid at once', async () => {
    const r = await c.execute('rebootVirtualMachine', { id: vmNamed('vnf-opnsense-1') }, { wait: false });
    expect(r).toMatchObject({ jobstatus: 0, response: { jobid: r.jobid } });
    // (a poll of the previous test's aborted job may still land late: count this job's only)
    expect(sim.calls.filter((x) => x.command === 'queryAsyncJobResult' && x.params.jobid === r.jobid)).toHaveLength(0);
  });
});

describe('CA APIs', () => {
  it('issueCertificate with a CSR: a certificate the listCaCertificate CA verifies, SANs from CSR + domain + ipaddress, no key', async () => {
    const ca = (await c.call('listCaCertificate')).cacertificates as { certificate: string };
    const out = await c.call('issueCertificate', { csr: csrPem('broker-1', 'broker-1.zone1.example'), domain: 'broker.example', ipaddress: '198.51.100.7', duration: '30' });
    const certs = out.certificates as { certificate: string; cacertificates: string; privatekey?: string };
    expect(certs.privatekey).toBeUndefined();
    const leaf = new X509Certificate(certs.certificate);
    const root = new X509Certificate(ca.certificate);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.subject).toBe('CN=broker-1');
    expect(leaf.subjectAltName).toBe('DNS:broker-1.zone1.example, DNS:broker.example, IP Address:198.51.100.7');
    expect(certs.cacertificates).toBe(ca.certificate);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(Math.round(days)).toBe(30);
  });

  it('issueCertificate without a CSR returns a generated private key; a corrupt CSR fails the job', async () => {
    const out = await c.call('issueCertificate', { domain: 'vm-1.example,vm-1' });
    const certs = out.certificates as { certificate: string; privatekey: string };
    const leaf = new X509Certificate(certs.certificate);
    expect(leaf.subject).toBe('CN=vm-1.example');
    expect(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(certs.privatekey))).toBe(true);
    const bad = await failure(c.call('issueCertificate', { csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n' }));
    expect(bad.code).toBe('VNF_ERR_CS_JOB_FAILED');
  });
});
