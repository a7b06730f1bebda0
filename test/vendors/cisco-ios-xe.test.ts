// dictionaries/cisco-ios-xe.yaml through the engine against the fake IOS-XE router on 127.0.0.1
// (the lab suite cisco-ios-xe.lab.test.ts does the same through the jump host, the CLI and the API):
// FIREWALL_RULES and ROUTES over RESTCONF, SOURCE_NAT, PORT_FORWARDING and BGP over the IOS CLI;
// create → list → delete → list (an empty list is []), convergence on 409 / 404 / nothing found, a
// conflicting rule under a taken sequence, device errors as VnfErrors, changes saved to
// startup-config; CIDR input reaches the device as address + wildcard (ACLs) or + mask (routes).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDictionaryFile, requireValid, type LoadedDictionary } from '../../src/dictionary/index.js';
import { isVnfError, type VnfError } from '../../src/errors.js';
import { startCiscoSimulator, type CiscoSimulator } from '../simulators/cisco/index.js';
import { applianceFor, closePools, makeEngine } from '../unit/workflow/engine-helpers.js';

let sim: CiscoSimulator;
let dictionary: LoadedDictionary;
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};
const run = async (service: string, operation: string, data: Record<string, unknown> = {}, password?: string) =>
  (await makeEngine().engine.runOperation({
    dictionary, service, operation, data,
    appliance: applianceFor({ sshPort: sim.ssh.port, httpsPort: sim.restconf.port, fingerprint256: sim.fingerprint256, ...(password ? { password } : {}) }),
  })).result as Record<string, unknown>;

beforeAll(async () => {
  dictionary = requireValid(await loadDictionaryFile('dictionaries/cisco-ios-xe.yaml', { strict: true }));
});
beforeEach(async () => { sim = await startCiscoSimulator(); });
afterEach(async () => { await closePools(); await sim.close(); });
afterAll(closePools);

describe('cisco-ios-xe.yaml: RESTCONF services', () => {
  it('FIREWALL_RULES: create (applied to the interface, saved) → list by sequence → retry converges → delete → list → delete converges', async () => {
    // the access list does not exist yet: RESTCONF 404, an empty list
    expect(await run('FIREWALL_RULES', 'list')).toEqual({ rules: [] });
    // host bits in a CIDR are cleared: 198.51.100.9/24 is the network 198.51.100.0, wildcard 0.0.0.255
    const rule = { sequence: 20, action: 'permit', protocol: 'tcp', source_cidr: '198.51.100.9/24', dest_cidr: '203.0.113.5/32', dest_port: 443, interface_number: '2' };
    const created = await run('FIREWALL_RULES', 'create', rule);
    expect(created).toMatchObject({ sequence: '20', rule: { action: 'permit', protocol: 'tcp', 'ipv4-address': '198.51.100.0', mask: '0.0.0.255', 'dest-ipv4-address': '203.0.113.5', 'dest-mask': '0.0.0.0', 'dst-eq': 443 }, saved: 'Save running-config successful' });
    expect(created.already).toBeUndefined();
    expect(sim.state.interfaces.get('GigabitEthernet2')?.accessGroup).toEqual({ in: 'CS-FW' });
    expect(sim.state.startup).toContain(' 20 permit tcp 198.51.100.0 0.0.0.255 203.0.113.5 0.0.0.0 eq 443');
    // the read-back is compared with the CIDR's network and wildcard: the retry converges
    expect(await run('FIREWALL_RULES', 'create', rule)).toMatchObject({ already: true, sequence: '20' });
    await run('FIREWALL_RULES', 'create', { sequence: 30, action: 'deny', protocol: 'udp', source_cidr: '172.16.37.0/20', dest_cidr: '198.51.100.64/27' });
    expect(sim.state.acls.get('CS-FW')?.entries.find((e) => e.sequence === 30)).toMatchObject({
      src: { address: '172.16.32.0', wildcard: '0.0.15.255' }, dst: { address: '198.51.100.64', wildcard: '0.0.0.31' } });
    const listed = (await run('FIREWALL_RULES', 'list')).rules as Array<{ sequence: string; 'ace-rule': Record<string, unknown> }>;
    expect(listed.map((r) => r.sequence)).toEqual(['20', '30']);

    await run('FIREWALL_RULES', 'delete', { sequence: 20 });
    await run('FIREWALL_RULES', 'delete', { sequence: 30 });
    // the list exists without entries: RESTCONF 204 No Content, an empty list
    expect(await run('FIREWALL_RULES', 'list')).toEqual({ rules: [] });
    expect(await run('FIREWALL_RULES', 'delete', { sequence: 20 })).toEqual({ already: true });
    expect(sim.state.startup.join('\n')).not.toContain('20 permit');
  });

  it('FIREWALL_RULES: a different rule under a taken sequence fails with the device 409; errors are VnfErrors', async () => {
    await run('FIREWALL_RULES', 'create', { sequence: 10, action: 'deny', protocol: 'ip' });
    const taken = await failure(run('FIREWALL_RULES', 'create', { sequence: 10, action: 'permit', protocol: 'ip' }));
    expect(taken).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS', message: "connection 'restconf': HTTP 409 (data-exists)", details: { status: 409, error_tag: 'data-exists' } });
    expect(sim.state.acls.get('CS-FW')?.entries).toEqual([{ sequence: 10, action: 'deny', protocol: 'ip', src: { any: true }, dst: { any: true } }]);
    // a port on an ip rule: the device refuses the line it would generate (400 invalid-value)
    const refused = await failure(run('FIREWALL_RULES', 'create', { sequence: 30, action: 'permit', protocol: 'icmp', dest_port: 22 }));
    expect(refused).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS', details: { status: 400, error_tag: 'invalid-value' } });
    const noInterface = await failure(run('FIREWALL_RULES', 'create', { sequence: 40, action: 'permit', protocol: 'ip', interface_number: '9' }));
    expect(noInterface.details).toMatchObject({ status: 400, error_tag: 'invalid-value' });
    const auth = await failure(run('FIREWALL_RULES', 'list', {}, 'wrong-password'));
    expect(auth).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS', stage: 'auth', details: { status: 401, error_tag: 'access-denied' } });
  });

  it('ROUTES: add → a second next hop joins the prefix → list → remove one hop → remove the prefix → list', async () => {
    expect(await run('ROUTES', 'list')).toEqual({ routes: [] });
    const first = await run('ROUTES', 'add', { prefix: '198.51.100.64/26', next_hop: '203.0.113.1', distance: 20 });
    expect(first).toMatchObject({ prefix: '198.51.100.64', mask: '255.255.255.192', next_hops: [{ fwd: '203.0.113.1', metric: 20 }], saved: 'Save running-config successful' });
    // the same network written with host bits: the same route
    const second = await run('ROUTES', 'add', { prefix: '198.51.100.70/26', next_hop: '203.0.113.2' });
    expect(second.next_hops).toEqual([{ fwd: '203.0.113.1', metric: 20 }, { fwd: '203.0.113.2' }]);
    expect(await run('ROUTES', 'add', { prefix: '198.51.100.64/26', next_hop: '203.0.113.2' })).toMatchObject({ already: true });
    expect((await run('ROUTES', 'list')).routes).toEqual([{ prefix: '198.51.100.64', mask: '255.255.255.192', 'fwd-list': [{ fwd: '203.0.113.1', metric: 20 }, { fwd: '203.0.113.2' }] }]);
    await run('ROUTES', 'remove', { prefix: '198.51.100.64/26', next_hop: '203.0.113.1' });
    expect(sim.state.routes).toEqual([{ prefix: '198.51.100.64', mask: '255.255.255.192', nextHop: '203.0.113.2' }]);
    await run('ROUTES', 'add', { prefix: '0.0.0.0/0', next_hop: '203.0.113.254' });
    expect(sim.state.runningConfig()).toContain('ip route 0.0.0.0 0.0.0.0 203.0.113.254');
    await run('ROUTES', 'remove', { prefix: '198.51.100.64/26' });
    await run('ROUTES', 'remove', { prefix: '0.0.0.0/0' });
    expect(await run('ROUTES', 'list')).toEqual({ routes: [] });
    expect(await run('ROUTES', 'remove', { prefix: '198.51.100.64/26' })).toEqual({ already: true });
    // not a CIDR: refused with the input; IPv6 (no dotted mask): refused while rendering, before anything is sent
    const notCidr = await failure(run('ROUTES', 'add', { prefix: '198.51.100.64', next_hop: '203.0.113.1' }));
    expect(notCidr).toMatchObject({ code: 'VNF_ERR_DATA_INVALID', details: [{ field: 'prefix', problem: 'must be a network in CIDR notation (address/prefix)' }] });
    const sent = sim.restconf.requests.length;
    const v6 = await failure(run('ROUTES', 'add', { prefix: '2001:db8::/32', next_hop: '203.0.113.1' }));
    expect(v6).toMatchObject({ code: 'VNF_ERR_TEMPLATE_RENDER', message: 'cidr_mask: get_data.prefix is an IPv6 network: cidr_mask is for IPv4 only (IPv6 takes cidr_network and cidr_prefix)' });
    expect(sim.restconf.requests.length).toBe(sent);
  });
});

describe('cisco-ios-xe.yaml: CLI services', () => {
  it('SOURCE_NAT: create (interfaces marked, saved) → list → delete → list → delete converges', async () => {
    const created = await run('SOURCE_NAT', 'create', { name: 'net1', source_cidr: '203.0.113.32/28', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet1' });
    expect(created).toEqual({ name: 'net1', interface: 'GigabitEthernet1', saved: '[OK]' });
    expect([sim.state.interfaces.get('GigabitEthernet2')?.nat, sim.state.interfaces.get('GigabitEthernet1')?.nat]).toEqual(['inside', 'outside']);
    expect(sim.state.startup).toContain('ip nat inside source list CS-SNAT-net1 interface GigabitEthernet1 overload');
    expect((await run('SOURCE_NAT', 'create', { name: 'net1', source_cidr: '203.0.113.32/28', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet1' })).name).toBe('net1');
    expect(await run('SOURCE_NAT', 'list')).toEqual({ rules: [{ name: 'net1', interface: 'GigabitEthernet1' }], sources: [{ name: 'net1', source: '203.0.113.32, wildcard bits 0.0.0.15' }] });
    // net10 starts like net1: the running-config lookups must not take one for the other
    await run('SOURCE_NAT', 'create', { name: 'net10', source_cidr: '10.20.30.40/16', inside_interface: 'GigabitEthernet3', outside_interface: 'GigabitEthernet2' });
    expect(await run('SOURCE_NAT', 'delete', { name: 'net1' })).toMatchObject({ name: 'net1', interface: 'GigabitEthernet1', remaining: [], saved: '[OK]' });
    expect(await run('SOURCE_NAT', 'list')).toEqual({ rules: [{ name: 'net10', interface: 'GigabitEthernet2' }], sources: [{ name: 'net10', source: '10.20.0.0, wildcard bits 0.0.255.255' }] });
    await run('SOURCE_NAT', 'delete', { name: 'net10' });
    expect(await run('SOURCE_NAT', 'list')).toEqual({ rules: [], sources: [] });
    expect(await run('SOURCE_NAT', 'delete', { name: 'net1' })).toEqual({ already: true });
    const bad = await failure(run('SOURCE_NAT', 'create', { name: 'net2', source_cidr: '203.0.113.32/28', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet7' }));
    expect(bad).toMatchObject({ code: 'VNF_ERR_PARSE_ERROR_PATTERN', message: "appliance output matched the error pattern: % Invalid input detected at '^' marker." });
  });

  it('PORT_FORWARDING: create → list → a taken public port is the device error → delete → list', async () => {
    const pf = { protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2222, private_ip: '203.0.113.34', private_port: 22 };
    expect(await run('PORT_FORWARDING', 'create', pf)).toEqual({ protocol: 'tcp', private_ip: '203.0.113.34', private_port: '22', public_ip: '198.51.100.77', public_port: '2222', saved: '[OK]' });
    expect((await run('PORT_FORWARDING', 'create', pf)).public_port).toBe('2222');
    const taken = await failure(run('PORT_FORWARDING', 'create', { ...pf, private_ip: '203.0.113.35' }));
    expect(taken.message).toBe('appliance output matched the error pattern: % similar static entry (203.0.113.34:22 -> 198.51.100.77:2222) already exists');
    expect((await run('PORT_FORWARDING', 'list')).rules).toEqual([{ protocol: 'tcp', private_ip: '203.0.113.34', private_port: '22', public_ip: '198.51.100.77', public_port: '2222' }]);
    // 22220 starts like 2222: the running-config lookup must not take one for the other
    await run('PORT_FORWARDING', 'create', { ...pf, public_port: 22220, private_port: 2222 });
    expect(await run('PORT_FORWARDING', 'delete', { protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2222 })).toMatchObject({ private_ip: '203.0.113.34', private_port: '22', public_port: '2222', remaining: [] });
    expect(((await run('PORT_FORWARDING', 'list')).rules as Array<{ public_port: string }>).map((r) => r.public_port)).toEqual(['22220']);
    await run('PORT_FORWARDING', 'delete', { protocol: 'tcp', public_ip: '198.51.100.77', public_port: 22220 });
    expect(await run('PORT_FORWARDING', 'list')).toEqual({ rules: [] });
    expect(await run('PORT_FORWARDING', 'delete', { protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2222 })).toEqual({ already: true });
  });

  it('BGP: add_neighbor → list_neighbors → summary → remove_neighbor → list; another AS is the device error', async () => {
    expect(await run('BGP', 'add_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.18', remote_as: 65002, description: 'peer one' }))
      .toEqual({ neighbor_ip: '203.0.113.18', remote_as: '65002', saved: '[OK]' });
    expect(await run('BGP', 'list_neighbors')).toEqual({ as_number: [{ as_number: '65001' }], neighbors: [{ neighbor_ip: '203.0.113.18', remote_as: '65002', description: 'peer one' }] });
    const summary = (await run('BGP', 'summary')).bgp as { local_as: number; neighbors: Array<{ neighbor: string; state: string }> };
    expect(summary.local_as).toBe(65001);
    expect(summary.neighbors.map((n) => [n.neighbor, n.state])).toEqual([['203.0.113.18', 'Idle']]);
    const wrongAs = await failure(run('BGP', 'add_neighbor', { as_number: 65009, neighbor_ip: '203.0.113.19', remote_as: 65003 }));
    expect(wrongAs.message).toBe('appliance output matched the error pattern: % BGP is already running; AS is 65001');
    await run('BGP', 'add_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.1', remote_as: 65003 });
    expect(await run('BGP', 'remove_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.1' })).toMatchObject({ neighbor_ip: '203.0.113.1', remaining: [], saved: '[OK]' });
    expect(await run('BGP', 'remove_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.18' })).toMatchObject({ neighbor_ip: '203.0.113.18', remaining: [], saved: '[OK]' });
    expect((await run('BGP', 'list_neighbors')).neighbors).toEqual([]);
    expect(await run('BGP', 'remove_neighbor', { as_number: 65001, neighbor_ip: '203.0.113.18' })).toEqual({ already: true });
  });
});
