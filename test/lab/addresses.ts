// The lab's address plan. Only 198.51.100.0/24 and 203.0.113.0/24 (documentation ranges),
// one /28 per link, no default routes: each namespace reaches only its neighbours.
//
//   broker 198.51.100.2 ─ 198.51.100.0/28 ─ 198.51.100.3 jump1
//   jump1 198.51.100.17 ─ 198.51.100.16/28 ─ 198.51.100.18 jump2           (2 hops only)
//   last jump 203.0.113.1 ─ 203.0.113.0/28 ─ 203.0.113.10 appliance (eth0, management)
//   appliance 203.0.113.17 ─ 203.0.113.16/28 ─ 203.0.113.18 bgp peer (appliance eth1)
//   appliance 203.0.113.33 ─ 203.0.113.32/28 ─ 203.0.113.34 client   (appliance eth2)

export const LAB_ADDR = {
  broker: '198.51.100.2',
  jump1: '198.51.100.3',
  jump1Inner: '198.51.100.17',
  jump2: '198.51.100.18',
  lastJumpInner: '203.0.113.1',
  appliance: '203.0.113.10',
  applianceToPeer: '203.0.113.17',
  peer: '203.0.113.18',
  applianceToClient: '203.0.113.33',
  client: '203.0.113.34',
} as const;

export const LAB_PREFIX_LEN = 28;

export const LAB_SUBNETS = {
  brokerJump1: '198.51.100.0/28',
  jump1Jump2: '198.51.100.16/28',
  jumpAppliance: '203.0.113.0/28',
  appliancePeer: '203.0.113.16/28',
  applianceClient: '203.0.113.32/28',
} as const;

export const LAB_ASN = { appliance: 65001, peer: 65002 } as const;

export const LAB_HOSTNAMES = { appliance: 'vnf-appliance', peer: 'vnf-bgp-peer' } as const;

export const LAB_PORTS = { ssh: 22, https: 443, proxy: 8888 } as const;

export function cidr(address: string): string {
  return `${address}/${LAB_PREFIX_LEN}`;
}
