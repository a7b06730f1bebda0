// Access lists in the fake RESTCONF API (Cisco-IOS-XE-acl under native/ip/access-list): the
// container (GET, PATCH merge), one list (`extended=NAME`: GET, DELETE, POST of one
// access-list-seq-rule → 201 or 409 data-exists), its entries (GET, 204 when none) and one entry
// (`access-list-seq-rule=SEQ`: GET, PUT, DELETE). Sequence numbers are client-chosen keys
// (uint64, a JSON string per RFC 7951); ace-rule leaves as IOS-XE names them.
import { MAX_SEQUENCE, PROTOCOLS, type Acl, type AclAddr, type AclEntry } from './acl.js';
import { isIpv4, isPort } from './net.js';
import {
  RestconfError, badValue, exists, isEmptyLeaf, missing, notFound, obj, refused, shape, single, type Reply, type Segment,
} from './restconf-types.js';
import type { IosState } from './state.js';

const ACL = 'Cisco-IOS-XE-acl';
const RULE = `${ACL}:access-list-seq-rule`;
const ACE_KEYS = new Set(['action', 'protocol', 'any', 'host-address', 'ipv4-address', 'mask', 'dst-any', 'dst-host-address', 'dest-ipv4-address', 'dest-mask', 'dst-eq']);

function addrJson(a: AclAddr, prefix: '' | 'dst-' | 'std'): Record<string, unknown> {
  if ('any' in a) return { [prefix === 'dst-' ? 'dst-any' : 'any']: [null] };
  if ('host' in a) return { [prefix === 'dst-' ? 'dst-host-address' : 'host-address']: a.host };
  if (prefix === 'dst-') return { 'dest-ipv4-address': a.address, 'dest-mask': a.wildcard };
  return { [prefix === 'std' ? 'ipv4-address-prefix' : 'ipv4-address']: a.address, mask: a.wildcard };
}

export function entryJson(e: AclEntry): Record<string, unknown> {
  if (e.protocol === undefined) return { sequence: String(e.sequence), [e.action]: { 'std-ace': addrJson(e.src, 'std') } };
  return {
    sequence: String(e.sequence),
    'ace-rule': { action: e.action, protocol: e.protocol, ...addrJson(e.src, ''), ...(e.dst ? addrJson(e.dst, 'dst-') : {}), ...(e.dstEq !== undefined ? { 'dst-eq': e.dstEq } : {}) },
  };
}

const aclJson = (acl: Acl): Record<string, unknown> => ({ name: acl.name, ...(acl.entries.length ? { 'access-list-seq-rule': acl.entries.map(entryJson) } : {}) });

/** One of a choice's cases (any / host / address+wildcard); the device refuses a rule without one. */
function addrFrom(o: Record<string, unknown>, keys: { any: string; host: string; addr: string; mask: string }): AclAddr {
  if (o[keys.any] !== undefined) {
    if (!isEmptyLeaf(o[keys.any])) throw badValue(keys.any);
    return { any: true };
  }
  const ip = (k: string): string => {
    const v = o[k];
    if (typeof v !== 'string' || !isIpv4(v)) throw badValue(k);
    return v;
  };
  if (o[keys.host] !== undefined) return { host: ip(keys.host) };
  if (o[keys.addr] !== undefined || o[keys.mask] !== undefined) return { address: ip(keys.addr), wildcard: ip(keys.mask) };
  throw refused();
}

function entryFrom(kind: Acl['kind'], raw: Record<string, unknown>): AclEntry {
  const s = raw.sequence;
  if ((typeof s !== 'string' && typeof s !== 'number') || !/^\d+$/.test(String(s)) || Number(s) < 1 || Number(s) > MAX_SEQUENCE) throw badValue('sequence');
  const sequence = Number(s);
  if (kind === 'standard') {
    const action = raw.permit !== undefined ? 'permit' : raw.deny !== undefined ? 'deny' : undefined;
    const std = obj(obj(action ? raw[action] : undefined)?.['std-ace']);
    if (!action || !std) throw refused();
    return { sequence, action, src: addrFrom(std, { any: 'any', host: 'host-address', addr: 'ipv4-address-prefix', mask: 'mask' }) };
  }
  for (const k of Object.keys(raw)) if (k !== 'sequence' && k !== 'ace-rule') throw new RestconfError(400, 'unknown-element', `unknown element: ${k}`);
  const ace = obj(raw['ace-rule']);
  if (!ace) throw new RestconfError(400, 'missing-element', 'missing element: ace-rule');
  for (const k of Object.keys(ace)) if (!ACE_KEYS.has(k)) throw new RestconfError(400, 'unknown-element', `unknown element: ${k}`);
  const { action, protocol } = ace;
  if (action !== 'permit' && action !== 'deny') throw badValue('action');
  if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol)) throw badValue('protocol');
  const src = addrFrom(ace, { any: 'any', host: 'host-address', addr: 'ipv4-address', mask: 'mask' });
  const dst = addrFrom(ace, { any: 'dst-any', host: 'dst-host-address', addr: 'dest-ipv4-address', mask: 'dest-mask' });
  const port = ace['dst-eq'];
  if (port === undefined) return { sequence, action, protocol, src, dst };
  if ((typeof port !== 'number' && typeof port !== 'string') || !isPort(port)) throw badValue('dst-eq');
  // "eq" exists only for tcp/udp: IOS refuses the line it would generate
  if (protocol !== 'tcp' && protocol !== 'udp') throw refused();
  return { sequence, action, protocol, src, dst, dstEq: Number(port) };
}

/** PATCH of the container: creates lists, merges entries (an entry replaces the one with its sequence). */
function mergeContainer(state: IosState, body: unknown): void {
  const container = single(body, 'Cisco-IOS-XE-native:access-list', false);
  for (const [key, lists] of Object.entries(container)) {
    const kind = key === `${ACL}:extended` ? 'extended' : key === `${ACL}:standard` ? 'standard' : undefined;
    if (!kind || !Array.isArray(lists)) throw new RestconfError(400, 'unknown-element', `unknown element: ${key}`);
    for (const raw of lists) {
      const l = obj(raw);
      if (typeof l?.name !== 'string' || !/^[A-Za-z][\w-]{0,63}$/.test(l.name)) throw badValue('name');
      const acl: Acl = state.acls.get(l.name) ?? { name: l.name, kind, entries: [] };
      if (acl.kind !== kind) throw refused();
      const rules = l['access-list-seq-rule'] ?? [];
      if (!Array.isArray(rules)) throw new RestconfError(400, 'malformed-message', 'access-list-seq-rule must be a list');
      const entries = rules.map((r) => entryFrom(kind, obj(r) ?? {}));
      acl.entries = [...acl.entries.filter((e) => !entries.some((n) => n.sequence === e.sequence)), ...entries].sort((a, b) => a.sequence - b.sequence);
      state.acls.set(acl.name, acl);
    }
  }
}

/** native/ip/access-list[/extended|standard=NAME[/access-list-seq-rule[=SEQ]]]; undefined when the path is not one. */
export function aclResource(state: IosState, method: string, segs: Segment[], body: unknown, path: string): Reply | undefined {
  const s = shape(segs);
  if (s === 'native/ip/access-list') {
    if (method === 'PATCH') { mergeContainer(state, body); return { status: 204 }; }
    if (method !== 'GET') throw new RestconfError(405, 'operation-not-supported', `${method} not supported on this resource`);
    if (state.acls.size === 0) return { status: 204 };
    const of = (kind: Acl['kind']): Record<string, unknown> => {
      const lists = [...state.acls.values()].filter((a) => a.kind === kind).map(aclJson);
      return lists.length ? { [`${ACL}:${kind}`]: lists } : {};
    };
    return { status: 200, body: { 'Cisco-IOS-XE-native:access-list': { ...of('standard'), ...of('extended') } } };
  }
  const kind = segs[3]?.name === 'extended' || segs[3]?.name === 'standard' ? segs[3].name : undefined;
  if (!s.startsWith('native/ip/access-list/') || !kind || segs[3]?.keys?.length !== 1 || segs.length > 5) return undefined;
  const acl = state.acls.get(segs[3].keys[0]!);
  const found = acl?.kind === kind ? acl : undefined;
  if (!found) throw method === 'DELETE' ? missing(path) : notFound(path);
  const seg = segs[4];
  if (!seg) {
    if (method === 'GET') return { status: 200, body: { [`${ACL}:${kind}`]: [aclJson(found)] } };
    if (method === 'DELETE') { state.acls.delete(found.name); return { status: 204 }; }
    if (method !== 'POST') throw new RestconfError(405, 'operation-not-supported', `${method} not supported on this resource`);
    const entry = entryFrom(kind, single(body, RULE, true));
    if (found.entries.some((e) => e.sequence === entry.sequence)) throw exists(`${path}/access-list-seq-rule=${entry.sequence}`);
    found.entries = [...found.entries, entry].sort((a, b) => a.sequence - b.sequence);
    return { status: 201, headers: { location: `${path}/access-list-seq-rule=${entry.sequence}` } };
  }
  if (seg.name !== 'access-list-seq-rule') return undefined;
  if (!seg.keys) {
    if (method !== 'GET') throw new RestconfError(405, 'operation-not-supported', `${method} not supported on this resource`);
    return found.entries.length ? { status: 200, body: { [RULE]: found.entries.map(entryJson) } } : { status: 204 };
  }
  const seq = Number(seg.keys[0]);
  const entry = found.entries.find((e) => String(e.sequence) === seg.keys![0]);
  if (method === 'PUT') {
    const next = entryFrom(kind, single(body, RULE, true));
    if (next.sequence !== seq) throw new RestconfError(400, 'invalid-value', 'key leaf in the body does not match the URI');
    found.entries = [...found.entries.filter((e) => e.sequence !== seq), next].sort((a, b) => a.sequence - b.sequence);
    return { status: entry ? 204 : 201 };
  }
  if (!entry) throw method === 'DELETE' ? missing(path) : notFound(path);
  if (method === 'GET') return { status: 200, body: { [RULE]: [entryJson(entry)] } };
  if (method === 'DELETE') { found.entries = found.entries.filter((e) => e !== entry); return { status: 204 }; }
  throw new RestconfError(405, 'operation-not-supported', `${method} not supported on this resource`);
}
