// The fake IOS-XE RESTCONF API (RFC 8040 over HTTPS, basic auth, application/yang-data+json):
// interfaces-oper reads and the native static-route list with POST 201 / 409 data-exists, PUT,
// PATCH, DELETE 204 / 404 data-missing; errors as ietf-restconf:errors.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isIpv4, isMask, maskLength, type IosState, type StaticRoute } from './state.js';

const YANG_JSON = 'application/yang-data+json';
const ROUTE_PATH = '/restconf/data/Cisco-IOS-XE-native:native/ip/route';
const LIST = 'ip-route-interface-forwarding-list';

export interface RestconfRequest { method: string; url: string; status: number }
export interface FakeRestconf { port: number; requests: RestconfRequest[]; close(): Promise<void> }

class RestconfError extends Error {
  constructor(readonly status: number, readonly tag: string, readonly text: string, readonly path?: string) { super(text); }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  res.statusCode = status;
  if (body === undefined) return void res.end();
  res.setHeader('content-type', YANG_JSON);
  res.end(JSON.stringify(body));
}

function routeJson(routes: StaticRoute[]): unknown[] {
  const groups = new Map<string, { prefix: string; mask: string; 'fwd-list': { fwd: string }[] }>();
  for (const r of routes) {
    const key = `${r.prefix} ${r.mask}`;
    const g = groups.get(key) ?? { prefix: r.prefix, mask: r.mask, 'fwd-list': [] };
    g['fwd-list'].push({ fwd: r.nextHop });
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** Entries of a route list payload, validated like the YANG model would. */
function routesFrom(entries: unknown): StaticRoute[] {
  if (!Array.isArray(entries)) throw new RestconfError(400, 'malformed-message', `${LIST} must be a list`);
  return entries.flatMap((e: { prefix?: unknown; mask?: unknown; 'fwd-list'?: { fwd?: unknown }[] }) => {
    if (typeof e.prefix !== 'string' || !isIpv4(e.prefix)) throw new RestconfError(400, 'invalid-value', 'invalid value for prefix');
    if (typeof e.mask !== 'string' || !isMask(e.mask)) throw new RestconfError(400, 'invalid-value', 'invalid value for mask');
    return (e['fwd-list'] ?? []).map((f) => {
      if (typeof f.fwd !== 'string' || !isIpv4(f.fwd)) throw new RestconfError(400, 'invalid-value', 'invalid value for fwd');
      return { prefix: e.prefix as string, mask: e.mask as string, nextHop: f.fwd };
    });
  });
}

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

function handle(state: IosState, method: string, path: string, body: unknown, res: ServerResponse): number {
  if (path === '/restconf/data/Cisco-IOS-XE-interfaces-oper:interfaces' && method === 'GET') {
    send(res, 200, interfacesOper(state));
    return 200;
  }
  if (path === ROUTE_PATH) {
    if (method === 'GET') {
      if (state.routes.length === 0) { send(res, 204); return 204; }
      send(res, 200, { 'Cisco-IOS-XE-native:route': { [LIST]: routeJson(state.routes) } });
      return 200;
    }
    const b = body as Record<string, { [LIST]?: unknown } | unknown[] | undefined> | undefined;
    if (method === 'POST') {
      const routes = routesFrom(b?.[`Cisco-IOS-XE-native:${LIST}`]);
      const clash = routes.find((r) => state.findRoute(r.prefix, r.mask));
      if (clash) throw new RestconfError(409, 'data-exists', 'object already exists', `${ROUTE_PATH}/${LIST}=${clash.prefix},${clash.mask}`);
      for (const r of routes) state.addRoute(r);
      res.setHeader('location', `https://restconf${ROUTE_PATH}/${LIST}=${routes[0]?.prefix ?? ''},${routes[0]?.mask ?? ''}`);
      send(res, 201);
      return 201;
    }
    if (method === 'PUT' || method === 'PATCH') {
      const container = b?.['Cisco-IOS-XE-native:route'] as { [LIST]?: unknown } | undefined;
      if (!container || typeof container !== 'object') throw new RestconfError(400, 'malformed-message', 'expected Cisco-IOS-XE-native:route');
      const routes = routesFrom(container[LIST] ?? []);
      if (method === 'PUT') state.routes = [];
      for (const r of routes) state.addRoute(r);
      send(res, 204);
      return 204;
    }
  }
  const item = new RegExp(`^${ROUTE_PATH.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/${LIST}=([^,/]+),([^,/]+)$`).exec(path);
  if (item && method === 'DELETE') {
    const [prefix, mask] = [decodeURIComponent(item[1]!), decodeURIComponent(item[2]!)];
    if (state.removeRoutes(prefix, mask) === 0) throw new RestconfError(404, 'data-missing', 'resource not found', path);
    send(res, 204);
    return 204;
  }
  if (item && method === 'GET') {
    const routes = state.routes.filter((r) => r.prefix === decodeURIComponent(item[1]!) && r.mask === decodeURIComponent(item[2]!));
    if (routes.length === 0) throw new RestconfError(404, 'invalid-value', 'uri keypath not found', path);
    send(res, 200, { [`Cisco-IOS-XE-native:${LIST}`]: routeJson(routes) });
    return 200;
  }
  throw new RestconfError(404, 'invalid-value', 'uri keypath not found', path);
}

/** Starts the API on 127.0.0.1 with the given certificate; users with privilege 15 may use it. */
export async function startRestconf(state: IosState, tls: { cert: string; key: string }): Promise<FakeRestconf> {
  const requests: RestconfRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { raw += c; });
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const path = (req.url ?? '/').split('?')[0]!;
      let status: number;
      try {
        const auth = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        const [user, ...pw] = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8').split(':') : [];
        const u = user !== undefined ? state.user(user) : undefined;
        if (!u || u.password !== pw.join(':') || u.privilege < 15) {
          res.setHeader('www-authenticate', 'Basic realm="restconf"');
          throw new RestconfError(401, 'access-denied', 'access denied');
        }
        const accept = req.headers.accept ?? '*/*';
        if (!/application\/yang-data\+json|application\/\*|\*\/\*/.test(accept)) throw new RestconfError(406, 'invalid-value', 'unsupported Accept media type');
        let body: unknown;
        if (raw !== '') {
          if (!(req.headers['content-type'] ?? '').startsWith(YANG_JSON)) throw new RestconfError(415, 'invalid-value', 'unsupported Content-Type');
          try { body = JSON.parse(raw); } catch { throw new RestconfError(400, 'malformed-message', 'invalid JSON'); }
        }
        status = handle(state, method, path, body, res);
      } catch (e) {
        if (!(e instanceof RestconfError)) throw e;
        status = e.status;
        send(res, e.status, { 'ietf-restconf:errors': { error: [{ 'error-type': e.status === 401 ? 'protocol' : 'application', 'error-tag': e.tag,
          ...(e.path ? { 'error-path': e.path } : {}), 'error-message': e.text }] } });
      }
      requests.push({ method, url: req.url ?? '', status });
    });
  });
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}

export { maskLength };
