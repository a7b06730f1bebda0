import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import cloudstack from '../../../src/cli/commands/cloudstack.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let sim: CloudStackSimulator;
let dir: string;
let out = '';
let err = '';

/** Runs the real CLI in a child process (async: the simulator lives in this process). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'cloudstack', ...args], {
      cwd: ROOT, timeout: 30_000, encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ pendingPolls: 1 });
  dir = mkdtempSync(join(tmpdir(), 'vnf-cs-cli-'));
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  out = '';
  err = '';
  sim.calls.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});
afterEach(() => { vi.restoreAllMocks(); });

describe('vnf-broker cloudstack sign', () => {
  it('prints the documented vector A with --signature-version 2', async () => {
    expect(await cloudstack(['sign', '--signature-version', '2',
      '--api-key', 'plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg',
      '--secret-key', 'VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ',
      'command=listUsers', 'response=json'])).toBe(0);
    const printed = JSON.parse(out) as Record<string, string>;
    expect(printed.signature).toBe('TTpdDq/7j/J58XCRHomKoQXEQds=');
    expect(printed.query).toBe('apikey=plgWJfZK4gyS3mOMTVmjUVg-X-jlWlnfaUJ9GAbBbf9EdM-kAYMmAiLqzzq1ElZLYq_u38zCm0bewzGUdP66mg&command=listUsers&response=json&signature=TTpdDq%2F7j%2FJ58XCRHomKoQXEQds%3D');
    expect(printed.expires).toBeUndefined();
    expect(out.includes('VDaACYb0LV9eNjTetIOElcVQkvJck_J_QljX_FcHRj87ZKiy0z0ty0ZsYBkoXkY9b7eq1EhwJaw7FF3akA3KBQ')).toBe(false);
    expect(err).toBe('');
  });

  it('v3 output (keys from env variables named on the command line) is accepted by the simulator', async () => {
    vi.stubEnv('MY_CS_KEY', sim.user.apiKey);
    vi.stubEnv('MY_CS_SECRET', sim.user.secretKey);
    try {
      expect(await cloudstack(['sign', '--api-key-env', 'MY_CS_KEY', '--secret-key-env', 'MY_CS_SECRET', '--endpoint', sim.endpoint,
        'command=addAnnotation', 'response=json', `entityid=${sim.state.vms[0]?.id ?? ''}`, 'entitytype=VM', "annotation=a b!'()~*/+=&ü"])).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
    const printed = JSON.parse(out) as { url: string; expires: string; string_to_sign: string };
    expect(printed.expires).toMatch(/\+0000$/);
    expect(printed.string_to_sign).toContain('annotation=a%20b%21%27%28%29%7e*%2f%2b%3d%26%c3%bc&');
    const res = await request(printed.url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    const body = await res.body.json() as { addannotationresponse: { annotation: { annotation: string } } };
    expect(res.statusCode).toBe(200);
    expect(body.addannotationresponse.annotation.annotation).toBe("a b!'()~*/+=&ü");
    expect(sim.calls[0]?.verified).toBe(true);
  });

  it('an explicit past --expires is refused by the server; usage errors exit 2 without echoing keys', async () => {
    await cloudstack(['sign', '--api-key', sim.user.apiKey, '--secret-key', sim.user.secretKey, '--expires', '2001-01-01T00:00:00Z', 'command=listZones', 'response=json']);
    const printed = JSON.parse(out) as { query: string; expires: string };
    expect(printed.expires).toBe('2001-01-01T00:00:00+0000');
    const res = await request(`${sim.endpoint}?${printed.query}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    await res.body.text();
    expect([res.statusCode, sim.calls[0]?.reason]).toEqual([401, 'request expired']);
    await expect(cloudstack(['sign', '--api-key', 'k-only', 'command=listZones'])).rejects.toThrow(/needs an API key and a secret key/);
    await expect(cloudstack(['sign', '--api-key', 'k', '--secret-key', 'top-secret-value', '--signature-version', '2', '--expires', '2030-01-01T00:00:00Z', 'command=x']))
      .rejects.toThrow(expect.objectContaining({ code: 'VNF_ERR_CLI_USAGE', message: expect.not.stringContaining('top-secret-value') }));
  });
});

describe('vnf-broker cloudstack call', { timeout: 60_000 }, () => {
  it('keys from the environment: prints the unwrapped response; async jobs are waited for', async () => {
    const env = { CLOUDSTACK_API_KEY: sim.user.apiKey, CLOUDSTACK_SECRET_KEY: sim.user.secretKey };
    const list = await cli(['call', '--endpoint', sim.endpoint, 'command=listVirtualMachines', 'isvnf=true'], env);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ count: 2, virtualmachine: [{ name: 'vnf-opnsense-1' }, { name: 'vnf-frr-2' }] });
    const empty = await cli(['call', '--endpoint', sim.endpoint, '--get', 'command=listVirtualMachines', 'name=none'], env);
    expect(JSON.parse(empty.stdout)).toEqual({ count: 0 });
    const job = await cli(['call', '--endpoint', sim.endpoint, 'command=rebootVirtualMachine', `id=${sim.state.vms[0]?.id ?? ''}`], env);
    expect(job.code).toBe(0);
    expect(JSON.parse(job.stdout)).toMatchObject({ virtualmachine: { name: 'vnf-opnsense-1' } });
    expect(job.stderr).toMatch(/async job [0-9a-f-]{36} succeeded/);
    expect(sim.calls.every((c) => c.verified)).toBe(true);
    expect(sim.calls.map((c) => c.method)).toContain('GET');
  });

  it('a refused call exits 1 with the error code on stderr and no key material anywhere', async () => {
    const env = { CLOUDSTACK_API_KEY: sim.user.apiKey, CLOUDSTACK_SECRET_KEY: 'wrong-secret-for-the-cli-test' };
    const r = await cli(['call', '--endpoint', sim.endpoint, 'command=listZones'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('VNF_ERR_CS_AUTH');
    for (const s of ['wrong-secret-for-the-cli-test', sim.user.apiKey]) expect(r.stderr.includes(s)).toBe(false);
  });

  it('keys file (YAML), --no-wait; keys on argv or missing are usage errors (exit 2)', async () => {
    const keys = join(dir, 'keys.yaml');
    writeFileSync(keys, `api_key: ${sim.user.apiKey}\nsecret_key: ${sim.user.secretKey}\n`, { mode: 0o600 });
    expect(await cloudstack(['call', '--endpoint', sim.endpoint, '--keys-file', keys, '--no-wait', 'command=rebootVirtualMachine', `id=${sim.state.vms[0]?.id ?? ''}`])).toBe(0);
    expect(JSON.parse(out)).toEqual({ jobid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(sim.calls.map((c) => c.command)).toEqual(['rebootVirtualMachine']);
    const argvKeys = await cli(['call', '--endpoint', sim.endpoint, '--secret-key', 'argv-secret-123', 'command=listZones']);
    expect(argvKeys.code).toBe(2);
    expect(argvKeys.stderr).toContain('never takes keys on the command line');
    expect(argvKeys.stderr.includes('argv-secret-123')).toBe(false);
    const none = await cli(['call', '--endpoint', sim.endpoint, 'command=listZones']);
    expect([none.code, /no API keys/.test(none.stderr)]).toEqual([2, true]);
  });
});
