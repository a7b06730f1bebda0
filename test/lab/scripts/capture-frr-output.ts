// Captures real FRR CLI output from the lab (appliance + BGP peer) into
// test/fixtures/cli-output/frr/ for the parser tests. Run: tsx test/lab/run.ts --script <this file>
import { mkdirSync, writeFileSync } from 'node:fs';
import { startLab } from '../topology.js';
import { LAB_ADDR, LAB_ASN } from '../addresses.js';

const out = 'test/fixtures/cli-output/frr';
mkdirSync(out, { recursive: true });
const lab = await startLab({ jumpHosts: 1, bgpPeer: true, client: true });
try {
  const cfg = await lab.vtysh('configure terminal',
    'interface eth1', 'description to-bgp-peer', 'exit',
    'interface eth2', 'description to-client', 'exit',
    `ip route 198.51.100.64/28 ${LAB_ADDR.client}`,
    'ip route 198.51.100.80/28 Null0',
    `ip route 198.51.100.112/28 ${LAB_ADDR.client}`,
    `ip route 198.51.100.112/28 ${LAB_ADDR.peer}`,
    `ip route 198.51.100.128/28 ${LAB_ADDR.peer} 250`,
    `router bgp ${LAB_ASN.appliance}`, `bgp router-id ${LAB_ADDR.appliance}`, 'no bgp ebgp-requires-policy',
    `neighbor ${LAB_ADDR.peer} remote-as ${LAB_ASN.peer}`, `neighbor ${LAB_ADDR.peer} timers 1 3`,
    `neighbor ${LAB_ADDR.peer} timers connect 1`,
    'neighbor 203.0.113.5 remote-as 65003', 'neighbor 203.0.113.5 description unreachable-peer',
    'address-family ipv4 unicast', 'network 198.51.100.64/28', 'redistribute static', 'exit-address-family', 'end');
  if (cfg.code !== 0) throw new Error(cfg.stdout + cfg.stderr);
  await lab.frr('appliance').waitBgpEstablished(LAB_ADDR.peer);
  // wait until the peer's two prefixes have arrived
  for (let i = 0; i < 100; i++) {
    const j = JSON.parse((await lab.vtysh('show bgp summary json')).stdout) as { ipv4Unicast?: { peers?: Record<string, { pfxRcd?: number }> } };
    if ((j.ipv4Unicast?.peers?.[LAB_ADDR.peer]?.pfxRcd ?? 0) >= 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const captures: Array<[string, 'appliance' | 'peer', string]> = [
    ['show-ip-bgp-summary', 'appliance', 'show ip bgp summary'],
    ['show-bgp-summary-json', 'appliance', 'show bgp summary json'],
    ['show-ip-route', 'appliance', 'show ip route'],
    ['show-ip-route-json', 'appliance', 'show ip route json'],
    ['show-interface-brief', 'appliance', 'show interface brief'],
    ['show-version', 'appliance', 'show version'],
    ['peer-show-ip-bgp-summary', 'peer', 'show ip bgp summary'],
    ['peer-show-bgp-summary-json', 'peer', 'show bgp summary json'],
    ['peer-show-ip-route', 'peer', 'show ip route'],
    ['peer-show-ip-route-json', 'peer', 'show ip route json'],
    ['peer-show-interface-brief', 'peer', 'show interface brief'],
  ];
  for (const [name, role, command] of captures) {
    const text = await lab.frr(role).show(command);
    const ext = name.endsWith('-json') ? 'json' : 'txt';
    writeFileSync(`${out}/${name}.${ext}`, text);
    console.log(`captured ${name} (${text.length} bytes)`);
  }
} finally {
  await lab.stop();
}
