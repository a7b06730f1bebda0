// dictionaries/routeros.yaml against the RouterOS v7 REST simulator (test/simulators/routeros/) in
// the lab's appliance namespaces on 203.0.113.10:8729, reached through the jump host: health check,
// FIREWALL_RULES create (read back by .id) → list → delete → list through the `vnf-broker` CLI and
// the API server; a retried create finds its rule by comment instead of duplicating it; NAT,
// routes, BGP; RouterOS error answers become VnfErrors.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import type { Lab } from '../lab/lab.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import { cliRunner, expectHealthy, startApi, startSimulator, vendorAppliance, type ApiHarness, type Simulator } from './vendor-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const DICT = 'dictionaries/routeros.yaml';
const PASSWORD = `ros-${process.pid}-Pw`;
type Rec = Record<string, string>;
type Cli = ReturnType<typeof cliRunner>;

describe.skipIf(skip !== undefined)('RouterOS v7 (REST simulator in the lab)', () => {
  let lab: Lab;
  let sim: Simulator;
  let appliance: ApplianceContext;
  let broker: Cli;
  let api: ApiHarness;
  const rules = async (service = 'FIREWALL_RULES'): Promise<Rec[]> => {
    const out = await broker.run(service, 'list');
    expect(out.code, JSON.stringify(out.json)).toBe(0);
    return (out.json.result as { rules: Rec[] }).rules;
  };

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: [8729] });
    sim = await startSimulator(lab, 'routeros', 'test/simulators/routeros/main.ts', 8729, ['--username', 'admin', '--password', PASSWORD]);
    appliance = vendorAppliance(lab, sim, { id: `lab-routeros-${process.pid}`, credentials: { username: 'admin', password: PASSWORD } });
    broker = cliRunner(DICT, lab.writeFile('routeros-appliance.json', JSON.stringify(appliance)), lab.info.dir);
    api = await startApi(DICT, 'routeros', appliance);
  });
  afterAll(async () => {
    await api?.close();
    await sim?.stop();
    await lab?.stop();
  });

  it('healthcheck passes (CLI and API)', async () => {
    await expectHealthy(broker, api, 'healthcheck');
  });

  it('CLI: FIREWALL_RULES create → list shows it by .id → delete → gone; a retried create returns the same rule', async () => {
    const ruleId = randomUUID();
    const data = { rule_id: ruleId, protocol: 'tcp', source_cidr: '198.51.100.0/24', dest_cidr: '203.0.113.32/28', dest_port: 443, action: 'drop' };
    const created = await broker.run('FIREWALL_RULES', 'create', data);
    expect(created.code, JSON.stringify(created.json)).toBe(0);
    const result = created.json.result as Rec;
    expect(result).toMatchObject({ id: expect.stringMatching(/^\*[0-9A-F]+$/) as unknown, chain: 'forward', action: 'drop', comment: `cs:${ruleId}`, disabled: 'false' });

    const again = await broker.run('FIREWALL_RULES', 'create', data);
    expect(again.code, JSON.stringify(again.json)).toBe(0);
    expect((again.json.result as Rec).id).toBe(result.id);

    const listed = (await rules()).filter((r) => r.comment === `cs:${ruleId}`);
    expect(listed).toEqual([expect.objectContaining({ '.id': result.id, chain: 'forward', protocol: 'tcp', 'src-address': '198.51.100.0/24', 'dst-address': '203.0.113.32/28', 'dst-port': '443', action: 'drop' })]);

    const deleted = await broker.run('FIREWALL_RULES', 'delete', { id: result.id });
    expect(deleted.code, JSON.stringify(deleted.json)).toBe(0);
    expect((await rules()).find((r) => r['.id'] === result.id)).toBeUndefined();
    const twice = await broker.run('FIREWALL_RULES', 'delete', { id: result.id });
    expect(twice.json).toMatchObject({ ok: true, result: { already: true } });
  });

  it('API: FIREWALL_RULES create → list → delete → list', async () => {
    const ruleId = randomUUID();
    const create = await api.operation('FIREWALL_RULES', 'create', { rule_id: ruleId, chain: 'input', protocol: 'udp', dest_port: 53, action: 'accept' });
    expect(create.status, create.text).toBe(200);
    const id = (create.json().result as { result: Rec }).result.id;
    expect(create.json().result).toMatchObject({ ok: true, result: { chain: 'input', action: 'accept', comment: `cs:${ruleId}` } });
    const list = async (): Promise<Rec[]> => {
      const reply = await api.operation('FIREWALL_RULES', 'list');
      expect(reply.status, reply.text).toBe(200);
      return (reply.json().result as { result: { rules: Rec[] } }).result.rules;
    };
    expect((await list()).find((r) => r['.id'] === id)).toMatchObject({ protocol: 'udp', 'dst-port': '53' });
    const del = await api.operation('FIREWALL_RULES', 'delete', { id });
    expect(del.status, del.text).toBe(200);
    expect((await list()).find((r) => r['.id'] === id)).toBeUndefined();
  });

  it('SOURCE_NAT, PORT_FORWARDING, ROUTES and BGP round trips (CLI)', async () => {
    const snatId = randomUUID();
    const snat = await broker.run('SOURCE_NAT', 'create', { rule_id: snatId, source_cidr: '203.0.113.32/28', out_interface: 'ether1' });
    expect(snat.code, JSON.stringify(snat.json)).toBe(0);
    expect(snat.json.result).toMatchObject({ action: 'masquerade', comment: `cs:${snatId}` });
    const snatRec = (await rules('SOURCE_NAT')).find((r) => r.comment === `cs:${snatId}`);
    expect(snatRec).toMatchObject({ chain: 'srcnat', 'out-interface': 'ether1', 'src-address': '203.0.113.32/28' });
    expect((await broker.run('SOURCE_NAT', 'delete', { id: (snat.json.result as Rec).id })).code).toBe(0);
    expect(await rules('SOURCE_NAT')).toEqual([]);

    const pfId = randomUUID();
    const pf = await broker.run('PORT_FORWARDING', 'create', { rule_id: pfId, protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2222, private_ip: '203.0.113.34', private_port: 22 });
    expect(pf.code, JSON.stringify(pf.json)).toBe(0);
    expect(await rules('PORT_FORWARDING')).toEqual([expect.objectContaining({ '.id': (pf.json.result as Rec).id, action: 'dst-nat', 'dst-port': '2222', 'to-addresses': '203.0.113.34', 'to-ports': '22' })]);
    expect((await broker.run('PORT_FORWARDING', 'delete', { id: (pf.json.result as Rec).id })).code).toBe(0);
    expect(await rules('PORT_FORWARDING')).toEqual([]);

    const route = await broker.run('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: '203.0.113.1', distance: 5 });
    expect(route.code, JSON.stringify(route.json)).toBe(0);
    expect(route.json.result).toMatchObject({ prefix: '198.51.100.96/28', next_hop: '203.0.113.1', distance: '5' });
    const routes = async (): Promise<Rec[]> => ((await broker.run('ROUTES', 'list')).json.result as { routes: Rec[] }).routes;
    expect((await routes()).map((r) => r['.id'])).toEqual([(route.json.result as Rec).id]);
    expect((await broker.run('ROUTES', 'remove', { id: (route.json.result as Rec).id })).code).toBe(0);
    expect(await routes()).toEqual([]);

    const bgp = await broker.run('BGP', 'add_neighbor', { name: 'peer1', as_number: 65001, neighbor_ip: '203.0.113.18', remote_as: 65002 });
    expect(bgp.code, JSON.stringify(bgp.json)).toBe(0);
    expect(bgp.json.result).toMatchObject({ name: 'peer1', neighbor_ip: '203.0.113.18', remote_as: '65002' });
    const dup = await broker.run('BGP', 'add_neighbor', { name: 'peer1', as_number: 65001, neighbor_ip: '203.0.113.19', remote_as: 65002 });
    expect(dup.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS' } });
    expect((await broker.run('BGP', 'remove_neighbor', { id: (bgp.json.result as Rec).id })).code).toBe(0);
    expect(((await broker.run('BGP', 'list_neighbors')).json.result as { connections: Rec[] }).connections).toEqual([]);
  });

  it('RouterOS error answers become VnfErrors: 400 Bad Request (CLI and API) and 401', async () => {
    // a port without tcp/udp: RouterOS refuses the rule
    const bad = await broker.run('FIREWALL_RULES', 'create', { rule_id: randomUUID(), protocol: 'any', dest_port: 80, action: 'accept' });
    expect(bad.code).toBe(1);
    expect(bad.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('400') as unknown } });
    const viaApi = await api.operation('ROUTES', 'remove', { id: '*FFFF' }); // 404 converges
    expect(viaApi.status, viaApi.text).toBe(200);
    const badApi = await api.operation('FIREWALL_RULES', 'create', { rule_id: randomUUID(), protocol: 'icmp', dest_port: 80, action: 'drop' });
    expect(badApi.status).toBeGreaterThanOrEqual(400);
    expect(badApi.json()).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS' });
    expect(badApi.text).not.toContain('can be specified only');

    const wrong = vendorAppliance(lab, sim, { id: `lab-routeros-wrong-${process.pid}`, credentials: { username: 'admin', password: 'not-the-password' } });
    const refused = await cliRunner(DICT, lab.writeFile('routeros-wrong.json', JSON.stringify(wrong)), lab.info.dir).run('ROUTES', 'list');
    expect(refused.code).toBe(1);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: expect.stringContaining('401') as unknown } });
    expect(JSON.stringify(refused.json)).not.toContain('not-the-password');
  });
});
