// dictionaries/fortigate.yaml against the FortiOS simulator (test/simulators/fortigate/) running in
// the lab's appliance namespaces on 203.0.113.10:8443, reached through the jump host: health check,
// FIREWALL_RULES create → list (stable policyid) → delete → list, through the `vnf-broker` CLI and
// through the API server; a retried create converges on FortiOS's duplicate (-5); NAT and routes;
// FortiOS error answers become VnfErrors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import type { Lab } from '../lab/lab.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import { cliRunner, expectHealthy, startApi, startSimulator, vendorAppliance, type ApiHarness, type Simulator } from './vendor-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const DICT = 'dictionaries/fortigate.yaml';
const TOKEN = `fgt-${process.pid}-tok3n`;
interface Policy { policyid: number; name: string; action: string; srcaddr: Array<{ name: string }>; service: Array<{ name: string }> }
type Cli = ReturnType<typeof cliRunner>;

describe.skipIf(skip !== undefined)('FortiGate (FortiOS REST simulator in the lab)', () => {
  let lab: Lab;
  let sim: Simulator;
  let appliance: ApplianceContext;
  let broker: Cli;
  let api: ApiHarness;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: [8443] });
    sim = await startSimulator(lab, 'fortigate', 'test/simulators/fortigate/main.ts', 8443, ['--token', TOKEN]);
    appliance = vendorAppliance(lab, sim, { id: `lab-fortigate-${process.pid}`, credentials: { api_token: TOKEN } });
    broker = cliRunner(DICT, lab.writeFile('fortigate-appliance.json', JSON.stringify(appliance)), lab.info.dir);
    api = await startApi(DICT, 'fortigate', appliance);
  });
  afterAll(async () => {
    await api?.close();
    await sim?.stop();
    await lab?.stop();
  });

  it('healthcheck passes (CLI and API)', async () => {
    await expectHealthy(broker, api, 'system_status');
  });

  it('CLI: FIREWALL_RULES create → list shows the policy by its policyid → delete → gone; a retried create converges', async () => {
    const data = { name: 'cs-web-1', srcintf: 'port1', dstintf: 'port2', protocol: 'tcp', source_cidr: '198.51.100.0/24', dest_cidr: '203.0.113.32/28', dest_port: 443, action: 'accept' };
    const created = await broker.run('FIREWALL_RULES', 'create', data);
    expect(created.code, JSON.stringify(created.json)).toBe(0);
    const result = created.json.result as { policyid: number; name: string; action: string; already?: boolean };
    expect(result).toMatchObject({ name: 'cs-web-1', action: 'accept' });
    expect(result.policyid).toBeGreaterThan(0);
    expect(result.already).toBeUndefined();

    const again = await broker.run('FIREWALL_RULES', 'create', data);
    expect(again.code, JSON.stringify(again.json)).toBe(0);
    expect(again.json.result).toMatchObject({ policyid: result.policyid, already: true });

    const listed = await broker.run('FIREWALL_RULES', 'list');
    const rules = (listed.json.result as { rules: Policy[] }).rules;
    expect(rules.filter((r) => r.name === 'cs-web-1')).toHaveLength(1);
    expect(rules.find((r) => r.policyid === result.policyid)).toMatchObject({ srcaddr: [{ name: 'cs-src-cs-web-1' }], service: [{ name: 'cs-svc-cs-web-1' }] });

    const deleted = await broker.run('FIREWALL_RULES', 'delete', { policyid: result.policyid, name: 'cs-web-1' });
    expect(deleted.code, JSON.stringify(deleted.json)).toBe(0);
    const after = await broker.run('FIREWALL_RULES', 'list');
    expect((after.json.result as { rules: Policy[] }).rules.find((r) => r.policyid === result.policyid)).toBeUndefined();
    // deleting again converges (404 is "already")
    expect((await broker.run('FIREWALL_RULES', 'delete', { policyid: result.policyid, name: 'cs-web-1' })).code).toBe(0);
  });

  it('API: FIREWALL_RULES create with a chosen policyid → list → delete → list', async () => {
    const create = await api.operation('FIREWALL_RULES', 'create', { name: 'cs-dns', policyid: 4242, srcintf: 'port2', dstintf: 'any', protocol: 'udp', dest_port: 53, action: 'deny' });
    expect(create.status, create.text).toBe(200);
    expect(create.json().result).toMatchObject({ ok: true, result: { policyid: 4242, name: 'cs-dns', action: 'deny' } });
    const list = async (): Promise<Policy[]> => {
      const reply = await api.operation('FIREWALL_RULES', 'list');
      expect(reply.status, reply.text).toBe(200);
      return (reply.json().result as { result: { rules: Policy[] } }).result.rules;
    };
    expect((await list()).find((r) => r.policyid === 4242)).toMatchObject({ name: 'cs-dns', srcaddr: [{ name: 'all' }], service: [{ name: 'cs-svc-cs-dns' }] });
    const del = await api.operation('FIREWALL_RULES', 'delete', { policyid: 4242, name: 'cs-dns' });
    expect(del.status, del.text).toBe(200);
    expect((await list()).find((r) => r.policyid === 4242)).toBeUndefined();
  });

  it('SOURCE_NAT, PORT_FORWARDING and ROUTES round trips (CLI)', async () => {
    const snat = await broker.run('SOURCE_NAT', 'create', { name: 'cs-snat', srcintf: 'port2', dstintf: 'port1', source_cidr: '203.0.113.32/28', to_address: '198.51.100.77' });
    expect(snat.code, JSON.stringify(snat.json)).toBe(0);
    const snatId = (snat.json.result as { policyid: number; nat: string }).policyid;
    expect(snat.json.result).toMatchObject({ nat: 'enable' });
    expect(((await broker.run('SOURCE_NAT', 'list')).json.result as { rules: Policy[] }).rules.map((r) => r.policyid)).toEqual([snatId]);
    expect((await broker.run('SOURCE_NAT', 'delete', { policyid: snatId, name: 'cs-snat' })).code).toBe(0);
    expect(((await broker.run('SOURCE_NAT', 'list')).json.result as { rules: Policy[] }).rules).toEqual([]);

    const pf = await broker.run('PORT_FORWARDING', 'create', { name: 'cs-pf-ssh', extintf: 'port1', dstintf: 'port2', protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2222, private_ip: '203.0.113.34', private_port: 22 });
    expect(pf.code, JSON.stringify(pf.json)).toBe(0);
    expect(pf.json.result).toMatchObject({ vip: 'cs-vip-cs-pf-ssh' });
    const vips = ((await broker.run('PORT_FORWARDING', 'list')).json.result as { vips: Array<Record<string, unknown>> }).vips;
    expect(vips).toEqual([expect.objectContaining({ name: 'cs-vip-cs-pf-ssh', extip: '198.51.100.77', mappedip: [{ range: '203.0.113.34' }], extport: '2222', mappedport: '22', portforward: 'enable' })]);
    expect((await broker.run('PORT_FORWARDING', 'delete', { policyid: (pf.json.result as { policyid: number }).policyid, name: 'cs-pf-ssh' })).code).toBe(0);
    expect(((await broker.run('PORT_FORWARDING', 'list')).json.result as { vips: unknown[] }).vips).toEqual([]);

    const route = await broker.run('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: '203.0.113.1', device: 'port1', distance: 20 });
    expect(route.code, JSON.stringify(route.json)).toBe(0);
    const seq = (route.json.result as { seq_num: number }).seq_num;
    const routes = ((await broker.run('ROUTES', 'list')).json.result as { routes: Array<Record<string, unknown>> }).routes;
    expect(routes).toEqual([expect.objectContaining({ 'seq-num': seq, dst: '198.51.100.96 255.255.255.240', gateway: '203.0.113.1', device: 'port1', distance: 20 })]);
    expect((await broker.run('ROUTES', 'remove', { seq_num: seq })).code).toBe(0);
    expect(((await broker.run('ROUTES', 'list')).json.result as { routes: unknown[] }).routes).toEqual([]);
  });

  it('FortiOS error answers become VnfErrors: a bad reference (424) and a refused token (401)', async () => {
    const bad = await broker.run('FIREWALL_RULES', 'create', { name: 'cs-bad', srcintf: 'port9', dstintf: 'port2', protocol: 'any', action: 'accept' });
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('424') as unknown } });
    const viaApi = await api.operation('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: '203.0.113.1', device: 'nosuch0' });
    expect(viaApi.status).toBeGreaterThanOrEqual(400);
    expect(viaApi.headers['content-type']).toContain('application/problem+json');
    expect(viaApi.json()).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS' });
    expect(viaApi.text).not.toContain('entry not found'); // no appliance text in API errors

    const wrong = vendorAppliance(lab, sim, { id: `lab-fortigate-wrong-${process.pid}`, credentials: { api_token: 'not-the-token' } });
    const wrongCli = cliRunner(DICT, lab.writeFile('fortigate-wrong.json', JSON.stringify(wrong)), lab.info.dir);
    const refused = await wrongCli.run('ROUTES', 'list');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('401') as unknown } });
    expect(JSON.stringify(refused.json)).not.toContain('not-the-token');
  });
});
