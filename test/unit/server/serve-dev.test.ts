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
  it('serve --dev serves, the printed curl command works, SIGTERM exits 0', async () => {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--dev', '--state-dir', join(dir, 'var'), '--listen', `127.0.0.1:${port}`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:8443\nstate_dir: /tmp/x\ntls: { cert_file: a, key_file: b, client_ca_file: c }\nlimits: { max_body_bytes: many }\n');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--config', file], { cwd: ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain(`${file}:4:`);
    expect(bad.stderr).toMatch(/VNF_ERR_CONFIG_INVALID.*\n.*limits\.max_body_bytes/);
  }, 30_000);
});
