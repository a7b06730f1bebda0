import { createServer, connect, type Server } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../../src/dictionary/index.js';
import { isVnfError, type VnfError } from '../../../src/errors.js';
import { startCiscoSimulator, type CiscoSimulator } from '../../simulators/cisco/index.js';
import { closePools, dictionaryFrom, makeEngine } from './engine-helpers.js';

const BOOT = 'Boot-pw-1';
const FINAL = 'Final-pw-2';

const dictionary = dictionaryFrom(`
name: ios-boot
connections:
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}", port: 22, username: "{{get_cs_data.username}}", password: "{{get_cs_data.password}}",
         on_open: ["terminal length 0"], error_patterns: ['^% '], timeout: 5 }
bootstrap:
  network_init: config_drive
  initial_connection: { method: ssh, username: admin, password: "{{get_cs_data.bootstrap_password}}" }
  initial_actions:
    - service: System
      action: change_password
      parameters: { new_password: "{{get_cs_data.new_password}}" }
    - service: Interfaces
      action: set_address
      parameters:
        - { name: GigabitEthernet2, address: "{{get_cs_data.private_ip}}", mask: 255.255.255.0 }
  ready_test: { connection: cli, command: show ip interface brief, expected_output: 'GigabitEthernet2 +198\\.51\\.100\\.77 ', retries: 3, interval: 0.05 }
services:
  System:
    data: { new_password: { type: secret, required: true } }
    change_password:
      connection: cli
      commands: [configure terminal, "username admin privilege 15 secret 0 {{get_data.new_password}}", end]
  Interfaces:
    data:
      name: { type: string, required: true }
      address: { type: ip, required: true }
      mask: { type: ip, required: true }
    set_address:
      connection: cli
      commands: [configure terminal, "interface {{get_data.name}}", "ip address {{get_data.address}} {{get_data.mask}}", end]
`);

let sim: CiscoSimulator;
const appliance = (cs: Record<string, unknown> = {}): ApplianceContext => ({
  id: 'boot-1', management: { host: '127.0.0.1', ssh_port: sim.ssh.port }, credentials: { username: 'admin', password: FINAL }, jump: [],
  cs_data: { bootstrap_password: BOOT, new_password: FINAL, private_ip: '198.51.100.77', ...cs },
});
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};

beforeEach(async () => { sim = await startCiscoSimulator({ users: [{ username: 'admin', password: BOOT, privilege: 15 }] }); });
afterEach(async () => { await closePools(); await sim.close(); });
afterAll(closePools);

describe('bootstrap', () => {
  it('first run logs in with the bootstrap password, changes it, configures, then the ready test passes', async () => {
    const { engine, audit } = makeEngine();
    const out = await engine.runBootstrap({ dictionary, appliance: appliance(), requestId: 'boot-req' });
    expect(out.steps.map((s) => [s.step, s.status, s.credentials])).toEqual([
      ['initial_action System.change_password', 'done', 'bootstrap'],
      ['initial_action Interfaces.set_address', 'done', 'bootstrap'],
      ['ready_test', 'done', undefined]]);
    expect(sim.state.user('admin')?.password).toBe(FINAL);
    expect(sim.state.interfaces.get('GigabitEthernet2')?.ipv4).toEqual({ address: '198.51.100.77', mask: '255.255.255.0' });
    const ops = audit.ofType('operation.end').map((e) => [e.operation, e.outcome]);
    expect(ops).toEqual([['change_password', 'success'], ['set_address', 'success'], ['bootstrap', 'success']]);
    expect(audit.ofType('ssh.command').every((e) => e.request_id === 'boot-req')).toBe(true);
  });

  it('a re-run is safe: the refused bootstrap password falls back to the final credentials', async () => {
    await makeEngine().engine.runBootstrap({ dictionary, appliance: appliance() });
    await closePools(); // a new process: nothing pooled from the first run
    const { engine, audit } = makeEngine();
    const out = await engine.runBootstrap({ dictionary, appliance: appliance() });
    expect(out.ok).toBe(true);
    expect(out.steps.map((s) => [s.status, s.credentials])).toEqual([['done', 'final'], ['done', 'final'], ['done', undefined]]);
    expect(audit.ofType('operation.end')[0]).toMatchObject({ operation: 'change_password', outcome: 'failure', error_code: 'VNF_ERR_SSH_AUTH' });
    expect(sim.state.user('admin')?.password).toBe(FINAL);
  });

  it('when neither login works it fails with VNF_ERR_BOOTSTRAP_FAILED and the step states', async () => {
    sim.state.user('admin')!.password = 'someone-else-changed-it';
    const { engine } = makeEngine();
    const e = await failure(engine.runBootstrap({ dictionary, appliance: appliance() }));
    expect(e.code).toBe('VNF_ERR_BOOTSTRAP_FAILED');
    expect((e.details as { steps: unknown[] }).steps).toEqual([expect.objectContaining({
      step: 'initial_action System.change_password', status: 'failed', credentials: 'final', error: expect.objectContaining({ code: 'VNF_ERR_SSH_AUTH' }) })]);
    expect(e.message).not.toContain('someone-else');
  });

  it('waits for a freshly started appliance that does not accept connections yet, then bootstraps it', async () => {
    // a port with nothing listening (connection refused), opened ~60 ms later (inside the ready test's retry budget) as a relay to the device
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    let relay: Server | undefined;
    const opened = new Promise<void>((resolve) => setTimeout(() => {
      relay = createServer((c) => { const up = connect(sim.ssh.port, '127.0.0.1'); c.pipe(up).pipe(c); c.on('error', () => up.destroy()); up.on('error', () => c.destroy()); });
      relay.listen(port, '127.0.0.1', resolve);
    }, 60));
    try {
      const { engine } = makeEngine();
      const booting = { ...appliance(), management: { host: '127.0.0.1', ssh_port: port } };
      const out = await engine.runBootstrap({ dictionary, appliance: booting });
      await opened;
      expect(out.steps.map((s) => [s.step, s.status])).toEqual([
        ['initial_action System.change_password', 'done'], ['initial_action Interfaces.set_address', 'done'], ['ready_test', 'done']]);
      expect(sim.state.user('admin')?.password).toBe(FINAL);
    } finally {
      await opened;
      relay?.close();
    }
  });

  it('a ready test that never passes fails after its retries', async () => {
    const { engine } = makeEngine();
    const e = await failure(engine.runBootstrap({ dictionary, appliance: appliance({ private_ip: '198.51.100.78' }) }));
    expect(e.code).toBe('VNF_ERR_BOOTSTRAP_FAILED');
    expect((e.details as { steps: { step: string; attempts?: number }[] }).steps.at(-1)).toMatchObject({ step: 'ready_test', status: 'failed', attempts: 4 });
  });

  it('dry run shows the initial actions with the bootstrap login, redacted, and sends nothing', async () => {
    const { engine } = makeEngine();
    const connections = sim.ssh.stats.connections;
    const plan = await engine.runBootstrap({ dictionary, appliance: appliance(), dryRun: true });
    expect(plan.initial_actions.map((a) => [a.service, a.action, a.steps[0]?.transport])).toEqual([['System', 'change_password', 'ssh'], ['Interfaces', 'set_address', 'ssh']]);
    const commands = (plan.initial_actions[0]?.steps[0] as { commands: string[] }).commands;
    expect(commands[1]).toMatch(/^username admin privilege 15 secret (0 )?\*\*\*/);
    expect(plan.ready_test).toMatchObject({ transport: 'ssh', commands: ['show ip interface brief'] });
    expect(JSON.stringify(plan)).not.toContain(FINAL);
    expect(sim.ssh.stats.connections).toBe(connections);
  });
});
