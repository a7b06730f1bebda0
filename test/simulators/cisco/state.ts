// Device state of the fake Cisco IOS-XE router, shared by its CLI and its RESTCONF API: users,
// interfaces (NAT inside/outside, access groups), static routes, access lists, NAT, BGP, the saved
// startup-config; and the IOS-format renderings of `show` commands. Changes are live at once
// (running-config); `write memory` / the cisco-ia:save-config RPC copy it to startup-config.
import { aclRunningConfig, type Acl } from './acl.js';
import { maskLength, network } from './net.js';
import { natRunningConfig, type NatTable } from './nat.js';

export { isIpv4, isMask, maskLength, network } from './net.js';

export interface IosUser { username: string; password: string; privilege: number }
export interface IosInterface {
  name: string;
  description?: string;
  ipv4?: { address: string; mask: string };
  shutdown: boolean;
  /** oper state when not shut down */
  link: boolean;
  nat?: 'inside' | 'outside';
  accessGroup?: { in?: string; out?: string };
}
export interface StaticRoute { prefix: string; mask: string; nextHop: string; distance?: number }
export interface BgpNeighbor { address: string; remoteAs: number; state: string; up: string; msgRcvd: number; msgSent: number; pfx: number; description?: string }

export class IosState {
  hostname = 'Router';
  enableSecret = 'en-secret';
  version = '17.9.4a';
  users: IosUser[];
  interfaces = new Map<string, IosInterface>();
  routes: StaticRoute[] = [];
  bgp: { asn?: number; routerId: string; neighbors: BgpNeighbor[]; networks: string[] } = { routerId: '198.51.100.1', neighbors: [], networks: [] };
  acls = new Map<string, Acl>();
  nat: NatTable = { dynamic: [], static: [] };
  /** RESTCONF answers with both `ip http secure-server` and `restconf` (a day-0 box has neither) */
  httpSecureServer = true;
  restconf = true;
  /** startup-config as last saved */
  startup: string[] = [];
  /** called after every CLI line and RESTCONF request (the process writes its state file) */
  onChange?: () => void;

  constructor(users: IosUser[]) {
    this.users = users;
    for (const [name, address, mask] of [['GigabitEthernet1', '198.51.100.1', '255.255.255.0'], ['GigabitEthernet2', undefined, undefined], ['GigabitEthernet3', undefined, undefined]] as const) {
      this.interfaces.set(name, { name, shutdown: name === 'GigabitEthernet3', link: true, ...(address && mask ? { ipv4: { address, mask } } : {}) });
    }
    this.save();
  }

  user(name: string): IosUser | undefined { return this.users.find((u) => u.username === name); }

  touch(): void { this.onChange?.(); }

  /** `write memory`: running-config becomes startup-config */
  save(): void { this.startup = this.runningConfig().slice(2); }

  /** Expands "Gi2" / "gigabitethernet 2" / "Loopback0" to the canonical name; undefined when unknown and not creatable. */
  interfaceName(raw: string): string | undefined {
    const m = /^([A-Za-z-]+)\s*([\d/.]+)$/.exec(raw.trim());
    if (!m) return undefined;
    const kind = m[1]!.toLowerCase();
    const num = m[2]!;
    if ('gigabitethernet'.startsWith(kind) && kind.length >= 2) return `GigabitEthernet${num}`;
    if ('loopback'.startsWith(kind) && kind.length >= 2) return `Loopback${num}`;
    return undefined;
  }

  addRoute(r: StaticRoute): boolean {
    if (this.findRoute(r.prefix, r.mask, r.nextHop)) return false;
    this.routes.push(r);
    return true;
  }

  findRoute(prefix: string, mask: string, nextHop?: string): StaticRoute | undefined {
    return this.routes.find((r) => r.prefix === prefix && r.mask === mask && (nextHop === undefined || r.nextHop === nextHop));
  }

  removeRoutes(prefix: string, mask: string, nextHop?: string): number {
    const before = this.routes.length;
    this.routes = this.routes.filter((r) => !(r.prefix === prefix && r.mask === mask && (nextHop === undefined || r.nextHop === nextHop)));
    return before - this.routes.length;
  }

  runningConfig(): string[] {
    const out = ['Building configuration...', '', `Current configuration : 1843 bytes`, '!', `version ${this.version.split('.').slice(0, 2).join('.')}`,
      'service timestamps debug datetime msec', '!', `hostname ${this.hostname}`, '!'];
    for (const u of this.users) out.push(`username ${u.username} privilege ${u.privilege} secret 9 $9$${Buffer.from(u.password).toString('base64').slice(0, 14)}`);
    out.push('!');
    for (const i of this.interfaces.values()) {
      out.push(`interface ${i.name}`);
      if (i.description) out.push(` description ${i.description}`);
      out.push(i.ipv4 ? ` ip address ${i.ipv4.address} ${i.ipv4.mask}` : ' no ip address');
      if (i.nat) out.push(` ip nat ${i.nat}`);
      for (const dir of ['in', 'out'] as const) if (i.accessGroup?.[dir]) out.push(` ip access-group ${i.accessGroup[dir]} ${dir}`);
      if (i.shutdown) out.push(' shutdown');
      out.push('!');
    }
    if (this.bgp.asn !== undefined) {
      out.push(`router bgp ${this.bgp.asn}`, ' bgp log-neighbor-changes');
      for (const n of this.bgp.neighbors) {
        out.push(` neighbor ${n.address} remote-as ${n.remoteAs}`);
        if (n.description) out.push(` neighbor ${n.address} description ${n.description}`);
      }
      for (const n of this.bgp.networks) out.push(` network ${n}`);
      out.push('!');
    }
    out.push('ip forward-protocol nd', ...(this.httpSecureServer ? ['ip http secure-server'] : []), ...natRunningConfig(this.nat));
    for (const r of this.routes) out.push(`ip route ${r.prefix} ${r.mask} ${r.nextHop}${r.distance !== undefined ? ` ${r.distance}` : ''}`);
    for (const acl of this.acls.values()) out.push(...aclRunningConfig(acl));
    out.push('!', ...(this.restconf ? ['restconf', '!'] : []), 'end');
    return out;
  }

  showIpRoute(staticOnly = false): string[] {
    const out = ['Codes: L - local, C - connected, S - static, R - RIP, M - mobile, B - BGP',
      '       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area',
      '       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2',
      '       E1 - OSPF external type 1, E2 - OSPF external type 2',
      '       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2',
      '       ia - IS-IS inter area, * - candidate default, U - per-user static route',
      '       o - ODR, P - periodic downloaded static route, H - NHRP, l - LISP',
      '       + - replicated route, % - next hop override', '', 'Gateway of last resort is not set', ''];
    if (!staticOnly) {
      for (const i of this.interfaces.values()) {
        if (!i.ipv4 || i.shutdown) continue;
        const len = maskLength(i.ipv4.mask);
        out.push(`C        ${network(i.ipv4.address, i.ipv4.mask)}/${len} is directly connected, ${i.name}`);
        out.push(`L        ${i.ipv4.address}/32 is directly connected, ${i.name}`);
      }
    }
    for (const r of this.routes) out.push(`S        ${r.prefix}/${maskLength(r.mask)} [${r.distance ?? 1}/0] via ${r.nextHop}`);
    return out;
  }

  showBgpSummary(): string[] {
    if (this.bgp.asn === undefined) return ['% BGP not active', ''];
    const out = [`BGP router identifier ${this.bgp.routerId}, local AS number ${this.bgp.asn}`, 'BGP table version is 1, main routing table version 1', ''];
    if (this.bgp.neighbors.length === 0) return out;
    out.push('Neighbor        V           AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd');
    for (const n of this.bgp.neighbors) {
      const state = n.state === 'Established' ? String(n.pfx).padStart(8) : n.state;
      out.push(`${n.address.padEnd(15)} 4 ${String(n.remoteAs).padStart(12)} ${String(n.msgRcvd).padStart(7)} ${String(n.msgSent).padStart(7)} ${'1'.padStart(8)}    0    0 ${n.up.padEnd(8)} ${state}`);
    }
    return out;
  }

  showIpInterfaceBrief(): string[] {
    const out = ['Interface              IP-Address      OK? Method Status                Protocol'];
    for (const i of this.interfaces.values()) {
      const status = i.shutdown ? 'administratively down' : i.link ? 'up' : 'down';
      const proto = !i.shutdown && i.link ? 'up' : 'down';
      out.push(`${i.name.padEnd(22)} ${(i.ipv4?.address ?? 'unassigned').padEnd(15)} YES ${(i.ipv4 ? 'manual' : 'unset').padEnd(6)} ${status.padEnd(21)} ${proto}`);
    }
    return out;
  }
}

