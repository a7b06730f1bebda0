// Device state of the fake Cisco IOS-XE router, shared by its CLI and its RESTCONF API: users,
// interfaces, static routes, BGP; and the IOS-format renderings of `show` commands.

export interface IosUser { username: string; password: string; privilege: number }
export interface IosInterface {
  name: string;
  description?: string;
  ipv4?: { address: string; mask: string };
  shutdown: boolean;
  /** oper state when not shut down */
  link: boolean;
}
export interface StaticRoute { prefix: string; mask: string; nextHop: string }
export interface BgpNeighbor { address: string; remoteAs: number; state: string; up: string; msgRcvd: number; msgSent: number; pfx: number }

export class IosState {
  hostname = 'Router';
  enableSecret = 'en-secret';
  version = '17.9.4a';
  users: IosUser[];
  interfaces = new Map<string, IosInterface>();
  routes: StaticRoute[] = [];
  bgp: { asn?: number; routerId: string; neighbors: BgpNeighbor[]; networks: string[] } = { routerId: '198.51.100.1', neighbors: [], networks: [] };

  constructor(users: IosUser[]) {
    this.users = users;
    for (const [name, address, mask] of [['GigabitEthernet1', '198.51.100.1', '255.255.255.0'], ['GigabitEthernet2', undefined, undefined], ['GigabitEthernet3', undefined, undefined]] as const) {
      this.interfaces.set(name, { name, shutdown: name === 'GigabitEthernet3', link: true, ...(address && mask ? { ipv4: { address, mask } } : {}) });
    }
  }

  user(name: string): IosUser | undefined { return this.users.find((u) => u.username === name); }

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
      if (i.shutdown) out.push(' shutdown');
      out.push('!');
    }
    if (this.bgp.asn !== undefined) {
      out.push(`router bgp ${this.bgp.asn}`, ' bgp log-neighbor-changes');
      for (const n of this.bgp.neighbors) out.push(` neighbor ${n.address} remote-as ${n.remoteAs}`);
      for (const n of this.bgp.networks) out.push(` network ${n}`);
      out.push('!');
    }
    for (const r of this.routes) out.push(`ip route ${r.prefix} ${r.mask} ${r.nextHop}`);
    out.push('!', 'restconf', '!', 'end');
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
    for (const r of this.routes) out.push(`S        ${r.prefix}/${maskLength(r.mask)} [1/0] via ${r.nextHop}`);
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

export function maskLength(mask: string): number {
  return mask.split('.').map(Number).reduce((n, o) => n + (o >>> 0).toString(2).split('').filter((b) => b === '1').length, 0);
}

export function network(address: string, mask: string): string {
  const a = address.split('.').map(Number);
  const m = mask.split('.').map(Number);
  return a.map((o, i) => o & (m[i] ?? 0)).join('.');
}

export const isIpv4 = (s: string): boolean => /^(\d{1,3})(\.\d{1,3}){3}$/.test(s) && s.split('.').every((o) => Number(o) <= 255);
export const isMask = (s: string): boolean => isIpv4(s) && /^1*0*$/.test(s.split('.').map((o) => Number(o).toString(2).padStart(8, '0')).join(''));
