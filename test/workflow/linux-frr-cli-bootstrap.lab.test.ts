// dictionaries/linux-frr.yaml through the `vnf-broker` CLI (a child process in the broker namespace,
// appliance context file, --audit-log) and the bootstrap of a fresh appliance: bootstrap password →
// new password, hostname and LAN address, a ready test that waits while FRR restarts, and a re-run
// (a new process) that is idempotent.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog, type AuditSink } from '../../src/audit/index.js';
import type { ApplianceContext, LoadedDictionary } from '../../src/dictionary/index.js';
import { createWorkflowEngine, redactedPlan, renderOperation, type BootstrapReport } from '../../src/workflow/index.js';
import { startLab, labSkipReason } from '../lab/topology.js';
import { LAB_ADDR } from '../lab/addresses.js';
import { sshRun } from '../lab/openssh.js';
import { killPids, run } from '../lab/proc.js';
import { FRR_DAEMONS } from '../lab/frr.js';
import type { RunResult } from '../lab/proc.js';
import type { Lab } from '../lab/lab.js';
import { brokerFixture } from '../transport/lab-broker.js';
import { LINUX_FRR_PATH, linuxFrrAppliance, loadLinuxFrr, ruleId } from './linux-frr-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

interface CliOut { code: number; json: Record<string, unknown>; stderr: string }
interface LogRecord { type: string; outcome?: string; command?: string; service?: string; operation?: string }

/** `vnf-broker <args>` as a child process (one node process, so the timeout kill reaches it). */
async function cli(args: string[]): Promise<CliOut> {
  const res: RunResult = await run([process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], { allowFail: true, timeoutMs: 90_000 });
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(res.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`vnf-broker ${args[0]}: no JSON on stdout (exit ${res.code}): ${res.stdout}${res.stderr}`);
  }
  return { code: res.code, json, stderr: res.stderr };
}

const records = (file: string): LogRecord[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord);

describe.skipIf(skip !== undefined)('linux-frr through the vnf-broker CLI', () => {
  let lab: Lab;
  let dictionary: LoadedDictionary;
  let appliance: ApplianceContext;
  let files: { appliance: string; audit: string; knownHosts: string; knownCerts: string };
  const ran: Array<{ service: string; operation: string; data: Record<string, unknown> }> = [];

  const brokerRun = async (service: string, operation: string, data: Record<string, unknown> = {}): Promise<CliOut> => {
    ran.push({ service, operation, data });
    return cli(['run', '--dictionary', 'linux-frr', '--appliance', files.appliance, '--service', service, '--operation', operation,
      '--data', JSON.stringify(data), '--audit-log', files.audit, '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
  };

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, bgpPeer: true, client: true, forwarding: true });
    dictionary = await loadLinuxFrr();
    appliance = linuxFrrAppliance(lab.info, { id: `lab-linux-frr-cli-${process.pid}` });
    files = {
      appliance: lab.writeFile('appliance.json', JSON.stringify(appliance, null, 2)),
      audit: `${lab.info.dir}/broker-audit/audit.log`,
      knownHosts: `${lab.info.dir}/broker-known_hosts`,
      knownCerts: `${lab.info.dir}/broker-known_certs.json`,
    };
  });
  afterAll(async () => { await lab?.stop(); });

  it('healthcheck passes every check of the dictionary', async () => {
    const out = await cli(['healthcheck', '--dictionary', LINUX_FRR_PATH, '--appliance', files.appliance, '--audit-log', files.audit,
      '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toMatchObject({ ok: true });
    expect(((out.json.result as { checks: Array<{ name: string; status: string }> }).checks).map((c) => `${c.name}:${c.status}`)).toEqual(['frr:pass', 'ssh_port:pass', 'nftables:pass']);
  });

  it('run FIREWALL_RULES create blocks the client, list returns the rule with its id and handle, delete allows it again', async () => {
    await lab.listen('peer', LAB_ADDR.peer, 8443);
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8443, 1_000)).toBe(true);
    const id = ruleId();
    const created = await brokerRun('FIREWALL_RULES', 'create', { rule_id: id, protocol: 'tcp', source_cidr: '203.0.113.32/28', dest_cidr: `${LAB_ADDR.peer}/32`, dest_port: 8443, action: 'reject' });
    expect(created.code, created.stderr).toBe(0);
    expect(created.json).toMatchObject({ ok: true, result: { handle: expect.stringMatching(/^\d+$/) as unknown } });
    const handle = (created.json.result as { handle: string }).handle;
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8443, 1_000)).toBe(false);

    const listed = await brokerRun('FIREWALL_RULES', 'list');
    expect(listed.code).toBe(0);
    expect(listed.json.result).toEqual({ rules: [{ match: `ip saddr 203.0.113.32/28 ip daddr ${LAB_ADDR.peer} tcp dport 8443`, action: 'reject', rule_id: id, handle }] });

    const deleted = await brokerRun('FIREWALL_RULES', 'delete', { rule_id: id });
    expect(deleted.json).toMatchObject({ ok: true, result: { deleted: { count: '1' } } });
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8443, 1_000)).toBe(true);
  });

  it('invalid input exits 1 with VNF_ERR_DATA_INVALID and sends nothing', async () => {
    const before = records(files.audit).length;
    const out = await cli(['run', '--dictionary', 'linux-frr', '--appliance', files.appliance, '--service', 'ROUTES', '--operation', 'add',
      '--data', JSON.stringify({ prefix: '198.51.100.0/24; reboot', next_hop: LAB_ADDR.peer }), '--audit-log', files.audit,
      '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_DATA_INVALID' } });
    expect(records(files.audit).slice(before).filter((r) => r.type === 'ssh.command')).toEqual([]);
  });

  it('the CLI runs are in the audit log, command by command, and `audit verify` passes', async () => {
    const started = new Set(records(files.audit).filter((r) => r.type === 'ssh.command' && r.outcome === 'started')
      .map((r) => `${r.service}.${r.operation}\n${r.command}`));
    let checked = 0;
    for (const op of ran) {
      // the plan as `render` prints it (secrets as ***, like the audit log)
      const plan = redactedPlan(renderOperation({ dictionary, appliance, ...op }));
      for (const step of plan.steps) {
        for (const command of step.transport === 'ssh' ? step.commands : []) {
          expect(started.has(`${op.service}.${op.operation}\n${command}`), command).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
    const text = readFileSync(files.audit, 'utf8');
    expect(text).not.toContain(String(appliance.cs_data.shell_private_key).split('\n')[1]);
    const verify = await cli(['audit', 'verify', files.audit]);
    expect(verify.code, verify.stderr).toBe(0);
    expect((await verifyAuditLog([files.audit])).ok).toBe(true);
  });
});

describe.skipIf(skip !== undefined)('linux-frr bootstrap of a fresh appliance', () => {
  const user = 'vnfboot';
  const bootstrapPassword = `Boot-${randomBytes(9).toString('base64url')}`;
  const newPassword = `New!${randomBytes(12).toString('base64url')}`;
  let lab: Lab;
  let appliance: ApplianceContext;
  let dictionary: LoadedDictionary;

  const login = (password: string): Promise<RunResult> => sshRun(lab.info, 'appliance', 'show version', { password, extraArgs: ['-l', user] });

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, client: true });
    // the template image's vtysh user, still on its bootstrap password
    await lab.addApplianceUser(user, { shell: '/usr/bin/vtysh', groups: ['frrvty'], password: bootstrapPassword });
    dictionary = await loadLinuxFrr();
    appliance = linuxFrrAppliance(lab.info, {
      id: `lab-linux-frr-boot-${process.pid}`, username: user, password: newPassword,
      csData: { bootstrap_password: bootstrapPassword, new_password: newPassword, hostname: 'cs-router-7', private_interface: 'eth2', private_address: '203.0.113.40/28' },
    });
  });
  afterAll(async () => { await lab?.stop(); });

  it('logs in with the bootstrap password, changes it, configures the LAN, and the ready test waits for FRR to come up', async () => {
    expect((await login(bootstrapPassword)).code).toBe(0);
    const fx = brokerFixture('vnf-linux-frr-boot-');
    const pool = fx.pool();
    // the appliance restarts its routing daemons right after the last initial action (as applying a
    // new network configuration can): vtysh cannot start until they are back, so the ready test must
    // poll, not fail. Killed synchronously (by PID) when that action's end is audited, restarted 1.5 s later.
    const frr = lab.frr('appliance');
    let restart: Promise<void> | undefined;
    const sink: AuditSink = {
      append: (event) => {
        const record = fx.audit.append(event);
        if (!restart && event.type === 'operation.end' && event.operation === 'configure_interface' && event.outcome === 'success') {
          killPids(FRR_DAEMONS.map((d) => Number(readFileSync(`${frr.dirs.run}/${d}.pid`, 'utf8').trim())));
          for (const d of FRR_DAEMONS) rmSync(`${frr.dirs.run}/${d}.vty`, { force: true });
          restart = new Promise((resolve, reject) => { setTimeout(() => { frr.start().then(resolve, reject); }, 1_500); });
        }
        return record;
      },
    };
    try {
      const engine = createWorkflowEngine({ pool, audit: sink });
      const t0 = Date.now();
      const report = await engine.runBootstrap({ dictionary, appliance }) as BootstrapReport;
      expect(restart).toBeDefined();
      await restart;
      expect(report.ok).toBe(true);
      expect(report.steps.map((s) => [s.step, s.status, s.credentials])).toEqual([
        ['initial_action System.set_hostname', 'done', 'bootstrap'],
        ['initial_action System.change_password', 'done', 'bootstrap'],
        ['initial_action Network.configure_interface', 'done', 'bootstrap'],
        ['ready_test', 'done', undefined],
      ]);
      const ready = report.steps[3]!;
      expect(ready.attempts).toBeGreaterThanOrEqual(2);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_500);
      // audit: every command, the password only as ***
      const recs = fx.records() as LogRecord[];
      const commands = recs.filter((r) => r.type === 'ssh.command' && r.outcome === 'started').map((r) => r.command);
      expect(commands).toContain('hostname cs-router-7');
      expect(commands).toContain(`getent passwd '${user}' >/dev/null && printf '%s:%s\\n' '${user}' '***' | chpasswd && echo password-changed`);
      expect(commands).toContain('ip addr replace 203.0.113.40/28 dev eth2');
      const text = readFileSync(fx.auditFile, 'utf8');
      expect(text).not.toContain(newPassword);
      expect(text).not.toContain(bootstrapPassword);
      expect((await fx.verify()).ok).toBe(true);
    } finally {
      await pool.close();
      fx.dispose();
    }
    expect((await login(newPassword)).code).toBe(0);
    expect((await login(bootstrapPassword)).code).not.toBe(0);
    expect((await lab.exec('appliance', ['ip', '-o', 'addr', 'show', 'dev', 'eth2'])).stdout).toContain('inet 203.0.113.40/28');
  });

  it('a re-run (vnf-broker bootstrap, a new process) is idempotent: the refused bootstrap login falls back to the final one', async () => {
    const files = {
      appliance: lab.writeFile('appliance-boot.json', JSON.stringify(appliance)),
      audit: `${lab.info.dir}/boot-audit/audit.log`,
    };
    const args = ['bootstrap', '--dictionary', 'linux-frr', '--appliance', files.appliance, '--audit-log', files.audit,
      '--known-hosts', `${lab.info.dir}/boot-known_hosts`, '--known-certs', `${lab.info.dir}/boot-known_certs.json`];
    for (let i = 0; i < 2; i++) {
      const out = await cli(args);
      expect(out.code, out.stderr).toBe(0);
      expect(((out.json.result as { steps: Array<{ step: string; status: string; credentials?: string }> }).steps).map((s) => [s.step, s.status, s.credentials])).toEqual([
        ['initial_action System.set_hostname', 'done', 'final'],
        ['initial_action System.change_password', 'done', 'final'],
        ['initial_action Network.configure_interface', 'done', 'final'],
        ['ready_test', 'done', undefined],
      ]);
    }
    expect((await login(newPassword)).code).toBe(0);
    const addrs = (await lab.exec('appliance', ['ip', '-o', 'addr', 'show', 'dev', 'eth2'])).stdout;
    expect(addrs.match(/inet 203\.0\.113\.40\/28/g)).toHaveLength(1);
    const recs = records(files.audit);
    expect(recs.filter((r) => r.type === 'operation.end' && r.outcome === 'failure' && r.operation === 'set_hostname')).toHaveLength(2);
    expect(recs.filter((r) => r.type === 'operation.end' && r.outcome === 'success' && r.operation === 'set_hostname')).toHaveLength(2);
    expect(recs.filter((r) => r.type === 'ssh.command' && r.outcome === 'success' && r.command === 'hostname cs-router-7')).toHaveLength(2);
    expect((await verifyAuditLog([files.audit])).ok).toBe(true);
    expect(readFileSync(files.audit, 'utf8')).not.toContain(newPassword);
  });
});
