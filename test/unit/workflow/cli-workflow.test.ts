import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/audit/index.js';
import { startCiscoSimulator, type CiscoSimulator } from '../../simulators/cisco/index.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
let sim: CiscoSimulator;
let dir: string;

/** Runs the CLI as a child process (async: the fakes live in this process's event loop). */
function cli(args: string[]): Promise<{ code: number | null; out: string; err: string; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: Record<string, unknown> = {};
      try { json = JSON.parse(out) as Record<string, unknown>; } catch { /* asserted by the caller */ }
      resolve({ code, out, err, json });
    });
  });
}

const files = () => ({ audit: join(dir, 'audit.log'), hosts: join(dir, 'known_hosts'), certs: join(dir, 'known_certs'), app: join(dir, 'appliance.json') });
const common = () => ['--appliance', files().app, '--audit-log', files().audit, '--known-hosts', files().hosts, '--known-certs', files().certs];

function writeAppliance(password = 'Adm1n-pw', cs: Record<string, unknown> = {}): void {
  writeFileSync(files().app, JSON.stringify({
    id: 'cli-app-1', name: 'router-cli', management: { host: '127.0.0.1', ssh_port: sim.ssh.port, https_port: sim.restconf.port },
    credentials: { username: 'admin', password }, cs_data: cs,
  }));
}

beforeAll(async () => { sim = await startCiscoSimulator(); });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnf-cli-wf-'));
  writeAppliance();
  sim.state.routes = [];
  sim.state.user('admin')!.password = 'Adm1n-pw';
});
afterAll(async () => { await sim.close(); rmSync(dir, { recursive: true, force: true }); });

describe('vnf-broker run / healthcheck / bootstrap', () => {
  it('run prints {"ok":true,"result"} and exits 0; the audit log verifies; host key and cert learned (tofu)', async () => {
    const r = await cli(['run', '--dictionary', 'cisco-ios-xe', ...common(), '--service', 'Routing', '--operation', 'add_static_route',
      '--data', '{"network":"10.30.0.0","subnet_mask":"255.255.0.0","next_hop":"198.51.100.254"}']);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toMatchObject({ ok: true, result: { network: '10.30.0.0', subnet_mask: '255.255.0.0', next_hop: '198.51.100.254' } });
    expect(sim.state.findRoute('10.30.0.0', '255.255.0.0')).toBeDefined();
    expect((await verifyAuditLog([files().audit])).ok).toBe(true);
    expect(readFileSync(files().hosts, 'utf8')).toContain('ssh-ed25519');
    const r2 = await cli(['run', '--dictionary', 'cisco-ios-xe', ...common(), '--service', 'Monitoring', '--operation', 'get_interfaces']);
    expect(r2.code, r2.err).toBe(0);
    expect(existsSync(files().certs)).toBe(true);
    expect((await verifyAuditLog([files().audit])).ok).toBe(true);
  });

  it('an appliance error prints {"ok":false,"error":{code,message}} and exits 1', async () => {
    const r = await cli(['run', '--dictionary', 'cisco-ios-xe', ...common(), '--service', 'Interfaces', '--operation', 'configure',
      '--data', '{"interface_name":"Serial9","ip_address":"10.0.0.1 255.255.255.0"}']);
    expect(r.code).toBe(1);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_SSH_COMMAND_FAILED' } });
    expect(Object.keys(r.json.error as object).sort()).toEqual(['code', 'message']);
  });

  it('usage errors exit 2; --dry-run prints the plan, connects to nothing and writes no audit log', async () => {
    expect((await cli(['run', '--dictionary', 'cisco-ios-xe', ...common(), '--operation', 'add_static_route'])).code).toBe(2);
    const connections = sim.ssh.stats.connections;
    const r = await cli(['run', '--dictionary', 'cisco-ios-xe', ...common(), '--service', 'Routing', '--operation', 'add_static_route', '--dry-run',
      '--data', '{"network":"10.30.0.0","subnet_mask":"255.255.0.0","next_hop":"198.51.100.254"}']);
    expect(r.code, r.err).toBe(0);
    expect(r.json).toMatchObject({ ok: true, dry_run: true, steps: [{ transport: 'ssh' }, { transport: 'ssh' }] });
    expect(sim.ssh.stats.connections).toBe(connections);
    expect(existsSync(files().audit)).toBe(false);
  });

  it('healthcheck prints each check and exits 0; failing checks exit 1', async () => {
    const ok = await cli(['healthcheck', '--dictionary', 'cisco-ios-xe', ...common()]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.json).toMatchObject({ ok: true, result: { checks: [{ name: 'ssh_connectivity', status: 'pass' }, { name: 'restconf_api', status: 'pass' }] } });
    writeAppliance('wrong-pw');
    const bad = await cli(['healthcheck', '--dictionary', 'cisco-ios-xe', ...common()]);
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HEALTHCHECK_FAILED' }, result: { checks: [{ status: 'fail' }, { status: 'fail' }] } });
    expect(bad.out).not.toContain('wrong-pw');
  });

  it('bootstrap runs the initial actions then the ready test; a second run also succeeds', async () => {
    sim.state.user('admin')!.password = 'Boot-pw-1';
    const dict = join(dir, 'ios-boot.yaml');
    writeFileSync(dict, `name: ios-boot
connections:
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}", port: 22, on_open: ["terminal length 0"], error_patterns: ['^% '], timeout: 5 }
bootstrap:
  initial_connection: { method: ssh, username: admin, password: "{{get_cs_data.bootstrap_password}}" }
  initial_actions:
    - { service: System, action: change_password, parameters: { new_password: "{{get_cs_data.new_password}}" } }
  ready_test: { connection: cli, command: show version, expected_output: Cisco IOS XE Software, retries: 2, interval: 0.1 }
services:
  System:
    data: { new_password: { type: secret, required: true } }
    change_password:
      connection: cli
      commands: [configure terminal, "username admin privilege 15 secret 0 {{get_data.new_password}}", end]
`);
    writeAppliance('Final-pw-2', { bootstrap_password: 'Boot-pw-1', new_password: 'Final-pw-2' });
    const first = await cli(['bootstrap', '--dictionary', dict, ...common()]);
    expect(first.code, first.err).toBe(0);
    expect(first.json).toMatchObject({ ok: true, result: { steps: [{ status: 'done', credentials: 'bootstrap' }, { step: 'ready_test', status: 'done' }] } });
    const second = await cli(['bootstrap', '--dictionary', dict, ...common()]);
    expect(second.code, second.err).toBe(0);
    expect(second.json).toMatchObject({ ok: true, result: { steps: [{ status: 'done', credentials: 'final' }, { step: 'ready_test', status: 'done' }] } });
    expect(readFileSync(files().audit, 'utf8')).not.toContain('Final-pw-2');
  });
});
