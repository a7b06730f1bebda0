// NAT of the fake IOS-XE router: dynamic inside-source mappings (`ip nat inside source list ACL
// interface IF overload`: PAT to an interface address) and static ones (`ip nat inside source static
// [tcp|udp] LOCAL [LPORT] GLOBAL [GPORT] [extendable]`), with IOS's conflict checks and lines.

export interface NatDynamic { list: string; interface: string; overload: boolean }
export interface NatStatic {
  protocol?: 'tcp' | 'udp';
  localIp: string;
  localPort?: number;
  globalIp: string;
  globalPort?: number;
  extendable: boolean;
}
export interface NatTable { dynamic: NatDynamic[]; static: NatStatic[] }

const local = (s: NatStatic): string => `${s.localIp}${s.localPort !== undefined ? `:${s.localPort}` : ''}`;
const global = (s: NatStatic): string => `${s.globalIp}${s.globalPort !== undefined ? `:${s.globalPort}` : ''}`;
const sameGlobal = (a: NatStatic, b: NatStatic): boolean => a.protocol === b.protocol && global(a) === global(b);
const sameLocal = (a: NatStatic, b: NatStatic): boolean => a.protocol === b.protocol && local(a) === local(b);

/** Adds a static mapping; the IOS message when it clashes with another one, else undefined (an identical line is accepted again). */
export function addStatic(nat: NatTable, s: NatStatic): string | undefined {
  const existing = nat.static.find((x) => sameGlobal(x, s) && sameLocal(x, s));
  if (existing) { existing.extendable ||= s.extendable; return undefined; }
  // a global address/port maps to one inside address; one inside address/port to several only when extendable
  const clash = nat.static.find((x) => sameGlobal(x, s) || (sameLocal(x, s) && !(x.extendable && s.extendable)));
  if (clash) return `% similar static entry (${local(clash)} -> ${global(clash)}) already exists`;
  nat.static.push(s);
  return undefined;
}

export function removeStatic(nat: NatTable, s: NatStatic): string | undefined {
  const i = nat.static.findIndex((x) => sameGlobal(x, s) && sameLocal(x, s));
  if (i < 0) return '% Translation not found';
  nat.static.splice(i, 1);
  return undefined;
}

/** A mapping for an access list replaces the one the list had. */
export function addDynamic(nat: NatTable, d: NatDynamic): void {
  nat.dynamic = [...nat.dynamic.filter((x) => x.list !== d.list), d];
}

export function removeDynamic(nat: NatTable, d: NatDynamic): string | undefined {
  const before = nat.dynamic.length;
  nat.dynamic = nat.dynamic.filter((x) => !(x.list === d.list && x.interface === d.interface && x.overload === d.overload));
  return nat.dynamic.length === before ? '%Dynamic mapping not found' : undefined;
}

export function natRunningConfig(nat: NatTable): string[] {
  return [
    ...nat.dynamic.map((d) => `ip nat inside source list ${d.list} interface ${d.interface}${d.overload ? ' overload' : ''}`),
    ...nat.static.map((s) => `ip nat inside source static ${s.protocol ? `${s.protocol} ${s.localIp} ${s.localPort} ${s.globalIp} ${s.globalPort}` : `${s.localIp} ${s.globalIp}`}${s.extendable ? ' extendable' : ''}`),
  ];
}
