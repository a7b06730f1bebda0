// Exploration: runs candidate linux-frr dictionary commands by hand on a real lab appliance and prints
// the raw output. Run: npx tsx test/lab/run.ts --script test/workflow/scripts/explore-linux-frr.ts
import { startLab } from '../../lab/topology.js';
import { sshRun } from '../../lab/openssh.js';
import { LAB_ADDR } from '../../lab/addresses.js';

const lab = await startLab({ jumpHosts: 1, bgpPeer: true, client: true, forwarding: true });
const show = (title: string, r: { code: number; stdout: string; stderr: string }): void => {
  console.log(`=== ${title} (exit ${r.code})\n${r.stdout}${r.stderr ? `--- stderr\n${r.stderr}` : ''}`);
};
try {
  const root = (cmd: string) => sshRun(lab.info, 'appliance-root', cmd);
  const vty = (cmd: string) => sshRun(lab.info, 'appliance', cmd);
  show('table', await root('nft add table inet cloudstack'));
  show('table again', await root('nft add table inet cloudstack'));
  show('chain', await root("nft add chain inet cloudstack forward '{ type filter hook forward priority 0; policy accept; }'"));
  show('chain again', await root("nft add chain inet cloudstack forward '{ type filter hook forward priority 0; policy accept; }'"));
  show('chain input', await root("nft add chain inet cloudstack input '{ type filter hook input priority 0; policy accept; }'"));
  const id = '3f2b9c1e-5d6a-4b7c-8e9f-0a1b2c3d4e5f';
  show('rule echo', await root(`nft --echo --handle add rule inet cloudstack input ip saddr ${LAB_ADDR.client}/32 tcp dport 8080 drop comment '"cs:${id}"'`));
  show('rule echo2', await root(`nft -e -a add rule inet cloudstack input ip saddr 203.0.113.32/28 ip daddr 203.0.113.33/32 meta l4proto icmp reject comment '"cs:11111111-2222-3333-4444-555555555555"'`));
  show('rule any', await root(`nft -e -a add rule inet cloudstack forward ip saddr 203.0.113.32/28 accept comment '"cs:aaaaaaaa-2222-3333-4444-555555555555"'`));
  show('rule udp', await root(`nft -e -a add rule inet cloudstack forward meta l4proto udp accept comment '"cs:bbbbbbbb-2222-3333-4444-555555555555"'`));
  show('rule tcp noport', await root(`nft -e -a add rule inet cloudstack forward ip daddr 0.0.0.0/0 meta l4proto tcp reject comment '"cs:cccccccc-2222-3333-4444-555555555555"'`));
  show('rule no quotes', await root(`nft -e -a add rule inet cloudstack forward meta l4proto tcp drop comment "cs:dddddddd-2222-3333-4444-555555555555"`));
  show('list chain -a', await root('nft -a list chain inet cloudstack input'));
  show('list fw -a', await root('nft -a list chain inet cloudstack forward'));
  show('list -j', await root('nft -j list chain inet cloudstack input'));
  show('list missing', await root('nft -a list chain inet nosuch input'));
  show('nat', await root("nft add table ip nat && nft add chain ip nat prerouting '{ type nat hook prerouting priority dstnat; policy accept; }' && nft add chain ip nat postrouting '{ type nat hook postrouting priority srcnat; policy accept; }'"));
  show('masq', await root(`nft -e -a add rule ip nat postrouting ip saddr 203.0.113.32/28 oifname '"eth1"' masquerade comment '"cs:eeeeeeee-2222-3333-4444-555555555555"'`));
  show('snat', await root(`nft -e -a add rule ip nat postrouting ip saddr 203.0.113.32/28 oifname eth1 snat to 203.0.113.17 comment '"cs:ffffffff-2222-3333-4444-555555555555"'`));
  show('dnat', await root(`nft -e -a add rule ip nat prerouting ip daddr 203.0.113.33 tcp dport 8081 dnat to 203.0.113.18:8080 comment '"cs:99999999-2222-3333-4444-555555555555"'`));
  show('nat list', await root('nft -a list table ip nat'));
  show('chpasswd', await root(`printf '%s:%s\\n' 'vnfadmin' 'abc' >/dev/null; echo ok`));
  show('ip addr replace', await root('ip addr replace 203.0.113.40/28 dev eth2 && ip link set dev eth2 up && ip -br addr show dev eth2'));
  show('vtysh version', await vty('show version'));
  show('bgp summary none', await vty('show ip bgp summary'));
  show('bgp conf', await vty(['configure terminal', 'router bgp 65001', 'no bgp ebgp-requires-policy', `neighbor ${LAB_ADDR.peer} remote-as 65002`, `neighbor ${LAB_ADDR.peer} description cs peer 1`, 'end'].join('\n')));
  show('bgp wrong as', await vty(['configure terminal', 'router bgp 65009', 'end'].join('\n')));
  await lab.frr('appliance').waitBgpEstablished(LAB_ADDR.peer);
  await new Promise((r) => setTimeout(r, 1500));
  show('bgp summary', await vty('show ip bgp summary'));
  show('bgp neighbor', await vty(`show ip bgp neighbors ${LAB_ADDR.peer}`));
  show('bgp neighbor missing', await vty('show ip bgp neighbors 203.0.113.5'));
  show('network', await vty(['configure terminal', 'router bgp 65001', 'address-family ipv4 unicast', 'network 198.51.100.64/28', 'exit-address-family', 'end'].join('\n')));
  show('routes add', await vty(['configure terminal', `ip route 198.51.100.96/28 ${LAB_ADDR.client}`, `ip route 198.51.100.112/28 ${LAB_ADDR.peer} 200`, 'end'].join('\n')));
  show('routes static', await vty('show ip route static'));
  show('routes remove nodist', await vty(['configure terminal', `no ip route 198.51.100.112/28 ${LAB_ADDR.peer}`, 'end'].join('\n')));
  show('routes remove missing', await vty(['configure terminal', `no ip route 198.51.100.160/28 ${LAB_ADDR.peer}`, 'end'].join('\n')));
  show('routes static after', await vty('show ip route static'));
  show('no neighbor', await vty(['configure terminal', 'router bgp 65001', `no neighbor ${LAB_ADDR.peer}`, 'end'].join('\n')));
  show('no neighbor again', await vty(['configure terminal', 'router bgp 65001', `no neighbor ${LAB_ADDR.peer}`, 'end'].join('\n')));
} finally {
  await lab.stop();
}
