// IP access lists of the fake IOS-XE router: the entry model shared by the CLI (`ip access-list
// extended NAME`, `[seq] permit tcp A W host B eq 443`) and RESTCONF (Cisco-IOS-XE-acl
// access-list-seq-rule / ace-rule), IOS's sequence numbering (an entry without one gets the last
// + 10), and the running-config / `show ip access-lists` renderings.
import { isIpv4, isPort } from './net.js';

export type AclAddr = { any: true } | { host: string } | { address: string; wildcard: string };
export interface AclEntry {
  sequence: number;
  action: 'permit' | 'deny';
  /** extended lists only */
  protocol?: string;
  src: AclAddr;
  /** extended lists only */
  dst?: AclAddr;
  /** destination port (`eq`), tcp/udp only */
  dstEq?: number;
}
export type NewEntry = Omit<AclEntry, 'sequence'> & { sequence?: number };
export interface Acl { name: string; kind: 'extended' | 'standard'; entries: AclEntry[] }

export const PROTOCOLS: readonly string[] = ['ip', 'tcp', 'udp', 'icmp', 'gre', 'esp', 'ahp', 'ospf', 'pim', 'eigrp'];
export const MAX_SEQUENCE = 2147483647;

/** A CLI line IOS refuses: `invalid` with the index of the token the '^' marker points at, or `incomplete`. */
export class AclSyntax extends Error {
  constructor(readonly kind: 'invalid' | 'incomplete', readonly at = 0) { super(kind); }
}

function addr(t: string[], i: number, bareHost: boolean): [AclAddr, number] {
  const x = t[i];
  if (x === undefined) throw new AclSyntax('incomplete');
  if (x === 'any') return [{ any: true }, i + 1];
  if (x === 'host') {
    const h = t[i + 1];
    if (h === undefined) throw new AclSyntax('incomplete');
    if (!isIpv4(h)) throw new AclSyntax('invalid', i + 1);
    return [{ host: h }, i + 2];
  }
  if (!isIpv4(x)) throw new AclSyntax('invalid', i);
  const w = t[i + 1];
  if (w !== undefined && isIpv4(w)) return [{ address: x, wildcard: w }, i + 2];
  // standard lists take a bare address as a host; extended ones need the wildcard
  if (bareHost) return [{ host: x }, i + 1];
  throw w === undefined ? new AclSyntax('incomplete') : new AclSyntax('invalid', i + 1);
}

/** Parses the tokens of an entry line typed in `ip access-list <kind>` mode. */
export function parseEntry(kind: Acl['kind'], t: string[]): NewEntry {
  let i = 0;
  let sequence: number | undefined;
  if (/^\d+$/.test(t[0] ?? '')) {
    sequence = Number(t[0]);
    if (sequence < 1 || sequence > MAX_SEQUENCE) throw new AclSyntax('invalid', 0);
    i = 1;
  }
  const action = t[i];
  if (action !== 'permit' && action !== 'deny') throw action === undefined ? new AclSyntax('incomplete') : new AclSyntax('invalid', i);
  i += 1;
  const seq = sequence !== undefined ? { sequence } : {};
  if (kind === 'standard') {
    const [src, end] = addr(t, i, true);
    if (t[end] !== undefined) throw new AclSyntax('invalid', end);
    return { ...seq, action, src };
  }
  const protocol = t[i];
  if (protocol === undefined) throw new AclSyntax('incomplete');
  if (!PROTOCOLS.includes(protocol)) throw new AclSyntax('invalid', i);
  const [src, j] = addr(t, i + 1, false);
  const [dst, k] = addr(t, j, false);
  if (t[k] === undefined) return { ...seq, action, protocol, src, dst };
  if (t[k] !== 'eq' || (protocol !== 'tcp' && protocol !== 'udp')) throw new AclSyntax('invalid', k);
  const port = t[k + 1];
  if (port === undefined) throw new AclSyntax('incomplete');
  if (!isPort(port)) throw new AclSyntax('invalid', k + 1);
  if (t[k + 2] !== undefined) throw new AclSyntax('invalid', k + 2);
  return { ...seq, action, protocol, src, dst, dstEq: Number(port) };
}

const sameAddr = (a: AclAddr | undefined, b: AclAddr | undefined): boolean => JSON.stringify(a) === JSON.stringify(b);
export const sameRule = (a: NewEntry, b: NewEntry): boolean =>
  a.action === b.action && a.protocol === b.protocol && sameAddr(a.src, b.src) && sameAddr(a.dst, b.dst) && a.dstEq === b.dstEq;

/**
 * Adds an entry with its sequence, or the last + 10. An entry identical to one in the list without a
 * sequence is ignored (IOS keeps one); a taken sequence is refused with IOS's message.
 */
export function addEntry(acl: Acl, e: NewEntry): string | undefined {
  if (e.sequence !== undefined && acl.entries.some((x) => x.sequence === e.sequence)) return '% Duplicate sequence number';
  if (e.sequence === undefined && acl.entries.some((x) => sameRule(x, e))) return undefined;
  const sequence = e.sequence ?? (acl.entries.at(-1)?.sequence ?? 0) + 10;
  if (sequence > MAX_SEQUENCE) return '% Sequence number exceeds the maximum';
  acl.entries.push({ ...e, sequence });
  acl.entries.sort((a, b) => a.sequence - b.sequence);
  return undefined;
}

const addrText = (a: AclAddr, std = false): string =>
  'any' in a ? 'any' : 'host' in a ? (std ? a.host : `host ${a.host}`) : `${a.address}${std ? ', wildcard bits ' : ' '}${a.wildcard}`;

/** "10 permit tcp 198.51.100.0 0.0.0.255 host 203.0.113.5 eq 443" (running-config form) */
export function entryText(e: AclEntry, show = false): string {
  const std = e.protocol === undefined;
  const parts = [String(e.sequence), e.action, ...(e.protocol ? [e.protocol] : []), addrText(e.src, std && show)];
  if (e.dst) parts.push(addrText(e.dst));
  if (e.dstEq !== undefined) parts.push('eq', String(e.dstEq));
  return parts.join(' ');
}

export function aclRunningConfig(acl: Acl): string[] {
  return [`ip access-list ${acl.kind} ${acl.name}`, ...acl.entries.map((e) => ` ${entryText(e)}`)];
}

export function showAccessList(acl: Acl): string[] {
  return [`${acl.kind === 'extended' ? 'Extended' : 'Standard'} IP access list ${acl.name}`, ...acl.entries.map((e) => `    ${entryText(e, true)}`)];
}
