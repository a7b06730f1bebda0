// dictionaries/cisco-ios-xe.yaml against the fake IOS-XE router (test/simulators/cisco/main.ts)
// running in the lab's appliance namespaces: RESTCONF over HTTPS on 203.0.113.10:8443 and the IOS
// CLI over its own SSH server on :2222, reached through the lab's OpenSSH jump host (certificate and
// host key pinned). Health check; for FIREWALL_RULES, ROUTES (RESTCONF), SOURCE_NAT,
// PORT_FORWARDING and BGP (CLI): create → list shows the stable id → delete → list, through the
// `vnf-broker` CLI and through the API server; empty lists are []; CIDR input lands on the device as
// address + mask (routes) and address + wildcard bits (access lists); device errors (a taken key, a
// missing object, a bad value, a refused login) become VnfErrors; bootstrap of a day-0 box (second simulator).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import type { Lab } from '../lab/lab.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import { cliRunner, startApi, startSimulator, vendorAppliance, type ApiHarness, type Simulator } from './vendor-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const DICT = 'dictionaries/cisco-ios-xe.yaml';
const PASSWORD = `ios-${process.pid}-Pw1`;
type Obj = Record<string, unknown>;
interface Outcome { ok: boolean; result: Obj; error?: { code: string; message: string } }
type Runner = (service: string, operation: string, data?: Obj) => Promise<Outcome>;

/** One service's round trip: what to create, how its list names the id, how to delete it. */
interface Cycle {
  service: string;
  create: [string, (n: number) => Obj];
  list: string;
  ids: (listed: Obj) => string[];
  id: (n: number) => string;
  remove: [string, (n: number) => Obj];
}
const rows = (v: unknown): Obj[] => (Array.isArray(v) ? v as Obj[] : []);
const CYCLES: Cycle[] = [
  { service: 'FIREWALL_RULES', list: 'list', ids: (l) => rows(l.rules).map((r) => String(r.sequence)), id: (n) => String(100 + n),
    create: ['create', (n) => ({ sequence: 100 + n, action: 'permit', protocol: 'tcp', source_cidr: '198.51.100.0/24', dest_cidr: '203.0.113.34/32', dest_port: 443, interface_number: '2' })],
    remove: ['delete', (n) => ({ sequence: 100 + n })] },
  { service: 'ROUTES', list: 'list', ids: (l) => rows(l.routes).map((r) => `${String(r.prefix)} ${String(r.mask)}`), id: (n) => `198.51.100.${64 + 16 * n} 255.255.255.240`,
    create: ['add', (n) => ({ prefix: `198.51.100.${64 + 16 * n}/28`, next_hop: '203.0.113.1', distance: 10 })],
    remove: ['remove', (n) => ({ prefix: `198.51.100.${64 + 16 * n}/28` })] },
  { service: 'SOURCE_NAT', list: 'list', ids: (l) => rows(l.rules).map((r) => String(r.name)), id: (n) => `lan${n}`,
    create: ['create', (n) => ({ name: `lan${n}`, source_cidr: '203.0.113.32/28', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet1' })],
    remove: ['delete', (n) => ({ name: `lan${n}` })] },
  { service: 'PORT_FORWARDING', list: 'list', ids: (l) => rows(l.rules).map((r) => `${String(r.protocol)} ${String(r.public_ip)}:${String(r.public_port)}`), id: (n) => `tcp 198.51.100.77:${2200 + n}`,
    create: ['create', (n) => ({ protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2200 + n, private_ip: '203.0.113.34', private_port: 22 })],
    remove: ['delete', (n) => ({ protocol: 'tcp', public_ip: '198.51.100.77', public_port: 2200 + n })] },
  { service: 'BGP', list: 'list_neighbors', ids: (l) => rows(l.neighbors).map((r) => String(r.neighbor_ip)), id: (n) => `203.0.113.${18 + n}`,
    create: ['add_neighbor', (n) => ({ as_number: 65001, neighbor_ip: `203.0.113.${18 + n}`, remote_as: 65002, description: `peer ${n}` })],
    remove: ['remove_neighbor', (n) => ({ as_number: 65001, neighbor_ip: `203.0.113.${18 + n}` })] },
];

describe.skipIf(skip !== undefined)('Cisco IOS-XE (RESTCONF + IOS CLI simulator in the lab)', () => {
  let lab: Lab;
  let sim: Simulator;
  let stateFile: string;
  let appliance: ApplianceContext;
  let api: ApiHarness;
  const running = (): string[] => (JSON.parse(readFileSync(stateFile, 'utf8')) as { running: string[] }).running;
  const startup = (): string[] => (JSON.parse(readFileSync(stateFile, 'utf8')) as { startup: string[] }).startup;
  const simAppliance = (s: Simulator, id: string, password: string, csData: Obj = {}): ApplianceContext => {
    const ssh = s.ready.ssh as { port: number; fingerprint: string };
    return vendorAppliance(lab, s, { id, credentials: { username: 'admin', password }, csData, ssh: { port: ssh.port, hostKey: ssh.fingerprint } });
  };
  const viaCli = (a: ApplianceContext, file: string): Runner => {
    const broker = cliRunner(DICT, lab.writeFile(file, JSON.stringify(a)), lab.info.dir);
    return async (service, operation, data = {}) => {
      const out = await broker.run(service, operation, data);
      return out.code === 0 ? { ok: true, result: out.json.result as Obj } : { ok: false, result: {}, error: out.json.error as Outcome['error'] };
    };
  };
  const viaApi: Runner = async (service, operation, data = {}) => {
    const reply = await api.operation(service, operation, data);
    const body = reply.json() as Obj & { result?: { result: Obj } };
    if (reply.status === 200) return { ok: true, result: body.result!.result };
    expect(reply.headers['content-type']).toContain('application/problem+json');
    return { ok: false, result: {}, error: { code: String(body.code), message: String(body.detail) } };
  };
  let runners: Array<[string, Runner]>;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: [8443, 2222, 9443, 2223] });
    stateFile = `${lab.info.dir}/cisco-state.json`;
    sim = await startSimulator(lab, 'cisco', 'test/simulators/cisco/main.ts', 8443, ['--ssh-port', '2222', '--username', 'admin', '--password', PASSWORD, '--state-file', stateFile]);
    appliance = simAppliance(sim, `lab-cisco-${process.pid}`, PASSWORD);
    api = await startApi(DICT, 'cisco-ios-xe', appliance);
    runners = [['CLI', viaCli(appliance, 'cisco-appliance.json')], ['API', viaApi]];
  });
  afterAll(async () => {
    await api?.close();
    await sim?.stop();
    await lab?.stop();
  });

  it('healthcheck passes: the IOS CLI (show version) and RESTCONF, through the jump host (CLI and API)', async () => {
    const out = await cliRunner(DICT, lab.writeFile('cisco-hc.json', JSON.stringify(appliance)), lab.info.dir).healthcheck();
    expect(out.code, out.stderr).toBe(0);
    expect(out.json).toMatchObject({ ok: true, result: { checks: [{ name: 'ssh_connectivity', status: 'pass' }, { name: 'restconf_api', status: 'pass' }] } });
    const reply = await api.healthcheck();
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json()).toMatchObject({ result: { ok: true } });
  });

  for (const [n, cycle] of CYCLES.entries()) {
    it(`${cycle.service}: create → list shows ${cycle.id(0)} → delete → list no longer does (CLI, then API)`, async () => {
      for (const [k, [how, run]] of runners.entries()) {
        const i = n === 4 ? k : k + 2 * n; // distinct ids per service and path (BGP: neighbour addresses)
        const created = await run(cycle.service, cycle.create[0], cycle.create[1](i));
        expect(created.ok, `${how}: ${JSON.stringify(created.error)}`).toBe(true);
        expect(created.result.already).toBeUndefined();
        expect(created.result.saved, how).toBeTruthy();
        const listed = await run(cycle.service, cycle.list);
        expect(cycle.ids(listed.result), how).toContain(cycle.id(i));
        // a retried create converges on the same id
        const again = await run(cycle.service, cycle.create[0], cycle.create[1](i));
        expect(again.ok, how).toBe(true);
        expect(cycle.ids((await run(cycle.service, cycle.list)).result).filter((x) => x === cycle.id(i)), how).toHaveLength(1);
        const deleted = await run(cycle.service, cycle.remove[0], cycle.remove[1](i));
        expect(deleted.ok, `${how}: ${JSON.stringify(deleted.error)}`).toBe(true);
        expect(cycle.ids((await run(cycle.service, cycle.list)).result), how).not.toContain(cycle.id(i));
        expect(await run(cycle.service, cycle.remove[0], cycle.remove[1](i)), how).toMatchObject({ ok: true, result: { already: true } });
      }
    });
  }

  it('empty RESTCONF lists are [] (204 / 404); CIDRs land as address + mask / wildcard bits (CLI and API)', async () => {
    for (const [how, run] of runners) {
      expect((await run('FIREWALL_RULES', 'list', { acl_name: 'CS-NONE' })).result, how).toEqual({ rules: [] }); // 404: no such list
      expect((await run('FIREWALL_RULES', 'create', { sequence: 700, action: 'permit', protocol: 'ip', acl_name: 'CS-EMPTY', source_cidr: '172.16.37.9/20', dest_cidr: '198.51.100.64/27' })).ok, how).toBe(true);
      const config = running();
      expect(config.slice(config.indexOf('ip access-list extended CS-EMPTY')), how).toContain(' 700 permit ip 172.16.32.0 0.0.15.255 198.51.100.64 0.0.0.31');
      expect((await run('FIREWALL_RULES', 'delete', { sequence: 700, acl_name: 'CS-EMPTY' })).ok, how).toBe(true);
      expect((await run('FIREWALL_RULES', 'list', { acl_name: 'CS-EMPTY' })).result, how).toEqual({ rules: [] }); // 204: a list without entries

      expect((await run('ROUTES', 'add', { prefix: '10.77.5.1/16', next_hop: '203.0.113.1' })).result, how).toMatchObject({ prefix: '10.77.0.0', mask: '255.255.0.0' });
      expect(running(), how).toContain('ip route 10.77.0.0 255.255.0.0 203.0.113.1');
      expect((await run('ROUTES', 'remove', { prefix: '10.77.0.0/16' })).ok, how).toBe(true);
      expect(running().join('\n'), how).not.toContain('ip route 10.77.');
      expect((await run('ROUTES', 'list')).result, how).toEqual({ routes: [] }); // 204

      expect((await run('SOURCE_NAT', 'create', { name: `wide-${how}`, source_cidr: '10.8.0.0/13', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet1' })).ok, how).toBe(true);
      expect(running().join('\n'), how).toMatch(/^ip access-list standard CS-SNAT-wide-\w+\n \d+ permit 10\.8\.0\.0 0\.7\.255\.255$/m);
      expect((await run('SOURCE_NAT', 'delete', { name: `wide-${how}` })).ok, how).toBe(true);
    }
  });

  it('changes are live in the running-config and saved: the access list is applied to GigabitEthernet2', async () => {
    const [, run] = runners[0]!;
    expect((await run('FIREWALL_RULES', 'create', { sequence: 500, action: 'deny', protocol: 'udp', dest_cidr: '203.0.113.34/32', dest_port: 53, interface_number: '2' })).ok).toBe(true);
    const config = running();
    expect(config.slice(config.indexOf('interface GigabitEthernet2'))).toContain(' ip access-group CS-FW in');
    expect(startup()).toContain(' 500 deny udp any 203.0.113.34 0.0.0.0 eq 53');
    expect((await run('FIREWALL_RULES', 'delete', { sequence: 500 })).ok).toBe(true);
    expect(startup().join('\n')).not.toContain('500 deny');
  });

  it('device errors become VnfErrors (CLI and API): a taken key, a missing object, a bad value', async () => {
    for (const [how, run] of runners) {
      expect((await run('FIREWALL_RULES', 'create', { sequence: 600, action: 'deny', protocol: 'ip' })).ok, how).toBe(true);
      const taken = await run('FIREWALL_RULES', 'create', { sequence: 600, action: 'permit', protocol: 'ip' });
      expect(taken, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: "connection 'restconf': HTTP 409 (data-exists)" } });
      expect((await run('FIREWALL_RULES', 'delete', { sequence: 600 })).ok, how).toBe(true);

      const missing = await run('Routing', 'remove_static_route_restconf', { network: '198.51.100.240', subnet_mask: '255.255.255.240' });
      expect(missing, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: "connection 'restconf': HTTP 404 (data-missing)" } });
      const badValue = await run('FIREWALL_RULES', 'create', { sequence: 601, action: 'permit', protocol: 'icmp', dest_port: 22 });
      expect(badValue, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: "connection 'restconf': HTTP 400 (invalid-value)" } });
      const notCidr = await run('ROUTES', 'add', { prefix: '198.51.100.65', next_hop: '203.0.113.1' });
      expect(notCidr, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_DATA_INVALID', message: "input data is invalid: 'prefix' must be a network in CIDR notation (address/prefix)" } });
      const v6 = await run('ROUTES', 'add', { prefix: '2001:db8::/32', next_hop: '203.0.113.1' });
      expect(v6, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_TEMPLATE_RENDER', message: 'cidr_mask: get_data.prefix is an IPv6 network: cidr_mask is for IPv4 only (IPv6 takes cidr_network and cidr_prefix)' } });

      const pf = { protocol: 'udp', public_ip: '198.51.100.78', public_port: 5353, private_ip: '203.0.113.34', private_port: 53 };
      expect((await run('PORT_FORWARDING', 'create', pf)).ok, how).toBe(true);
      const clash = await run('PORT_FORWARDING', 'create', { ...pf, private_ip: '203.0.113.35' });
      expect(clash, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_PARSE_ERROR_PATTERN',
        message: 'appliance output matched the error pattern: % similar static entry (203.0.113.34:53 -> 198.51.100.78:5353) already exists' } });
      expect((await run('PORT_FORWARDING', 'delete', pf)).ok, how).toBe(true);
      const noIface = await run('SOURCE_NAT', 'create', { name: 'bad', source_cidr: '203.0.113.32/28', inside_interface: 'GigabitEthernet2', outside_interface: 'GigabitEthernet9' });
      expect(noIface, how).toMatchObject({ ok: false, error: { code: 'VNF_ERR_PARSE_ERROR_PATTERN', message: "appliance output matched the error pattern: % Invalid input detected at '^' marker." } });
      // the held IOS shell is back in exec mode: the next operation on it works
      expect((await run('SOURCE_NAT', 'list')).ok, how).toBe(true);
    }
  });

  it('a refused login: RESTCONF 401 and SSH authentication, with no secret in the answer', async () => {
    const run = viaCli(simAppliance(sim, `lab-cisco-wrong-${process.pid}`, 'not-the-password'), 'cisco-wrong.json');
    const restconf = await run('ROUTES', 'list');
    expect(restconf).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS', message: "connection 'restconf': HTTP 401 (access-denied)" } });
    const ssh = await run('BGP', 'list_neighbors');
    expect(ssh.ok).toBe(false);
    expect(ssh.error?.code).toMatch(/^VNF_ERR_SSH_AUTH/);
    expect(JSON.stringify([restconf, ssh])).not.toContain('not-the-password');
  });

  it('bootstrap of a day-0 box: bootstrap password, RESTCONF turned on, new password; the ready test passes over RESTCONF', async () => {
    const day0 = await startSimulator(lab, 'cisco-day0', 'test/simulators/cisco/main.ts', 9443, ['--ssh-port', '2223', '--username', 'admin', '--password', 'Day0-boot-pw', '--day0', 'true']);
    try {
      const fresh = simAppliance(day0, `lab-cisco-day0-${process.pid}`, 'Final-pw-0042', { bootstrap_password: 'Day0-boot-pw', new_password: 'Final-pw-0042' });
      const broker = cliRunner(DICT, lab.writeFile('cisco-day0.json', JSON.stringify(fresh)), lab.info.dir);
      const before = await broker.healthcheck();
      expect(before.code).toBe(1);
      const boot = await broker.bootstrap();
      expect(boot.code, JSON.stringify(boot.json)).toBe(0);
      expect((boot.json.result as { steps: Array<{ step: string; status: string }> }).steps.map((s) => [s.step, s.status])).toEqual([
        ['initial_action System.enable_restconf', 'done'], ['initial_action System.change_password', 'done'], ['ready_test', 'done']]);
      expect(JSON.stringify(boot.json)).not.toContain('Final-pw-0042');
      const after = await broker.healthcheck();
      expect(after.code, JSON.stringify(after.json)).toBe(0);
      expect((await broker.bootstrap()).code).toBe(0); // a re-run: the bootstrap password is refused, the final login is used
    } finally {
      await day0.stop();
    }
  });
});
