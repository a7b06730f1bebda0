import { describe, expect, it } from 'vitest';
import { parseRoutingTable } from '../../../src/dictionary/parsers/index.js';
import { expectNoMatch, fixture, fixtureJson } from './fixtures.js';

interface FrrJsonRoute { prefix: string; protocol: string; selected?: boolean; installed?: boolean; distance: number; metric: number;
  nexthops: Array<{ ip?: string; interfaceName?: string; directlyConnected?: boolean; unreachable?: boolean; fib?: boolean }> }

describe('parse_routing_table', () => {
  it.each([
    ['show-ip-route.txt', 'show-ip-route-json.json'],
    ['peer-show-ip-route.txt', 'peer-show-ip-route-json.json'],
  ])('FRR text %s agrees with vtysh JSON %s', (txt, json) => {
    const table = parseRoutingTable(fixture('frr', txt));
    const truth = fixtureJson<Record<string, FrrJsonRoute[]>>(json);
    expect(table.format).toBe('frr');
    expect(table.routes.map((r) => r.prefix).sort()).toEqual(Object.keys(truth).sort());
    for (const route of table.routes) {
      const t = truth[route.prefix]![0]!;
      expect(route.protocol?.toLowerCase()).toContain(t.protocol);
      expect(route.selected).toBe(t.selected === true);
      expect(route.fib).toBe(t.installed === true);
      if (t.protocol !== 'connected') expect([route.distance, route.metric]).toEqual([t.distance, t.metric]);
      expect(route.next_hops.map((h) => h.via ?? null).sort()).toEqual(t.nexthops.map((h) => h.ip ?? null).sort());
      expect(route.next_hops.map((h) => h.interface).sort()).toEqual(t.nexthops.map((h) => h.interfaceName ?? null).sort());
      expect(route.next_hops.every((h) => h.blackhole)).toBe(t.nexthops.every((h) => h.unreachable === true));
    }
  });

  it('FRR: legend, ECMP continuation lines, blackholes and connected routes', () => {
    const table = parseRoutingTable(fixture('frr', 'show-ip-route.txt'));
    expect(table.codes).toMatchObject({ S: 'static', C: 'connected', B: 'BGP', '>': 'selected route', '*': 'FIB route' });
    const ecmp = table.routes.find((r) => r.prefix === '198.51.100.112/28')!;
    expect(ecmp.next_hops).toHaveLength(2);
    expect(ecmp.next_hops.every((h) => h.fib && h.weight === 1)).toBe(true);
    expect(table.routes.find((r) => r.prefix === '198.51.100.80/28')?.next_hops[0]).toMatchObject({ blackhole: true, via: null });
    expect(table.routes.find((r) => r.prefix === '203.0.113.0/28')).toMatchObject({
      code: 'C', protocol: 'connected', distance: null, next_hops: [{ directly_connected: true, interface: 'eth0' }],
    });
    expect(table.routes.find((r) => r.prefix === '198.51.100.128/28')).toMatchObject({ distance: 250, metric: 0, code: 'S' });
  });

  it('Cisco IOS (15.x): codes with sub-types, candidate default, subnetted headers, ECMP', () => {
    const table = parseRoutingTable(fixture('ios', 'show-ip-route.txt'));
    expect(table.format).toBe('ios');
    expect(table.gateway_of_last_resort).toBe('203.0.113.1 to network 0.0.0.0');
    expect(table.routes).toHaveLength(12);
    expect(table.routes[0]).toMatchObject({ code: 'S', prefix: '0.0.0.0/0', candidate_default: true, distance: 1, metric: 0 });
    expect(table.routes.find((r) => r.code === 'O IA')).toMatchObject({
      prefix: '198.51.100.128/26', protocol: 'OSPF', distance: 110, metric: 3, uptime: '00:05:43',
      next_hops: [{ via: '198.51.100.2', interface: 'GigabitEthernet0/1' }],
    });
    expect(table.routes.find((r) => r.prefix === '203.0.113.32/28')?.next_hops.map((h) => h.via)).toEqual(['203.0.113.1', '198.51.100.2']);
    expect(table.routes.find((r) => r.prefix === '198.51.100.224/27')?.next_hops[0]).toMatchObject({ interface: 'Null0', blackhole: true });
    expect(table.routes.find((r) => r.code === 'B')).toMatchObject({ uptime: '1d02h', next_hops: [{ via: '203.0.113.5', interface: null }] });
  });

  it('Cisco IOS (12.x classful): prefixes without length take it from the "is subnetted" line', () => {
    const table = parseRoutingTable(fixture('ios', 'show-ip-route-classful.txt'));
    expect(table.gateway_of_last_resort).toBe('not set');
    expect(table.routes.map((r) => r.prefix)).toEqual(['198.51.100.0/27', '198.51.100.32/27', '198.51.100.64/27', '203.0.113.0/24']);
    expect(table.routes[1]).toMatchObject({ code: 'R', protocol: 'RIP', distance: 120, metric: 1 });
  });

  it('other output is a parse error, never raw text', () => {
    for (const text of ['', 'show ip route\n% Unknown command.', fixture('frr', 'show-ip-bgp-summary.txt'), fixture('ios', 'show-ip-interface-brief.txt')]) {
      expectNoMatch(() => parseRoutingTable(text));
    }
  });
});
