import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir } from './harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'vnf-serve-'));
let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  removeDir(dir);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('vnf-broker serve', () => {
  it('serve --dev serves (with --ui-listen, the web UI listener too), the printed curl command works, SIGTERM exits 0', async () => {
    const port = await freePort();
    const uiPort = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--dev', '--state-dir', join(dir, 'var'), '--listen', `127.0.0.1:${port}`,
      '--ui-listen', `127.0.0.1:${uiPort}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
    const curl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no curl line in time:\n${stderr}`)), 45_000);
      child?.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /try:\n\s+(curl [^\n]+)\n/.exec(stderr);
        if (m?.[1]) { clearTimeout(timer); resolve(m[1]); }
      });
      child?.once('exit', (code) => reject(new Error(`exited ${code}:\n${stderr}`)));
    });
    expect(curl).toContain(`https://127.0.0.1:${port}/v1/providers`);
    const output = await new Promise<string>((resolve, reject) => {
      execFile('sh', ['-c', `${curl} --silent --show-error --max-time 10`], (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
    });
    const body = JSON.parse(output) as { providers: { name: string }[] };
    expect(body.providers.map((p) => p.name)).toContain('opnsense');
    // the web UI: a session link on the UI listener, which serves with the dev certificate
    expect(stderr).toContain(`web UI sessions on https://127.0.0.1:${uiPort}/ui/`);
    const sh = (cmd: string): Promise<string> => new Promise((resolve, reject) => {
      execFile('sh', ['-c', `${cmd} --silent --show-error --max-time 10`], (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
    });
    const appliance = { id: 'vm-1', management: { host: '127.0.0.1' }, credentials: { username: 'admin', password: 'dev-pw' } };
    const opened = JSON.parse(await sh(`${curl.replace(/\/v1\/providers$/, '/v1/appliances/vm-1/ui-sessions')} -H 'Content-Type: application/json' `
      + `-d '${JSON.stringify({ appliance, access: { method: 'https' } })}'`)) as { url: string };
    expect(opened.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${uiPort}/ui/[^/]+/$`));
    expect(await sh(`curl --cacert ${join(dir, 'var', 'tls', 'ca.pem')} https://127.0.0.1:${uiPort}/`)).toContain('not found: open the link');
    const exit = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    // structured application logs on stdout
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['vnf-broker ready', 'stopped']));
  }, 60_000);

  it('usage errors exit 2; an invalid config exits 1 naming the line', () => {
    const usage = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--dev', '--config', 'x.yaml'], { cwd: ROOT, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/VNF_ERR_CLI_USAGE/);
    const uiWithoutDev = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', 'x.yaml', '--ui-listen', '127.0.0.1:9443'], { cwd: ROOT, encoding: 'utf8' });
    expect(uiWithoutDev.status).toBe(2);
    expect(uiWithoutDev.stderr).toContain('--ui-listen go with --dev');
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:8443\nstate_dir: /tmp/x\ntls: { cert_file: a, key_file: b, client_ca_file: c }\nlimits: { max_body_bytes: many }\n');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${file}:4:`);
    expect(bad.stderr).toMatch(/VNF_ERR_CONFIG_INVALID.*\n.*limits\.max_body_bytes/);
  }, 30_000);
});
