import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';
import { tempDir } from '../firstboot/broker.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let sim: CloudStackSimulator;
const tmp = tempDir('vnf-enroll-cli-');

interface Run { code: number; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

/** The real CLI in a child process (async: the simulator lives in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'certs', 'enroll', ...args], {
      cwd: ROOT, timeout: 60_000, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    }, (error, stdout, stderr) => {
      let json: Record<string, unknown> | undefined;
      try { json = JSON.parse(stdout) as Record<string, unknown>; } catch { json = undefined; }
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr, json });
    });
  });
}

const keysEnv = (): Record<string, string> => ({ CLOUDSTACK_API_KEY: sim.user.apiKey, CLOUDSTACK_SECRET_KEY: sim.user.secretKey });

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ https: true, pendingPolls: 1 });
  writeFileSync(join(tmp.dir, 'cs-ca.pem'), sim.caPem);
});
afterAll(async () => {
  await sim.close();
  tmp.cleanup();
});

describe('vnf-broker certs enroll', { timeout: 60_000 }, () => {
  it('enrols a server certificate, then with --renew-before-days leaves it alone (exit 0, JSON says so)', async () => {
    const out = join(tmp.dir, 'tls');
    const args = ['--endpoint', sim.endpoint, '--ca-file', join(tmp.dir, 'cs-ca.pem'), '--cn', 'broker.zone-1', '--san', '127.0.0.1', '--days', '90', '--out', out];
    const first = await cli(args, keysEnv());
    expect(first.code, first.stderr).toBe(0);
    expect(first.json).toMatchObject({ ok: true, action: 'issued', files: { cert: join(out, 'server.pem'), key: join(out, 'server-key.pem'), ca: join(out, 'ca.pem') } });
    expect(statSync(join(out, 'server-key.pem')).mode & 0o777).toBe(0o600);
    const again = await cli([...args, '--renew-before-days', '30'], keysEnv());
    expect(again.code, again.stderr).toBe(0);
    expect(again.json).toMatchObject({ ok: true, action: 'skipped', certificate: { fingerprint256: (first.json?.certificate as { fingerprint256: string }).fingerprint256 } });
    const refused = await cli(args, keysEnv());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/VNF_ERR_CERT_FILE_EXISTS/);
    for (const r of [first, again, refused]) expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY|sim-admin-secret/);
  });

  it('--client prints the role-mapping rule (fingerprint) for the CloudStack-side caller; keys from --keys-file', async () => {
    const keys = join(tmp.dir, 'keys.yaml');
    writeFileSync(keys, `api_key: ${sim.user.apiKey}\nsecret_key: ${sim.user.secretKey}\n`, { mode: 0o600 });
    const r = await cli(['--endpoint', sim.endpoint, '--ca-file', join(tmp.dir, 'cs-ca.pem'), '--keys-file', keys, '--client', '--cn', 'cloudstack-mgmt', '--out', join(tmp.dir, 'client')]);
    expect(r.code, r.stderr).toBe(0);
    const fp = (r.json?.certificate as { fingerprint256: string }).fingerprint256;
    expect(r.json).toMatchObject({ action: 'issued', client_rule: { name: 'cloudstack-mgmt', match: { fingerprint256: fp } }, files: { cert: join(tmp.dir, 'client', 'client.pem') } });
  });

  it('usage errors exit 2; an endpoint whose TLS is not trusted exits 1 and writes nothing', async () => {
    const noKeys = await cli(['--endpoint', sim.endpoint, '--cn', 'b', '--out', join(tmp.dir, 'x')]);
    expect(noKeys.code).toBe(2);
    expect(noKeys.stderr).toMatch(/no API keys/);
    const badRenew = await cli(['--endpoint', sim.endpoint, '--cn', 'b', '--out', join(tmp.dir, 'x'), '--renew-before-days', 'soon'], keysEnv());
    expect(badRenew.code).toBe(2);
    const untrusted = await cli(['--endpoint', sim.endpoint, '--cn', 'b.example', '--out', join(tmp.dir, 'x')], keysEnv());
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/VNF_ERR_CS_TLS/);
    expect(() => statSync(join(tmp.dir, 'x'))).toThrow();
  });
});
