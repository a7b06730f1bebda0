import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, issueCertificate, type CaMaterial } from '../../../src/certs/index.js';
import { readConfigDrive, runFirstBoot } from '../../../src/cloudstack/index.js';
import { loadConfig } from '../../../src/config/index.js';
import { mtlsGet, startBrokerFromConfig, tempDir } from './broker.js';
import { block, hostKeyLine, snapshot, writeDrive } from './drive.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const tmp = tempDir('vnf-firstboot-');
afterAll(() => tmp.cleanup());

interface Run { code: number | null; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

function firstboot(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'firstboot', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(r.stdout) as Record<string, unknown>; } catch { json = undefined; }
  expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY|MII[A-Za-z0-9+/]{20}/); // never key material on any stream
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

interface Pki { ca: CaMaterial; server: { cert: string; key: string }; admin: { cert: string; key: string } }
let pki: Pki;
const jumpKey = hostKeyLine('198.51.100.3');

beforeAll(async () => {
  const ca = await createCa({ cn: 'zone-1 broker CA' });
  const server = await issueCertificate({ ca, kind: 'server', cn: 'broker.zone-1', sans: ['127.0.0.1', 'localhost'] });
  const admin = await issueCertificate({ ca, kind: 'client', cn: 'cloudstack-mgmt' });
  pki = { ca, server: { cert: server.certPem, key: server.keyPem ?? '' }, admin: { cert: admin.certPem, key: admin.keyPem ?? '' } };
});

function userData(overrides: { zone?: string; key?: string; clientsCn?: string; hostLine?: string; extra?: string } = {}): string {
  return [
    '#cloud-config',
    'package_update: false',
    'vnf_broker:',
    `  zone: ${overrides.zone ?? 'zone-1'}`,
    '  listen: 127.0.0.1:8443',
    '  tls:',
    `    certificate: ${block(pki.server.cert, 6)}`,
    `    private_key: ${block(overrides.key ?? pki.server.key, 6)}`,
    `    client_ca: ${block(pki.ca.certPem, 6)}`,
    '  clients:',
    `    - { name: cloudstack, match: { cn: ${overrides.clientsCn ?? 'cloudstack-mgmt'} }, roles: [admin, operator] }`,
    '  known_hosts:',
    `    - "${overrides.hostLine ?? `${jumpKey} jump host`}"`,
    '  ssh: { host_key_policy: strict }',
    '  audit: { fsync: true, hmac: true }',
    ...(overrides.extra ? [overrides.extra] : []),
    '',
  ].join('\n');
}

const metadata = { 'availability-zone': 'zone-1', 'instance-id': 'i-2-34-VM', 'local-hostname': 'broker-zone-1', 'local-ipv4': '10.1.1.5' };

describe('vnf-broker firstboot from a config drive directory', { timeout: 60_000 }, () => {
  const drive = join(tmp.dir, 'drive');
  const state = join(tmp.dir, 'state');
  const config = join(tmp.dir, 'etc', 'config.yaml');
  const args = ['--config-drive', drive, '--state-dir', state, '--config-out', config];

  it('writes a config that loadConfig accepts, the TLS files (key 0600), known_hosts and an audit HMAC key', async () => {
    writeDrive(drive, { userData: userData(), metadata });
    const r = firstboot(...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, changed: true, action: 'applied', zone: 'zone-1', instance_id: 'i-2-34-VM', source: { kind: 'directory', location: drive }, tls: { mode: 'certificate', enrolled: false } });
    const loaded = await loadConfig(config);
    expect(loaded).toMatchObject({
      listen: { host: '127.0.0.1', port: 8443 }, state_dir: state,
      tls: { cert_file: join(state, 'tls', 'server.pem'), key_file: join(state, 'tls', 'server-key.pem'), client_ca_file: join(state, 'tls', 'ca.pem') },
      clients: [{ name: 'cloudstack', match: { cn: 'cloudstack-mgmt' }, roles: ['admin', 'operator'] }],
      ssh: { host_key_policy: 'strict', known_hosts_file: join(state, 'known_hosts') },
      audit: { fsync: true, hmac_key_file: join(state, 'audit-hmac.key') },
    });
    expect(readFileSync(join(state, 'known_hosts'), 'utf8')).toBe(`${jumpKey}\n`);
    expect(new X509Certificate(readFileSync(join(state, 'tls', 'server.pem'))).fingerprint256).toBe(new X509Certificate(pki.server.cert).fingerprint256);
    for (const key of ['tls/server-key.pem', 'audit-hmac.key', 'firstboot.json']) expect(statSync(join(state, key)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(state, 'audit-hmac.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(readFileSync(config, 'utf8')).not.toMatch(/PRIVATE KEY/);

    const broker = await startBrokerFromConfig(config);
    try {
      const ok = await mtlsGet(broker.port, '/v1/providers', { ca: pki.ca.certPem, cert: pki.admin.cert, key: pki.admin.key });
      expect(ok.status).toBe(200);
    } finally {
      await broker.close();
    }
  });

  it('running again with the same data changes nothing, and keeps keys the broker learned in known_hosts', () => {
    appendFileSync(join(state, 'known_hosts'), `${hostKeyLine('203.0.113.7')}\n`); // learned at run time (tofu)
    const before = snapshot(tmp.dir);
    const r = firstboot(...args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ changed: false, action: 'unchanged', written: [] });
    expect(snapshot(tmp.dir)).toEqual(before);
  });

  it('bad or partial user data: a clear error on stderr, exit 1, nothing written (first run and over a good state)', async () => {
    const before = snapshot(tmp.dir);
    const cases: [string, string | Buffer, RegExp][] = [
      ['truncated', userData().slice(0, userData().indexOf('client_ca') + 200), /VNF_ERR_FIRSTBOOT_INVALID: .*vnf_broker.tls.client_ca/s],
      ['other zone', userData({ zone: 'zone-9' }), /VNF_ERR_FIRSTBOOT_INVALID: vnf_broker.zone is 'zone-9' but this instance runs in zone 'zone-1'/],
      ['wrong key', userData({ key: pki.admin.key }), /VNF_ERR_FIRSTBOOT_INVALID: vnf_broker.tls.private_key does not belong to vnf_broker.tls.certificate/],
      ['bad log level', userData({ extra: '  log_level: loud' }), /VNF_ERR_FIRSTBOOT_INVALID: .*vnf_broker.log_level: must be one of/s],
      ['bad host key', userData({ hostLine: jumpKey.replace('ssh-ed25519 AAAA', 'ssh-ed25519 BBBB') }), /VNF_ERR_FIRSTBOOT_INVALID: vnf_broker.known_hosts\[0\]: the key blob is not base64 of a ssh-ed25519 public key/],
      ['script', '#!/bin/sh\nexit 0\n', /VNF_ERR_FIRSTBOOT_USER_DATA: the user data holds no vnf_broker section/],
    ];
    for (const [name, data, message] of cases) {
      const dir = join(tmp.dir, `bad-${name.replace(/ /g, '-')}`);
      writeDrive(join(dir, 'drive'), { userData: data, metadata });
      const fresh = { stateDir: join(dir, 'state'), configOut: join(dir, 'etc', 'config.yaml') };
      let error: unknown;
      await runFirstBoot({ data: readConfigDrive(join(dir, 'drive')), ...fresh }).catch((e: unknown) => { error = e; });
      expect(`${(error as { code?: string }).code}: ${(error as Error).message}`, name).toMatch(message);
      expect(existsSync(join(dir, 'state')) || existsSync(join(dir, 'etc')), name).toBe(false);
      await expect(runFirstBoot({ data: readConfigDrive(join(dir, 'drive')), stateDir: state, configOut: config }), name).rejects.toThrow();
    }
    for (const name of ['truncated', 'script']) { // the command itself: message on stderr (the journal), exit 1, no stdout
      const r = firstboot('--config-drive', join(tmp.dir, `bad-${name}`, 'drive'), '--state-dir', state, '--config-out', config);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(/^vnf-broker: VNF_ERR_FIRSTBOOT_(INVALID|USER_DATA): /);
      expect(r.stdout, name).toBe('');
    }
    for (const [name] of cases) rmSync(join(tmp.dir, `bad-${name.replace(/ /g, '-')}`), { recursive: true });
    expect(snapshot(tmp.dir)).toEqual(before);
  });

  it('an admin-edited config is kept; new user data is then refused without --force, applied with it', () => {
    const edited = `${readFileSync(config, 'utf8')}log_level: debug\n`;
    writeFileSync(config, edited);
    const same = firstboot(...args);
    expect(same.code, same.stderr).toBe(0);
    expect(same.json).toMatchObject({ changed: false, warnings: [expect.stringMatching(/changed by an admin since first boot; kept/)] });
    expect(readFileSync(config, 'utf8')).toBe(edited);

    rmSync(drive, { recursive: true });
    writeDrive(drive, { userData: userData({ clientsCn: 'cloudstack-mgmt-2' }), metadata });
    const before = snapshot(tmp.dir);
    const refused = firstboot(...args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/VNF_ERR_FIRSTBOOT_MODIFIED: .*rerun with --force/);
    expect(snapshot(tmp.dir)).toEqual(before);

    const forced = firstboot(...args, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json).toMatchObject({ changed: true, written: [config, join(state, 'firstboot.json')] }); // TLS files and known_hosts were already right
    expect(readFileSync(config, 'utf8')).toMatch(/cn: cloudstack-mgmt-2/);
    expect(readFileSync(join(state, 'known_hosts'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2); // the learned line survived
  });

  it('usage: no source is exit 2; a missing drive is exit 1 (VNF_ERR_FIRSTBOOT_SOURCE)', () => {
    expect(firstboot('--state-dir', state, '--config-out', config).code).toBe(2);
    const missing = firstboot('--config-drive', join(tmp.dir, 'nope'), '--state-dir', state, '--config-out', config);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/VNF_ERR_FIRSTBOOT_SOURCE: config drive .*nope not found/);
  });
});
