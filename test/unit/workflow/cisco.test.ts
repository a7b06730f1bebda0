import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resolveDictionary, type LoadedDictionary } from '../../../src/dictionary/index.js';
import { isVnfError, type VnfError } from '../../../src/errors.js';
import { startCiscoSimulator, type CiscoSimulator } from '../../simulators/cisco/index.js';
import { applianceFor, closePools, makeEngine } from './engine-helpers.js';

let sim: CiscoSimulator;
let dictionary: LoadedDictionary;

const appliance = () => applianceFor({ sshPort: sim.ssh.port, httpsPort: sim.restconf.port, fingerprint256: sim.fingerprint256 });
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};

beforeAll(async () => {
  sim = await startCiscoSimulator();
  dictionary = await resolveDictionary('cisco-ios-xe');
});
beforeEach(() => { sim.state.routes = []; });
afterEach(closePools);
afterAll(async () => { await sim.close(); });

describe('cisco-ios-xe dictionary against the fake IOS-XE CLI', () => {
  it('Routing.add_static_route configures the route and reads it back from the running config', async () => {
    const { engine, audit } = makeEngine();
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'add_static_route',
      data: { network: '10.9.0.0', subnet_mask: '255.255.0.0', next_hop: '198.51.100.254' }, requestId: 'req-1', jobId: 'job-1' });
    expect(out.result).toEqual({ network: '10.9.0.0', subnet_mask: '255.255.0.0', next_hop: '198.51.100.254' });
    expect(out.steps.map((s) => [s.connection, s.transport, s.commands])).toEqual([['primary', 'ssh', 3], ['primary', 'ssh', 1]]);
    expect(sim.state.routes).toEqual([{ prefix: '10.9.0.0', mask: '255.255.0.0', nextHop: '198.51.100.254' }]);
    const sent = audit.ofType('ssh.command').filter((e) => e.outcome === 'started').map((e) => e.command);
    expect(sent).toEqual(['terminal length 0', 'configure terminal', 'ip route 10.9.0.0 255.255.0.0 198.51.100.254', 'end',
      'show running-config | include ^ip route 10.9.0.0 255.255.0.0 198.51.100.254$']);
    const ops = audit.events.filter((e) => e.type.startsWith('operation.'));
    expect(ops.map((e) => [e.type, e.outcome, e.service, e.operation])).toEqual([
      ['operation.start', 'started', 'Routing', 'add_static_route'], ['operation.end', 'success', 'Routing', 'add_static_route']]);
  });

  it('remove_static_route removes it; removing it again is converged, not an error', async () => {
    sim.state.routes = [{ prefix: '10.9.0.0', mask: '255.255.0.0', nextHop: '198.51.100.254' }];
    const { engine } = makeEngine();
    const run = () => engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'remove_static_route',
      data: { network: '10.9.0.0', subnet_mask: '255.255.0.0' } });
    await run();
    expect(sim.state.routes).toEqual([]);
    const again = await run();
    expect(again.result).toEqual({ output: '' });
  });

  it('list_static_routes parses show ip route static with parse_routing_table', async () => {
    sim.state.routes = [{ prefix: '10.9.0.0', mask: '255.255.0.0', nextHop: '198.51.100.254' }, { prefix: '10.10.0.0', mask: '255.255.255.0', nextHop: '198.51.100.253' }];
    const { engine } = makeEngine();
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'list_static_routes' });
    const routes = (out.result as { routes: { routes: { prefix: string; protocol: string }[] } }).routes.routes;
    expect(routes.map((r) => r.prefix)).toEqual(['10.9.0.0/16', '10.10.0.0/24']);
  });

  it('an IOS "% Invalid input" line fails the operation with VNF_ERR_SSH_COMMAND_FAILED naming the line', async () => {
    const { engine, audit } = makeEngine();
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Interfaces', operation: 'configure',
      data: { interface_name: 'TenGigabitEthernet9', ip_address: '10.0.0.1 255.255.255.0' } }));
    expect(e.code).toBe('VNF_ERR_SSH_COMMAND_FAILED');
    expect(e.message).toContain("% Invalid input detected at '^' marker.");
    expect(audit.ofType('operation.end')[0]).toMatchObject({ outcome: 'failure', error_code: 'VNF_ERR_SSH_COMMAND_FAILED' });
  });

  it('Interfaces.configure sets the address, description and admin state', async () => {
    const { engine } = makeEngine();
    await engine.runOperation({ dictionary, appliance: appliance(), service: 'Interfaces', operation: 'configure',
      data: { interface_name: 'GigabitEthernet2', ip_address: '203.0.113.1 255.255.255.0', description: 'LAN', admin_status: 'down' } });
    expect(sim.state.interfaces.get('GigabitEthernet2')).toMatchObject({ ipv4: { address: '203.0.113.1', mask: '255.255.255.0' }, description: 'LAN', shutdown: true });
  });

  it('Monitoring.get_bgp_summary parses IOS output with parse_bgp_summary', async () => {
    sim.state.bgp = { asn: 65100, routerId: '198.51.100.1', networks: [], neighbors: [
      { address: '198.51.100.2', remoteAs: 65100, state: 'Established', up: '02:11:46', msgRcvd: 153, msgSent: 149, pfx: 4 },
      { address: '203.0.113.9', remoteAs: 65300, state: 'Idle (Admin)', up: 'never', msgRcvd: 0, msgSent: 0, pfx: 0 }] };
    const { engine } = makeEngine();
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Monitoring', operation: 'get_bgp_summary' });
    const bgp = (out.result as { bgp_status: { local_as: number; router_id: string; neighbors: { neighbor: string; state: string; prefixes_received: number | null }[] } }).bgp_status;
    expect(bgp.local_as).toBe(65100);
    expect(bgp.router_id).toBe('198.51.100.1');
    expect(bgp.neighbors.map((n) => [n.neighbor, n.state, n.prefixes_received])).toEqual([['198.51.100.2', 'Established', 4], ['203.0.113.9', 'Idle (Admin)', null]]);
  });
});

describe('cisco-ios-xe dictionary against the fake RESTCONF API', () => {
  it('Monitoring.get_interfaces returns the interfaces array (JSONPath transform)', async () => {
    const { engine, audit } = makeEngine();
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Monitoring', operation: 'get_interfaces', requestId: 'req-if' });
    const list = (out.result as { interfaces: { name: string; 'admin-status': string }[] }).interfaces;
    expect(list.map((i) => i.name)).toEqual(['GigabitEthernet1', 'GigabitEthernet2', 'GigabitEthernet3']);
    expect(list[2]?.['admin-status']).toBe('if-state-down');
    expect(out.steps).toEqual([expect.objectContaining({ connection: 'restconf', transport: 'https', status: 200 })]);
    const req = audit.ofType('http.request').find((e) => e.outcome === 'success');
    expect(req).toMatchObject({ request_id: 'req-if', http: { method: 'GET', status: 200 } });
    expect(req?.http?.headers?.Authorization).toBe('[redacted]');
    expect(req?.secrets).toContain(Buffer.from('admin:Adm1n-pw').toString('base64'));
  });

  it('POST creates a route (201); a second POST is 409 data-exists, a clear VNF_ERR_HTTP_STATUS', async () => {
    const { engine } = makeEngine();
    const data = { network: '10.20.0.0', subnet_mask: '255.255.0.0', next_hop: '198.51.100.254' };
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'add_static_route_restconf', data });
    expect(out.result).toEqual({ status: 201 });
    expect(sim.state.findRoute('10.20.0.0', '255.255.0.0')).toBeDefined();
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'add_static_route_restconf', data }));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(e.message).toBe("connection 'restconf': HTTP 409 (data-exists)");
    expect(e.details).toEqual({ status: 409, connection: 'restconf', error_tag: 'data-exists' });
  });

  it('DELETE removes the route (204); deleting a missing one is 404 data-missing', async () => {
    sim.state.routes = [{ prefix: '10.20.0.0', mask: '255.255.0.0', nextHop: '198.51.100.254' }];
    const { engine } = makeEngine();
    const run = () => engine.runOperation({ dictionary, appliance: appliance(), service: 'Routing', operation: 'remove_static_route_restconf',
      data: { network: '10.20.0.0', subnet_mask: '255.255.0.0' } });
    expect((await run()).result).toEqual({ status: 204 });
    expect(sim.state.routes).toEqual([]);
    const e = await failure(run());
    expect(e.details).toMatchObject({ status: 404, error_tag: 'data-missing' });
  });

  it('both health checks pass (show version on the CLI, RESTCONF 200)', async () => {
    const { engine } = makeEngine();
    const out = await engine.runHealthchecks({ dictionary, appliance: appliance() });
    expect(out.checks.map((c) => [c.name, c.type, c.status, c.attempts])).toEqual([['ssh_connectivity', 'ssh', 'pass', 1], ['restconf_api', 'http', 'pass', 1]]);
    expect(out.ok).toBe(true);
  });

  it('wrong RESTCONF credentials: the check fails with the status, nothing thrown', async () => {
    const { engine } = makeEngine();
    const out = await engine.runHealthchecks({ dictionary, appliance: { ...appliance(), cs_data: { password: 'wrong-password' } } });
    expect(out.ok).toBe(false);
    expect(out.checks.find((c) => c.name === 'restconf_api')).toMatchObject({ status: 'fail', error: { code: 'VNF_ERR_HEALTHCHECK_FAILED', message: 'expected HTTP 200, got 401' } });
  });
});
