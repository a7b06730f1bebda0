// Resources of the fake RESTCONF API: interfaces-oper (GET), static routes under native/ip/route
// (the route list keyed by prefix,mask: GET 200/204, POST 201 / 409 data-exists, PUT, PATCH; one
// route: GET, POST of a next hop, DELETE; one next hop `fwd-list=NH`: GET, DELETE), access lists
// (restconf-acl.ts), an interface's access group (`interface/GigabitEthernet=2/ip/access-group/
// in|out/acl`: GET, PUT/PATCH, DELETE) and the cisco-ia:save-config RPC (startup-config).
import { isIpv4, isMask, network } from './net.js';
import { aclResource } from './restconf-acl.js';
import {
  RestconfError, badValue, dataPath, exists, isEmptyLeaf, missing, notFound, obj, refused, shape, single, type Reply, type Segment,
} from './restconf-types.js';
import type { IosState, StaticRoute } from './state.js';

const NATIVE = 'Cisco-IOS-XE-native';
const LIST = 'ip-route-interface-forwarding-list';
const unsupported = (method: string): RestconfError => new RestconfError(405, 'operation-not-supported', `${method} not supported on this resource`);

function interfacesOper(state: IosState): unknown {
  return {
    'Cisco-IOS-XE-interfaces-oper:interfaces': {
      interface: [...state.interfaces.values()].map((i) => ({
        name: i.name,
        'interface-type': i.name.startsWith('Loopback') ? 'iana-iftype-sw-loopback' : 'iana-iftype-ethernet-csmacd',
        'admin-status': i.shutdown ? 'if-state-down' : 'if-state-up',
        'oper-status': !i.shutdown && i.link ? 'if-oper-state-ready' : 'if-oper-state-no-pass',
        description: i.description ?? '',
        ipv4: i.ipv4?.address ?? '0.0.0.0',
        'ipv4-subnet-mask': i.ipv4?.mask ?? '0.0.0.0',
        mtu: 1500,
        speed: '1000000000',
      })),
    },
  };
}

function routeJson(routes: StaticRoute[]): Record<string, unknown>[] {
  const groups = new Map<string, { prefix: string; mask: string; 'fwd-list': Record<string, unknown>[] }>();
  for (const r of routes) {
    const key = `${r.prefix} ${r.mask}`;
    const g = groups.get(key) ?? { prefix: r.prefix, mask: r.mask, 'fwd-list': [] };
    g['fwd-list'].push({ fwd: r.nextHop, ...(r.distance !== undefined ? { metric: r.distance } : {}) });
    groups.set(key, g);
  }
  return [...groups.values()];
}

function hopsFrom(prefix: string, mask: string, list: unknown): StaticRoute[] {
  if (!Array.isArray(list)) throw new RestconfError(400, 'malformed-message', 'fwd-list must be a list');
  return list.map((raw) => {
    const f = obj(raw) ?? {};
    if (typeof f.fwd !== 'string' || !isIpv4(f.fwd)) throw badValue('fwd');
    if (f.metric !== undefined && (!Number.isInteger(f.metric) || Number(f.metric) < 1 || Number(f.metric) > 255)) throw badValue('metric');
    return { prefix, mask, nextHop: f.fwd, ...(f.metric !== undefined ? { distance: Number(f.metric) } : {}) };
  });
}

/** Entries of a route list payload, validated like the YANG model would (and IOS: a prefix must be its own network). */
function routesFrom(entries: unknown): StaticRoute[] {
  if (!Array.isArray(entries)) throw new RestconfError(400, 'malformed-message', `${LIST} must be a list`);
  return entries.flatMap((raw) => {
    const e = obj(raw) ?? {};
    if (typeof e.prefix !== 'string' || !isIpv4(e.prefix)) throw badValue('prefix');
    if (typeof e.mask !== 'string' || !isMask(e.mask)) throw badValue('mask');
    if (network(e.prefix, e.mask) !== e.prefix) throw refused();
    return hopsFrom(e.prefix, e.mask, e['fwd-list'] ?? []);
  });
}

function routes(state: IosState, method: string, segs: Segment[], body: unknown, path: string): Reply {
  if (segs.length === 3) {
    if (method === 'GET') return state.routes.length ? { status: 200, body: { [`${NATIVE}:route`]: { [LIST]: routeJson(state.routes) } } } : { status: 204 };
    if (method === 'POST') {
      const added = routesFrom([single(body, `${NATIVE}:${LIST}`, true)]);
      const first = added[0];
      if (!first) throw badValue('fwd-list');
      if (state.findRoute(first.prefix, first.mask)) throw exists(`${path}/${LIST}=${first.prefix},${first.mask}`);
      for (const r of added) state.addRoute(r);
      return { status: 201, headers: { location: `${path}/${LIST}=${first.prefix},${first.mask}` } };
    }
    if (method === 'PUT' || method === 'PATCH') {
      const container = single(body, `${NATIVE}:route`, false);
      const added = routesFrom(container[LIST] ?? []);
      if (method === 'PUT') state.routes = [];
      for (const r of added) state.addRoute(r);
      return { status: 204 };
    }
    throw unsupported(method);
  }
  const [prefix, mask] = segs[3]?.keys ?? [];
  if (segs[3]?.name !== LIST || prefix === undefined || mask === undefined || segs[3]?.keys?.length !== 2) throw notFound(path);
  const hops = state.routes.filter((r) => r.prefix === prefix && r.mask === mask);
  if (segs.length === 4) {
    if (method === 'GET') {
      if (!hops.length) throw notFound(path);
      return { status: 200, body: { [`${NATIVE}:${LIST}`]: routeJson(hops) } };
    }
    if (method === 'DELETE') {
      if (state.removeRoutes(prefix, mask) === 0) throw missing(path);
      return { status: 204 };
    }
    if (method === 'POST') {
      if (!hops.length) throw notFound(path);
      const [hop] = hopsFrom(prefix, mask, [single(body, `${NATIVE}:fwd-list`, true)]);
      if (state.findRoute(prefix, mask, hop!.nextHop)) throw exists(`${path}/fwd-list=${hop!.nextHop}`);
      state.addRoute(hop!);
      return { status: 201, headers: { location: `${path}/fwd-list=${hop!.nextHop}` } };
    }
    throw unsupported(method);
  }
  const fwd = segs[4]?.name === 'fwd-list' && segs.length === 5 ? segs[4].keys?.[0] : undefined;
  if (fwd === undefined) throw notFound(path);
  const hop = state.findRoute(prefix, mask, fwd);
  if (method === 'GET') {
    if (!hop) throw notFound(path);
    return { status: 200, body: { [`${NATIVE}:fwd-list`]: routeJson([hop])[0]!['fwd-list'] } };
  }
  if (method === 'DELETE') {
    if (!hop) throw missing(path);
    state.removeRoutes(prefix, mask, fwd);
    return { status: 204 };
  }
  throw unsupported(method);
}

/** native/interface/TYPE=NUM/ip/access-group/in|out/acl */
function accessGroup(state: IosState, method: string, segs: Segment[], body: unknown, path: string): Reply {
  const dir = segs[5]?.name;
  const num = segs[2]?.keys?.[0];
  const name = num !== undefined && segs[2]?.keys?.length === 1 ? state.interfaceName(`${segs[2].name}${num}`) : undefined;
  const iface = name ? state.interfaces.get(name) : undefined;
  if ((dir !== 'in' && dir !== 'out') || segs.length !== 7 || segs[6]?.name !== 'acl') throw notFound(path);
  // IOS cannot create a physical interface: a write to one that does not exist is refused
  if (!iface) throw method === 'GET' || method === 'DELETE' ? notFound(path) : refused(path);
  const current = iface.accessGroup?.[dir];
  if (method === 'GET') return current ? { status: 200, body: { [`${NATIVE}:acl`]: { 'acl-name': current, [dir]: [null] } } } : { status: 204 };
  if (method === 'DELETE') {
    if (!current) throw missing(path);
    delete iface.accessGroup![dir];
    return { status: 204 };
  }
  if (method !== 'PUT' && method !== 'PATCH') throw unsupported(method);
  const acl = single(body, `${NATIVE}:acl`, false);
  if (typeof acl['acl-name'] !== 'string' || !/^[A-Za-z][\w-]{0,63}$/.test(acl['acl-name'])) throw badValue('acl-name');
  if (!isEmptyLeaf(acl[dir])) throw new RestconfError(400, 'missing-element', `missing element: ${dir}`);
  iface.accessGroup = { ...iface.accessGroup, [dir]: acl['acl-name'] };
  return { status: current ? 204 : 201 };
}

export function handleNative(state: IosState, method: string, path: string, body: unknown): Reply {
  if (path === '/restconf/operations/cisco-ia:save-config') {
    if (method !== 'POST') throw unsupported(method);
    state.save();
    return { status: 200, body: { 'cisco-ia:output': { result: 'Save running-config successful' } } };
  }
  const segs = dataPath(path);
  if (!segs) throw notFound(path);
  const s = shape(segs);
  if (s === 'interfaces' && path.includes('Cisco-IOS-XE-interfaces-oper:interfaces')) {
    if (method !== 'GET') throw unsupported(method);
    return { status: 200, body: interfacesOper(state) };
  }
  if (!path.startsWith(`/restconf/data/${NATIVE}:native`)) throw notFound(path);
  if (s === 'native/ip/route' || s.startsWith(`native/ip/route/${LIST}`)) return routes(state, method, segs, body, path);
  if (s === 'native/ip/access-list' || s.startsWith('native/ip/access-list/')) {
    const reply = aclResource(state, method, segs, body, path);
    if (reply) return reply;
  }
  if (segs[1]?.name === 'interface' && s.includes('/ip/access-group/')) return accessGroup(state, method, segs, body, path);
  throw notFound(path);
}
