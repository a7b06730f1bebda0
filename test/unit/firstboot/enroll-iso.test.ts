import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudStackClient, Iso9660Image, enrollCertificate, readConfigDrive, readMetadataService, runFirstBoot,
} from '../../../src/cloudstack/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';
import { mtlsGet, startBrokerFromConfig, tempDir } from './broker.js';
import { block, buildIso, hasXorriso, snapshot, writeDrive } from './drive.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = tempDir('vnf-firstboot-iso-');
let sim: CloudStackSimulator;

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ https: true, pendingPolls: 1 });
});
afterAll(async () => {
  await sim.close();
  tmp.cleanup();
});

const metadata = { 'availability-zone': 'zone-sim-1', 'instance-id': 'i-2-40-VM', 'local-hostname': 'broker-zone-sim-1', 'local-ipv4': '127.0.0.1' };

function enrollUserData(extra = ''): string {
  return [
    '#cloud-config',
    'vnf_broker:',
    '  tls:',
    '    enroll:',
    `      endpoint: ${sim.endpoint}`,
    `      api_key: ${sim.user.apiKey}`,
    `      secret_key: ${sim.user.secretKey}`,
    `      endpoint_ca: ${block(sim.caPem, 8)}`,
    '      days: 120',
    '  clients:',
    '    - { match: { cn: cloudstack-mgmt }, roles: [admin] }',
    extra,
  ].join('\n');
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'firstboot', ...args], { cwd: ROOT, timeout: 60_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('ISO9660 prerequisites', () => {
  // the directory-form tests always run; the image tests need xorriso to build an image
  it.runIf(process.env.REQUIRE_LAB === '1')('xorriso is installed (REQUIRE_LAB=1: .ci/run installs it)', () => {
    expect(hasXorriso).toBe(true);
  });
});

describe.skipIf(!hasXorriso)('config drive as an ISO9660 image (built with xorriso; skipped when xorriso is not installed)', { timeout: 60_000 }, () => {
  it('reads Joliet, Rock Ridge and plain images the same as the directory', () => {
    const dir = writeDrive(join(tmp.dir, 'layout'), { userData: enrollUserData(), metadata, metaDataJson: { availability_zone: 'zone-sim-1', hostname: 'broker-zone-sim-1', uuid: 'f0e1' } });
    const fromDir = readConfigDrive(dir);
    expect(fromDir.metadata).toMatchObject({ ...metadata, 'vm-id': 'f0e1' });
    for (const flags of [['-J', '-r'], ['-r'], ['-J'], []]) {
      const image = buildIso(dir, join(tmp.dir, `drive${flags.join('')}.iso`), flags);
      const iso = Iso9660Image.open(image);
      try {
        expect(iso.label()).toBe('config-2');
      } finally {
        iso.close();
      }
      const data = readConfigDrive(image);
      expect(data.source).toEqual({ kind: 'iso9660', location: image });
      expect(data.userData?.equals(fromDir.userData ?? Buffer.alloc(0)), flags.join('')).toBe(true);
      expect(data.metadata).toEqual(fromDir.metadata);
    }
    writeFileSync(join(tmp.dir, 'not-an-iso'), Buffer.alloc(64 * 2048));
    expect(() => readConfigDrive(join(tmp.dir, 'not-an-iso'))).toThrow(/VNF_ERR_FIRSTBOOT_SOURCE|no CD001 signature/);
  });

  it('firstboot --config-drive IMAGE enrols through CloudStack, writes a config serve accepts; a re-run sends no API call', async () => {
    const image = buildIso(writeDrive(join(tmp.dir, 'enroll-layout'), { userData: enrollUserData(), metadata }), join(tmp.dir, 'enroll.iso'));
    const state = join(tmp.dir, 'state');
    const config = join(tmp.dir, 'config.yaml');
    sim.calls.length = 0;
    const r = await cli(['--config-drive', image, '--state-dir', state, '--config-out', config]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ changed: true, zone: 'zone-sim-1', source: { kind: 'iso9660' }, tls: { mode: 'enroll', enrolled: true, subject: 'broker-zone-sim-1' } });
    expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY|sim-admin-secret/);
    const issue = sim.calls.find((c) => c.command === 'issueCertificate');
    expect(issue?.params).toMatchObject({ domain: 'broker-zone-sim-1', ipaddress: '127.0.0.1', duration: '120' }); // names from the metadata
    const loaded = await loadConfig(config);
    expect(loaded.listen).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(readFileSync(config, 'utf8')).not.toContain(sim.user.secretKey); // the API keys are used once, never stored
    const cert = new X509Certificate(readFileSync(loaded.tls.cert_file));
    expect(cert.checkIssued(new X509Certificate(sim.caPem))).toBe(true);

    // the CloudStack-side caller gets a client certificate the same way (certs enroll --client)
    const client = new CloudStackClient({ endpoint: sim.endpoint, apiKey: sim.user.apiKey, secretKey: sim.user.secretKey, timeoutMs: 10_000, ca: sim.caPem, jobs: { initialDelayMs: 20 } });
    const mgmt = await enrollCertificate({ client, kind: 'client', cn: 'cloudstack-mgmt', outDir: join(tmp.dir, 'mgmt') }).finally(() => client.close());
    const broker = await startBrokerFromConfig(config);
    try {
      const ca = readFileSync(mgmt.files.ca, 'utf8');
      const ok = await mtlsGet(broker.port, '/v1/providers', { ca, cert: readFileSync(mgmt.files.cert, 'utf8'), key: readFileSync(mgmt.files.key, 'utf8') });
      expect(ok.status).toBe(200);
      await expect(mtlsGet(broker.port, '/v1/providers', { ca })).rejects.toThrow(); // no client certificate: no handshake
    } finally {
      await broker.close();
    }

    sim.calls.length = 0;
    const before = snapshot(tmp.dir);
    const again = await cli(['--config-drive', image, '--state-dir', state, '--config-out', config]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, action: 'unchanged' });
    expect(sim.calls).toHaveLength(0);
    expect(snapshot(tmp.dir)).toEqual(before);
  });
});

describe('metadata service (the virtual router serves user data over HTTP)', () => {
  let server: Server;
  let base = '';
  let userData = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      const key = req.url?.replace(/^\/latest\/meta-data\//, '');
      if (req.url === '/latest/user-data') { res.end(userData); return; }
      if (key !== undefined && key in metadata) { res.end(metadata[key as keyof typeof metadata]); return; }
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('reads user data (base64 here) and metadata, and bootstraps the broker from them', async () => {
    userData = Buffer.from(enrollUserData('  listen: 127.0.0.1:9443\n')).toString('base64');
    const data = await readMetadataService(base);
    expect(data.source).toEqual({ kind: 'metadata-service', location: base });
    expect(data.metadata).toEqual(metadata);
    const state = join(tmp.dir, 'md-state');
    const result = await runFirstBoot({ data, stateDir: state, configOut: join(state, 'config.yaml') });
    expect(result).toMatchObject({ changed: true, zone: 'zone-sim-1', tls: { enrolled: true } });
    expect((await loadConfig(join(state, 'config.yaml'))).listen).toEqual({ host: '127.0.0.1', port: 9443 });
  });

  it('user data for another zone, or none at all, is refused before any enrolment call', async () => {
    userData = `${enrollUserData()}\n  zone: zone-elsewhere\n`;
    sim.calls.length = 0;
    const state = join(tmp.dir, 'md-bad');
    await expect(runFirstBoot({ data: await readMetadataService(base), stateDir: state, configOut: join(state, 'c.yaml') }))
      .rejects.toMatchObject({ code: 'VNF_ERR_FIRSTBOOT_INVALID' });
    userData = '';
    await expect(runFirstBoot({ data: await readMetadataService(base), stateDir: state, configOut: join(state, 'c.yaml') }))
      .rejects.toMatchObject({ code: 'VNF_ERR_FIRSTBOOT_USER_DATA' });
    expect(sim.calls).toHaveLength(0);
    expect(snapshot(state)).toEqual({});
  });
});
