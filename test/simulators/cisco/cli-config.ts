// Configuration-mode commands of the fake IOS-XE CLI: global config (interface, ip route, router
// bgp, ip access-list, ip nat, username, hostname, restconf), interface, router and access-list
// submodes, each changing the shared IosState, with IOS's answers ("% Invalid input detected at
// '^' marker.", "% Incomplete command.", "%No matching route to delete", NAT/BGP/ACL messages).
import { AclSyntax, addEntry, parseEntry, sameRule } from './acl.js';
import { isIpv4, isMask, isPort, network } from './net.js';
import { addDynamic, addStatic, removeDynamic, removeStatic, type NatStatic } from './nat.js';
import type { IosState } from './state.js';

export type Mode = 'user' | 'enable' | 'config' | 'config-if' | 'config-router' | 'config-ext-nacl' | 'config-std-nacl';
export const SUFFIX: Record<Mode, string> = {
  user: '>', enable: '#', config: '(config)#', 'config-if': '(config-if)#', 'config-router': '(config-router)#',
  'config-ext-nacl': '(config-ext-nacl)#', 'config-std-nacl': '(config-std-nacl)#',
};
export const CONFIG_MODES: ReadonlySet<Mode> = new Set(['config', 'config-if', 'config-router', 'config-ext-nacl', 'config-std-nacl']);

/** The shell's position: its mode and the object a submode edits. */
export interface ConfigCtx { mode: Mode; iface?: string; acl?: string }

/** A token matches a keyword when it is a prefix of it at least `min` long (IOS abbreviations). */
export const kw = (token: string | undefined, word: string, min = 1): boolean =>
  token !== undefined && token.length >= min && word.startsWith(token.toLowerCase());

export class Reject extends Error {
  constructor(readonly kind: 'invalid' | 'incomplete' | 'text', readonly at = 0, readonly text = '') { super(kind); }
}
/** "% Invalid input" with the marker under token `index` of the line */
export const invalid = (tokens: string[], index: number): Reject => new Reject('invalid', tokens.slice(0, index).join(' ').length + (index > 0 ? 1 : 0));

const NO_NEIGHBOR = '% Specify remote-as or peer-group commands first';

/**
 * Runs one line typed in a configuration mode; returns the lines IOS prints. A line that is not a
 * command of the submode is tried as a global one, and leaves the submode when it is accepted.
 */
export function configLine(state: IosState, ctx: ConfigCtx, t: string[]): string[] {
  const no = t[0] === 'no';
  const c = no ? t.slice(1) : t;
  const off = no ? 1 : 0;
  const bad = (i: number): Reject => invalid(t, off + i);
  let out: string[] | undefined;
  if (ctx.mode === 'config-ext-nacl' || ctx.mode === 'config-std-nacl') out = aclLine(state, ctx, t, no, c, off);
  else if (ctx.mode === 'config-if' && ctx.iface !== undefined) out = interfaceLine(state, ctx.iface, no, c, bad);
  else if (ctx.mode === 'config-router') out = routerLine(state, no, c, bad);
  if (out) return out;
  const before = { ...ctx };
  Object.assign(ctx, { mode: 'config', iface: undefined, acl: undefined });
  try {
    return globalLine(state, ctx, t, no, c, bad);
  } catch (e) {
    Object.assign(ctx, before); // refused: still in the submode
    throw e;
  }
}

function globalLine(state: IosState, ctx: ConfigCtx, t: string[], no: boolean, c: string[], bad: (i: number) => Reject): string[] {
  if (kw(c[0], 'interface', 3)) {
    const name = state.interfaceName(c.slice(1).join(''));
    if (!name) throw c[1] === undefined ? new Reject('incomplete') : bad(1);
    if (!state.interfaces.has(name)) {
      if (!name.startsWith('Loopback')) throw bad(1);
      state.interfaces.set(name, { name, shutdown: false, link: true });
    }
    if (no) { state.interfaces.delete(name); return []; }
    Object.assign(ctx, { mode: 'config-if', iface: name });
    return [];
  }
  if (kw(c[0], 'ip', 2) && kw(c[1], 'route', 2)) return ipRoute(state, no, c, bad);
  if (kw(c[0], 'ip', 2) && kw(c[1], 'access-list', 3)) {
    const kind = kw(c[2], 'extended', 1) ? 'extended' : kw(c[2], 'standard', 1) ? 'standard' : undefined;
    if (!kind) throw c[2] === undefined ? new Reject('incomplete') : bad(2);
    const name = c[3];
    if (name === undefined) throw new Reject('incomplete');
    if (!/^[A-Za-z][\w-]{0,63}$/.test(name)) throw bad(3);
    const acl = state.acls.get(name);
    if (no) { if (acl?.kind === kind) state.acls.delete(name); return []; }
    if (acl && acl.kind !== kind) return ['% A named access list with this name already exists with a different type'];
    if (!acl) state.acls.set(name, { name, kind, entries: [] });
    Object.assign(ctx, { mode: kind === 'extended' ? 'config-ext-nacl' : 'config-std-nacl', acl: name });
    return [];
  }
  if (kw(c[0], 'ip', 2) && kw(c[1], 'nat', 3) && kw(c[2], 'inside', 3) && kw(c[3], 'source', 3)) return natLine(state, no, c, bad);
  if (kw(c[0], 'ip', 2) && kw(c[1], 'http', 3) && kw(c[2], 'secure-server', 3)) { state.httpSecureServer = !no; return []; }
  if (kw(c[0], 'restconf', 4) && c.length === 1) { state.restconf = !no; return []; }
  if (kw(c[0], 'router', 3) && kw(c[1], 'bgp', 1)) {
    const asn = Number(c[2]);
    if (c[2] === undefined) throw new Reject('incomplete');
    if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) throw bad(2);
    if (no) { state.bgp = { routerId: state.bgp.routerId, neighbors: [], networks: [] }; return []; }
    if (state.bgp.asn !== undefined && state.bgp.asn !== asn) return [`% BGP is already running; AS is ${state.bgp.asn}`];
    state.bgp.asn = asn;
    ctx.mode = 'config-router';
    return [];
  }
  if (kw(c[0], 'username', 3) && !no) return username(state, c);
  if (kw(c[0], 'hostname', 3) && c[1]) { state.hostname = c[1]; return []; }
  throw invalid(t, 0);
}

function interfaceLine(state: IosState, iface: string, no: boolean, c: string[], bad: (i: number) => Reject): string[] | undefined {
  const i = state.interfaces.get(iface)!;
  if (kw(c[0], 'ip', 2) && kw(c[1], 'address', 2)) {
    if (no) { delete i.ipv4; return []; }
    if (c[2] === undefined || c[3] === undefined) throw new Reject('incomplete');
    if (!isIpv4(c[2])) throw bad(2);
    if (!isMask(c[3])) throw new Reject('text', 0, `Bad mask 0x for address ${c[2]}`);
    i.ipv4 = { address: c[2], mask: c[3] };
    return [];
  }
  if (kw(c[0], 'ip', 2) && kw(c[1], 'nat', 3) && c.length <= 3) {
    const side = kw(c[2], 'inside', 3) ? 'inside' : kw(c[2], 'outside', 3) ? 'outside' : undefined;
    if (!side) throw c[2] === undefined ? new Reject('incomplete') : bad(2);
    if (no) { if (i.nat === side) delete i.nat; } else i.nat = side;
    return [];
  }
  if (kw(c[0], 'ip', 2) && kw(c[1], 'access-group', 8)) {
    const dir = c.at(-1) === 'in' || c.at(-1) === 'out' ? c.at(-1) as 'in' | 'out' : undefined;
    if (!dir) throw c.length < 4 && !no ? new Reject('incomplete') : bad(c.length - 1);
    i.accessGroup ??= {};
    if (no) delete i.accessGroup[dir];
    else if (c.length !== 4 || !/^[A-Za-z][\w-]{0,63}$/.test(c[2]!)) throw bad(2);
    else i.accessGroup[dir] = c[2]!;
    return [];
  }
  if (kw(c[0], 'description', 1)) { if (no) delete i.description; else i.description = c.slice(1).join(' '); return []; }
  if (kw(c[0], 'shutdown', 2)) { i.shutdown = !no; return []; }
  return undefined;
}

function routerLine(state: IosState, no: boolean, c: string[], bad: (i: number) => Reject): string[] | undefined {
  if (kw(c[0], 'neighbor', 3)) {
    const address = c[1];
    if (address === undefined) throw new Reject('incomplete');
    if (!isIpv4(address)) throw bad(1);
    const known = state.bgp.neighbors.find((n) => n.address === address);
    if (c.length === 2 && no) {
      if (!known) return [NO_NEIGHBOR];
      state.bgp.neighbors = state.bgp.neighbors.filter((n) => n !== known);
      return [];
    }
    if (kw(c[2], 'remote-as', 3)) {
      if (c[3] === undefined) throw new Reject('incomplete');
      const asn = Number(c[3]);
      if (!/^\d+$/.test(c[3]) || asn < 1 || asn > 4294967295) throw bad(3);
      if (no) { if (!known) return [NO_NEIGHBOR]; state.bgp.neighbors = state.bgp.neighbors.filter((n) => n !== known); return []; }
      if (known) known.remoteAs = asn;
      else state.bgp.neighbors.push({ address, remoteAs: asn, state: 'Idle', up: 'never', msgRcvd: 0, msgSent: 0, pfx: 0 });
      return [];
    }
    if (kw(c[2], 'description', 2)) {
      if (!known) return [NO_NEIGHBOR];
      if (no) delete known.description; else known.description = c.slice(3).join(' ');
      return [];
    }
    throw c[2] === undefined ? new Reject('incomplete') : bad(2);
  }
  if (kw(c[0], 'network', 3)) {
    if (c[1] === undefined || !isIpv4(c[1])) throw c[1] === undefined ? new Reject('incomplete') : bad(1);
    const entry = c.slice(1).join(' ');
    state.bgp.networks = state.bgp.networks.filter((n) => n !== entry);
    if (!no) state.bgp.networks.push(entry);
    return [];
  }
  return undefined;
}

function ipRoute(state: IosState, no: boolean, c: string[], bad: (i: number) => Reject): string[] {
  const [, , prefix, mask, hop, distance] = c;
  if (prefix === undefined || mask === undefined || (!no && hop === undefined)) throw new Reject('incomplete');
  if (!isIpv4(prefix)) throw bad(2);
  if (!isIpv4(mask)) throw bad(3);
  if (!isMask(mask) || network(prefix, mask) !== prefix) throw new Reject('text', 0, '%Inconsistent address and mask');
  if (hop !== undefined && !isIpv4(hop)) throw bad(4);
  if (distance !== undefined && (!/^\d+$/.test(distance) || Number(distance) < 1 || Number(distance) > 255)) throw bad(5);
  if (no) return state.removeRoutes(prefix, mask, hop) === 0 ? ['%No matching route to delete'] : [];
  state.addRoute({ prefix, mask, nextHop: hop!, ...(distance !== undefined ? { distance: Number(distance) } : {}) });
  return [];
}

function natLine(state: IosState, no: boolean, c: string[], bad: (i: number) => Reject): string[] {
  // c: ip nat inside source (list NAME interface IF overload | static [tcp|udp] L [LP] G [GP] [extendable])
  if (kw(c[4], 'list', 2)) {
    const list = c[5];
    if (list === undefined || c[6] === undefined) throw new Reject('incomplete');
    if (!kw(c[6], 'interface', 3)) throw bad(6);
    const iface = state.interfaceName(c[7] ?? '');
    if (!iface || !state.interfaces.has(iface)) throw c[7] === undefined ? new Reject('incomplete') : bad(7);
    const overload = c[8] !== undefined && kw(c[8], 'overload', 2);
    if (c[8] !== undefined && !overload) throw bad(8);
    if (c[9] !== undefined) throw bad(9);
    const d = { list, interface: iface, overload };
    if (no) { const err = removeDynamic(state.nat, d); return err ? [err] : []; }
    addDynamic(state.nat, d);
    return [];
  }
  if (!kw(c[4], 'static', 2)) throw c[4] === undefined ? new Reject('incomplete') : bad(4);
  const proto = c[5] === 'tcp' || c[5] === 'udp' ? c[5] : undefined;
  const v = proto ? c.slice(6) : c.slice(5);
  const at = proto ? 6 : 5;
  const n = proto ? 4 : 2;
  for (let i = 0; i < n; i++) {
    if (v[i] === undefined) throw new Reject('incomplete');
    const port = proto && i % 2 === 1;
    if (port ? !isPort(v[i]) : !isIpv4(v[i]!)) throw bad(at + i);
  }
  const extendable = v[n] !== undefined && kw(v[n], 'extendable', 3);
  if (v[n] !== undefined && !extendable) throw bad(at + n);
  if (v[n + 1] !== undefined) throw bad(at + n + 1);
  const s: NatStatic = proto
    ? { protocol: proto, localIp: v[0]!, localPort: Number(v[1]), globalIp: v[2]!, globalPort: Number(v[3]), extendable }
    : { localIp: v[0]!, globalIp: v[1]!, extendable };
  const err = no ? removeStatic(state.nat, s) : addStatic(state.nat, s);
  return err ? [err] : [];
}

/** An entry line (`[seq] permit|deny ...`, `no SEQ`); undefined for anything else (a global command). */
function aclLine(state: IosState, ctx: ConfigCtx, t: string[], no: boolean, c: string[], off: number): string[] | undefined {
  const acl = state.acls.get(ctx.acl ?? '');
  if (!acl || !/^(\d+|permit|deny)$/.test(c[0] ?? '')) return undefined;
  if (no && /^\d+$/.test(c[0] ?? '') && c.length === 1) {
    acl.entries = acl.entries.filter((e) => e.sequence !== Number(c[0]));
    return [];
  }
  try {
    const entry = parseEntry(acl.kind, c);
    if (no) {
      acl.entries = acl.entries.filter((e) => !sameRule(e, entry));
      return [];
    }
    const err = addEntry(acl, entry);
    return err ? [err] : [];
  } catch (e) {
    if (!(e instanceof AclSyntax)) throw e;
    throw e.kind === 'incomplete' ? new Reject('incomplete') : invalid(t, off + e.at);
  }
}

function username(state: IosState, c: string[]): string[] {
  // username NAME privilege N secret [0] PASSWORD
  const name = c[1];
  const pi = c.findIndex((x) => kw(x, 'privilege', 4));
  const si = c.findIndex((x) => kw(x, 'secret', 3) || kw(x, 'password', 4));
  if (!name || si < 0 || c[si + 1] === undefined) throw new Reject('incomplete');
  const password = c[si + 1] === '0' ? c[si + 2] : c[si + 1];
  if (password === undefined) throw new Reject('incomplete');
  const existing = state.user(name);
  const privilege = pi >= 0 ? Number(c[pi + 1]) : existing?.privilege ?? 1;
  if (existing) { existing.password = password; existing.privilege = privilege; } else state.users.push({ username: name, password, privilege });
  return [];
}
