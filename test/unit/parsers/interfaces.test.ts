import { describe, expect, it } from 'vitest';
import { parseInterfaces } from '../../../src/dictionary/parsers/index.js';
import { expectNoMatch, fixture } from './fixtures.js';

describe('parse_interfaces', () => {
  it('FRR show interface brief (captured): status, VRF, addresses; lo without address', () => {
    const list = parseInterfaces(fixture('frr', 'show-interface-brief.txt'));
    expect(list.map((i) => i.interface)).toEqual(['eth0', 'eth1', 'eth2', 'lo']);
    expect(list[0]).toEqual({ interface: 'eth0', status: 'up', protocol: null, vrf: 'default', addresses: ['203.0.113.10/28'], ok: null, method: null, description: null });
    expect(list[3]?.addresses).toEqual([]);
    expect(parseInterfaces(fixture('frr', 'peer-show-interface-brief.txt')).map((i) => i.addresses.join())).toContain('203.0.113.18/28');
  });

  it('FRR: secondary addresses on continuation lines join their interface', () => {
    const text = fixture('frr', 'show-interface-brief.txt').replace('eth0            up      default         203.0.113.10/28\n',
      'eth0            up      default         203.0.113.10/28\n                                        + 198.51.100.9/28\n');
    expect(parseInterfaces(text)[0]?.addresses).toEqual(['203.0.113.10/28', '198.51.100.9/28']);
  });

  it('Cisco IOS show ip interface brief: multi-word status, unassigned addresses', () => {
    const list = parseInterfaces(fixture('ios', 'show-ip-interface-brief.txt'));
    expect(list).toHaveLength(6);
    expect(list[0]).toEqual({ interface: 'GigabitEthernet0/0', status: 'up', protocol: 'up', vrf: null, addresses: ['203.0.113.2'], ok: true, method: 'NVRAM', description: null });
    expect(list[2]).toMatchObject({ interface: 'GigabitEthernet0/2', status: 'administratively down', protocol: 'down', addresses: [] });
    expect(list[5]).toMatchObject({ interface: 'Tunnel10', status: 'up', protocol: 'down', method: 'manual' });
  });

  it('other output is a parse error', () => {
    for (const text of ['', '% Unknown command', fixture('frr', 'show-ip-route.txt'), 'Interface       Status  VRF             Addresses\neth0  sideways  default\n']) {
      expectNoMatch(() => parseInterfaces(text));
    }
  });
});
