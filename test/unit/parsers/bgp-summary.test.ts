import { describe, expect, it } from 'vitest';
import { parseBgpSummary } from '../../../src/dictionary/parsers/index.js';
import { expectNoMatch, fixture, fixtureJson } from './fixtures.js';

interface FrrJsonPeer { remoteAs: number; version: number; msgRcvd: number; msgSent: number; state: string; pfxRcd: number; pfxSnt: number; peerUptime: string }
interface FrrJson { ipv4Unicast: { routerId: string; as: number; tableVersion: number; peers: Record<string, FrrJsonPeer> } }

describe('parse_bgp_summary', () => {
  it.each([
    ['show-ip-bgp-summary.txt', 'show-bgp-summary-json.json'],
    ['peer-show-ip-bgp-summary.txt', 'peer-show-bgp-summary-json.json'],
  ])('FRR text %s agrees with vtysh JSON %s captured at the same moment', (txt, json) => {
    const parsed = parseBgpSummary(fixture('frr', txt));
    const truth = fixtureJson<FrrJson>(json).ipv4Unicast;
    expect(parsed.router_id).toBe(truth.routerId);
    expect(parsed.local_as).toBe(truth.as);
    expect(parsed.vrf).toBe('default');
    expect(parsed.neighbors.map((n) => n.neighbor).sort()).toEqual(Object.keys(truth.peers).sort());
    for (const n of parsed.neighbors) {
      const peer = truth.peers[n.neighbor]!;
      expect(n.remote_as).toBe(peer.remoteAs);
      expect(n.version).toBe(peer.version);
      expect(n.msg_rcvd).toBe(peer.msgRcvd);
      expect(n.msg_sent).toBe(peer.msgSent);
      expect(n.state).toBe(peer.state);
      expect(n.prefixes_sent).toBe(peer.pfxSnt);
      if (peer.state === 'Established') expect(n.prefixes_received).toBe(peer.pfxRcd);
      else expect(n.prefixes_received).toBeNull();
      expect(n.address_family).toBe('IPv4 Unicast');
    }
  });

  it('FRR: a neighbor that is not up keeps its FSM state and description', () => {
    const parsed = parseBgpSummary(fixture('frr', 'show-ip-bgp-summary.txt'));
    expect(parsed.neighbors.find((n) => n.neighbor === '203.0.113.5')).toMatchObject({
      state: 'Connect', up_down: 'never', prefixes_received: null, prefixes_sent: 0, description: 'unreachable-peer',
    });
    expect(parsed.neighbors.find((n) => n.neighbor === '203.0.113.18')?.description).toBeNull();
  });

  it('Cisco IOS: prefix counts mean Established; multi-word states survive', () => {
    const parsed = parseBgpSummary(fixture('ios', 'show-ip-bgp-summary.txt'));
    expect(parsed).toMatchObject({ router_id: '198.51.100.1', local_as: 65100, table_version: 27, vrf: null });
    expect(parsed.neighbors).toHaveLength(4);
    expect(parsed.neighbors[0]).toEqual({
      neighbor: '198.51.100.2', version: 4, remote_as: 65100, msg_rcvd: 153, msg_sent: 149, table_version: 27,
      in_q: 0, out_q: 0, up_down: '02:11:46', state: 'Established', prefixes_received: 4,
      prefixes_sent: null, description: null, address_family: null,
    });
    expect(parsed.neighbors.map((n) => n.state)).toEqual(['Established', 'Established', 'Idle (Admin)', 'Active']);
  });

  it('IOS wraps long (IPv6) neighbor addresses onto their own line', () => {
    const text = 'BGP router identifier 198.51.100.1, local AS number 65100\n\n' +
      'Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd\n' +
      '2001:DB8:0:CC00::1\n                4        65200      12      14        3    0    0 00:08:23        2\n';
    expect(parseBgpSummary(text).neighbors[0]).toMatchObject({ neighbor: '2001:DB8:0:CC00::1', remote_as: 65200, prefixes_received: 2 });
  });

  it('FRR with no neighbors gives an empty list; other output is a parse error', () => {
    expect(parseBgpSummary('BGP router identifier 203.0.113.10, local AS number 65001 vrf-id 0\n% No BGP neighbors found in VRF default\n').neighbors).toEqual([]);
    for (const text of ['', 'nothing', '% BGP instance not found\n', fixture('frr', 'show-ip-route.txt')]) {
      expectNoMatch(() => parseBgpSummary(text));
    }
  });
});
