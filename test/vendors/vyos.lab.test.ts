// dictionaries/vyos.yaml against the VyOS HTTP API simulator (test/simulators/vyos/) in the lab's
// appliance namespaces, reached through the jump host: a 1.5 simulator on 203.0.113.10:8444
// (confirm_time + confirm) and a 1.4 one on :8445 (plain commit). FIREWALL_RULES create → list
// (client-chosen rule number) → delete → list through the `vnf-broker` CLI and the API server; the
// global lock's 504 is retried; NAT, routes, BGP; VyOS error answers become VnfErrors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import type { Lab } from '../lab/lab.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import { cliRunner, expectHealthy, startApi, startSimulator, vendorAppliance, type ApiHarness, type Simulator } from './vendor-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const DICT = 'dictionaries/vyos.yaml';
const KEY = `vyos-${process.pid}-key`;
type Rules = Record<string, Record<string, unknown>>;
type Cli = ReturnType<typeof cliRunner>;
interface StepReport { attempts?: number; skipped?: boolean }

describe.skipIf(skip !== undefined)('VyOS (HTTP API simulator in the lab)', () => {
  let lab: Lab;
  let sim15: Simulator;
  let sim14: Simulator;
  let broker: Cli;
  let broker14: Cli;
  let api: ApiHarness;
  let appliance: ApplianceContext;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: [8444, 8445] });
    sim15 = await startSimulator(lab, 'vyos15', 'test/simulators/vyos/main.ts', 8444, ['--key', KEY, '--version', '1.5-rolling-202506120020', '--commit-ms', '600']);
    sim14 = await startSimulator(lab, 'vyos14', 'test/simulators/vyos/main.ts', 8445, ['--key', KEY, '--version', '1.4.2']);
    appliance = vendorAppliance(lab, sim15, { id: `lab-vyos-${process.pid}`, csData: { api_key: KEY } });
    broker = cliRunner(DICT, lab.writeFile('vyos-appliance.json', JSON.stringify(appliance)), lab.info.dir);
    const a14 = vendorAppliance(lab, sim14, { id: `lab-vyos14-${process.pid}`, csData: { api_key: KEY } });
    broker14 = cliRunner(DICT, lab.writeFile('vyos14-appliance.json', JSON.stringify(a14)), lab.info.dir);
    api = await startApi(DICT, 'vyos', appliance);
  });
  afterAll(async () => {
    await api?.close();
    await sim15?.stop();
    await sim14?.stop();
    await lab?.stop();
  });

  it('healthcheck passes (CLI and API)', async () => {
    await expectHealthy(broker, api, 'api_version');
  });

  it('CLI (1.5): FIREWALL_RULES create with commit-confirm → list shows rule 10 → delete → gone', async () => {
    const created = await broker.run('FIREWALL_RULES', 'create', { rule_number: 10, protocol: 'tcp', source_cidr: '198.51.100.0/24', dest_port: 443, action: 'accept', description: 'cs:web' });
    expect(created.code, JSON.stringify(created.json)).toBe(0);
    expect(created.json.result).toMatchObject({ version: '1.5', replaced: false, action: 'accept', rule: { description: 'cs:web', destination: { port: '443' } } });
    expect((created.json.steps as StepReport[]).map((s) => s.skipped === true)).toEqual([false, false, false, true, false, false, false]);
    const listed = await broker.run('FIREWALL_RULES', 'list');
    expect((listed.json.result as { rules: Rules }).rules['10']).toMatchObject({ action: 'accept', protocol: 'tcp', source: { address: '198.51.100.0/24' } });
    const deleted = await broker.run('FIREWALL_RULES', 'delete', { rule_number: 10 });
    expect(deleted.json).toMatchObject({ ok: true, result: { deleted: true } });
    expect((await broker.run('FIREWALL_RULES', 'list')).json.result).toEqual({ any: false });
  });

  it('CLI (1.4): a plain commit, no confirm step', async () => {
    const created = await broker14.run('FIREWALL_RULES', 'create', { rule_number: 20, hook: 'input', protocol: 'udp', dest_port: 53, action: 'drop' });
    expect(created.code, JSON.stringify(created.json)).toBe(0);
    expect(created.json.result).toMatchObject({ version: '1.4', action: 'drop' });
    expect((created.json.steps as StepReport[]).map((s) => s.skipped === true)).toEqual([false, false, true, false, false, true, false]);
    expect(((await broker14.run('FIREWALL_RULES', 'list', { hook: 'input' })).json.result as { rules: Rules }).rules['20']).toMatchObject({ action: 'drop' });
    expect((await broker14.run('FIREWALL_RULES', 'delete', { rule_number: 20, hook: 'input' })).code).toBe(0);
    expect((await broker14.run('FIREWALL_RULES', 'list', { hook: 'input' })).json.result).toEqual({ any: false });
  });

  it('API: create → list → delete → list; concurrent writes for two appliance ids hit the lock and are retried', async () => {
    const create = await api.operation('FIREWALL_RULES', 'create', { rule_number: 30, protocol: 'icmp', action: 'accept' });
    expect(create.status, create.text).toBe(200);
    expect(create.json().result).toMatchObject({ ok: true, result: { action: 'accept' } });
    const list = async (): Promise<Rules | undefined> => {
      const reply = await api.operation('FIREWALL_RULES', 'list');
      expect(reply.status, reply.text).toBe(200);
      return (reply.json().result as { result: { rules?: Rules } }).result.rules;
    };
    expect((await list())?.['30']).toMatchObject({ protocol: 'icmp', action: 'accept' });
    expect((await api.operation('FIREWALL_RULES', 'delete', { rule_number: 30 })).status).toBe(200);
    expect(await list()).toBeUndefined();

    // two appliance ids on one VyOS: the broker does not serialise them, VyOS's lock answers 504
    const other = await startApi(DICT, 'vyos', { ...appliance, id: `${appliance.id}-b` });
    try {
      const replies = await Promise.all([
        api.operation('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: '203.0.113.1' }),
        other.operation('ROUTES', 'add', { prefix: '198.51.100.112/28', next_hop: '203.0.113.1', distance: 20 }),
      ]);
      for (const r of replies) expect(r.status, r.text).toBe(200);
      const attempts = replies.flatMap((r) => (r.json().result as { steps: StepReport[] }).steps.map((s) => s.attempts ?? 1));
      expect(Math.max(...attempts)).toBeGreaterThan(1);
    } finally {
      await other.close();
    }
    const routes = (await broker.run('ROUTES', 'list')).json.result as { routes: Record<string, unknown> };
    expect(routes.routes).toEqual({ '198.51.100.96/28': { 'next-hop': { '203.0.113.1': {} } }, '198.51.100.112/28': { 'next-hop': { '203.0.113.1': { distance: '20' } } } });
    for (const prefix of ['198.51.100.96/28', '198.51.100.112/28']) expect((await broker.run('ROUTES', 'remove', { prefix })).code).toBe(0);
    expect((await broker.run('ROUTES', 'list')).json.result).toEqual({ any: false });
  });

  it('SOURCE_NAT, PORT_FORWARDING and BGP round trips (CLI)', async () => {
    const snat = await broker.run('SOURCE_NAT', 'create', { rule_number: 100, source_cidr: '203.0.113.32/28', out_interface: 'eth0' });
    expect(snat.code, JSON.stringify(snat.json)).toBe(0);
    expect(snat.json.result).toMatchObject({ translation: 'masquerade' });
    expect(((await broker.run('SOURCE_NAT', 'list')).json.result as { rules: Rules }).rules['100']).toMatchObject({ 'outbound-interface': { name: 'eth0' } });
    expect((await broker.run('SOURCE_NAT', 'delete', { rule_number: 100 })).code).toBe(0);
    expect((await broker.run('SOURCE_NAT', 'list')).json.result).toEqual({ any: false });

    const pf = await broker.run('PORT_FORWARDING', 'create', { rule_number: 200, in_interface: 'eth0', protocol: 'tcp', public_ip: '203.0.113.10', public_port: 2222, private_ip: '203.0.113.34', private_port: 22 });
    expect(pf.code, JSON.stringify(pf.json)).toBe(0);
    expect(((await broker.run('PORT_FORWARDING', 'list')).json.result as { rules: Rules }).rules['200']).toMatchObject({ translation: { address: '203.0.113.34', port: '22' } });
    expect((await broker.run('PORT_FORWARDING', 'delete', { rule_number: 200 })).code).toBe(0);
    expect((await broker.run('PORT_FORWARDING', 'list')).json.result).toEqual({ any: false });

    const bgp = await broker.run('BGP', 'add_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.18', remote_as: 65002 });
    expect(bgp.json).toMatchObject({ ok: true, result: { remote_as: '65002' } });
    expect(((await broker.run('BGP', 'summary')).json.result as { bgp: Record<string, unknown> }).bgp).toMatchObject({ 'system-as': '65001', neighbor: { '203.0.113.18': { 'remote-as': '65002' } } });
    expect((await broker.run('BGP', 'remove_neighbor', { neighbor_ip: '203.0.113.18' })).code).toBe(0);
  });

  it('VyOS error answers become VnfErrors: a failed commit (400) and a wrong key (401)', async () => {
    const bad = await broker.run('FIREWALL_RULES', 'create', { rule_number: 40, protocol: 'all', dest_port: 80, action: 'accept' });
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('400') as unknown } });
    expect(JSON.stringify(bad.json)).not.toContain('Commit failed');
    const wrong = vendorAppliance(lab, sim15, { id: `lab-vyos-wrong-${process.pid}`, csData: { api_key: 'not-the-key' } });
    const refused = await cliRunner(DICT, lab.writeFile('vyos-wrong.json', JSON.stringify(wrong)), lab.info.dir).run('ROUTES', 'list');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('401') as unknown } });
    expect(JSON.stringify(refused.json)).not.toContain('not-the-key');
  });
});
