// MikroTik RouterOS v7 REST API simulator over HTTPS (self-signed certificate made at start), per
// reference §3 RouterOS:
// - HTTP Basic auth on https://host/rest; a refused login → 401 {"error":401,"message":"Unauthorized"}
// - every value is a JSON string, in requests (a number or boolean → 400) and in answers
// - menus: GET /rest/<menu> → array of records with ".id" like "*1A" (query string filters by
//   property: ?chain=forward&comment=x), GET /rest/<menu>/<id> → one record (404 if none)
// - PUT /rest/<menu> creates one record and answers it with its .id; PATCH /rest/<menu>/<id>
//   answers the updated record; DELETE /rest/<menu>/<id> → 204, empty body
// - POST /rest/<menu>/<verb>: console commands add, remove, set (numbers = .id or, for /user, the
//   name), print (.proplist, .query)
// - errors {"error":400,"message":"Bad Request","detail":"..."} and {"error":404,"message":"Not Found"}
// - no commit: writes are live at once; duplicates of firewall/NAT rules and routes are allowed
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { listenHttps } from '../https-server.js';

type Rec = Record<string, string>;
interface Menu {
  rows: Rec[];
  defaults: Rec;
  required: string[];
  /** property → allowed values (enum) */
  enums?: Record<string, string[]>;
  /** properties that must be an address, a prefix or an address range */
  addresses?: string[];
  /** a second record with the same value of this property is refused */
  unique?: string;
  readOnly?: boolean;
  validate?: (r: Rec) => string | undefined;
}

export interface RouterosOptions { host?: string; port?: number; username?: string; password: string; version?: string }
export interface RouterosSimulator { port: number; fingerprint256: string; menus: Record<string, Menu>; users: Map<string, string>; seen: string[]; close(): Promise<void> }

const IPV4 = String.raw`(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)`;
const ADDRESS = new RegExp(`^!?${IPV4}(?:/(?:3[0-2]|[12]?\\d)|-${IPV4})?$`);
const PORTS = /^\d{1,5}(?:-\d{1,5})?(?:,\d{1,5}(?:-\d{1,5})?){0,15}$/;
const portsValid = (r: Rec): string | undefined => {
  for (const p of ['dst-port', 'src-port', 'to-ports']) {
    if (r[p] === undefined) continue;
    if (!PORTS.test(r[p]!)) return `value of ${p} must be a port number or range`;
    if (p !== 'to-ports' && r.protocol !== 'tcp' && r.protocol !== 'udp' && r.protocol !== 'sctp') return `failure: ${p} can be specified only for tcp, udp, udp-lite, dccp and sctp protocols`;
  }
  return undefined;
};

export async function startRouterosSimulator(o: RouterosOptions): Promise<RouterosSimulator> {
  const certs = new CertFactory();
  const host = o.host ?? '127.0.0.1';
  const cert = certs.selfSigned(`DNS:routeros.test,IP:${host}`);
  const users = new Map<string, string>([[o.username ?? 'admin', o.password]]);
  let nextId = 0x10;
  const newId = (): string => `*${(nextId++).toString(16).toUpperCase()}`;
  const seen: string[] = [];
  const rule = { disabled: 'false', dynamic: 'false', invalid: 'false', log: 'false', 'log-prefix': '', bytes: '0', packets: '0' };
  const menus: Record<string, Menu> = {
    'ip/firewall/filter': {
      rows: [], defaults: rule, required: ['chain'], addresses: ['src-address', 'dst-address'], validate: portsValid,
      enums: { action: ['accept', 'drop', 'reject', 'jump', 'return', 'passthrough', 'log', 'fasttrack-connection', 'tarpit'],
        protocol: ['tcp', 'udp', 'icmp', 'sctp', 'gre', 'ipsec-esp', 'ospf'] },
    },
    'ip/firewall/nat': {
      rows: [], defaults: rule, required: ['chain'], addresses: ['src-address', 'dst-address', 'to-addresses'], validate: portsValid,
      enums: { action: ['accept', 'masquerade', 'src-nat', 'dst-nat', 'netmap', 'redirect', 'return', 'passthrough'], protocol: ['tcp', 'udp', 'icmp', 'sctp'] },
    },
    'ip/route': {
      rows: [
        { '.id': '*80000001', 'dst-address': '203.0.113.0/28', gateway: 'ether1', 'immediate-gw': 'ether1', distance: '0', scope: '10', 'target-scope': '5', 'routing-table': 'main', active: 'true', dynamic: 'true', connect: 'true', disabled: 'false', inactive: 'false' },
      ],
      defaults: { distance: '1', scope: '30', 'target-scope': '10', 'routing-table': 'main', active: 'true', static: 'true', dynamic: 'false', disabled: 'false', inactive: 'false' },
      required: ['dst-address', 'gateway'], addresses: ['dst-address'],
      validate: (r) => (/^\d{1,3}$/.test(r.distance ?? '1') && Number(r.distance) <= 255 ? undefined : 'value of distance out of range (0..255)'),
    },
    'ip/address': { rows: [{ '.id': '*1', address: '203.0.113.10/28', network: '203.0.113.0', interface: 'ether1', 'actual-interface': 'ether1', disabled: 'false', dynamic: 'false', invalid: 'false' }],
      defaults: { disabled: 'false', dynamic: 'false', invalid: 'false' }, required: ['address', 'interface'], addresses: ['address'], unique: 'address' },
    'routing/bgp/connection': { rows: [], defaults: { disabled: 'false', inactive: 'false', 'local.role': 'ebgp', 'routing-table': 'main', 'connect': 'true', 'listen': 'true' },
      required: ['name', 'as', 'remote.address'], addresses: ['remote.address'], unique: 'name' },
    interface: { readOnly: true, defaults: {}, required: [], rows: ['ether1', 'ether2', 'ether3'].map((name, i) => ({ '.id': `*${i + 1}`, name, type: 'ether', running: 'true', disabled: 'false', mtu: '1500' })) },
  };

  const send = (res: ServerResponse, status: number, body?: unknown): void => {
    if (body === undefined) { res.writeHead(status); res.end(); return; }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const bad = (res: ServerResponse, detail: string): void => send(res, 400, { error: 400, message: 'Bad Request', detail });
  const notFound = (res: ServerResponse): void => send(res, 404, { error: 404, message: 'Not Found' });

  /** checks a whole record (after defaults); undefined when valid */
  const check = (menu: Menu, r: Rec, self?: string): string | undefined => {
    for (const f of menu.required) if (r[f] === undefined || r[f] === '') return `failure: ${f} not specified`;
    for (const [f, values] of Object.entries(menu.enums ?? {})) if (r[f] !== undefined && !values.includes(r[f]!)) return `input does not match any value of ${f}`;
    for (const f of menu.addresses ?? []) if (r[f] !== undefined && !ADDRESS.test(r[f]!)) return `value of ${f} must have ip address or range`;
    if (menu.unique && menu.rows.some((x) => x[menu.unique!] === r[menu.unique!] && x['.id'] !== self)) return `failure: already have item with such ${menu.unique}`;
    return menu.validate?.(r);
  };
  /** the request body: an object of strings, else the detail of a 400 */
  const strings = (text: string): Rec | string => {
    let parsed: unknown;
    try { parsed = JSON.parse(text || '{}'); } catch { return 'JSON parse error'; }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'JSON object expected';
    for (const [k, v] of Object.entries(parsed)) if (typeof v !== 'string') return `value of ${k} must be a string`;
    return parsed as Rec;
  };
  const create = (menu: Menu, body: Rec): Rec | string => {
    if (menu.readOnly) return 'failure: cannot add';
    const { '.id': _ignored, ...fields } = body;
    const r: Rec = { '.id': newId(), ...menu.defaults, ...fields };
    if (r.chain !== undefined && r.action === undefined) r.action = 'accept';
    const problem = check(menu, r);
    if (problem) return problem;
    if (menu === menus['ip/address']) r.network = r.address!.split('/')[0]!;
    menu.rows.push(r);
    return r;
  };
  const update = (menu: Menu, id: string, body: Rec): Rec | string | undefined => {
    const i = menu.rows.findIndex((r) => r['.id'] === id);
    if (i < 0) return undefined;
    const next: Rec = { ...menu.rows[i], ...body, '.id': id };
    const problem = check(menu, next, id);
    if (problem) return problem;
    menu.rows[i] = next;
    return next;
  };
  const project = (r: Rec, proplist: string | undefined): Rec => {
    if (!proplist) return r;
    const keep = proplist.split(',');
    return Object.fromEntries(Object.entries(r).filter(([k]) => keep.includes(k)));
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const url = new URL(req.url ?? '/', 'https://routeros');
    const method = req.method ?? 'GET';
    seen.push(`${method} ${url.pathname}`);
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [user, ...pw] = Buffer.from(basic ?? '', 'base64').toString('utf8').split(':');
    if (basic === undefined || user === undefined || users.get(user) !== pw.join(':')) return send(res, 401, { error: 401, message: 'Unauthorized' });
    if (!url.pathname.startsWith('/rest/')) return notFound(res);
    const path = decodeURIComponent(url.pathname.slice('/rest/'.length)).replace(/\/$/, '');
    if (path === 'system/resource' && method === 'GET') {
      return send(res, 200, { uptime: `${Math.floor(process.uptime())}s`, version: o.version ?? '7.15.2 (stable)', 'build-time': '2024-06-27 10:15:12',
        'board-name': 'CHR', platform: 'MikroTik', architecture: 'x86_64', cpu: 'QEMU', 'cpu-count': '1', 'cpu-load': '1', 'free-memory': '200000000', 'total-memory': '268435456' });
    }
    if (path === 'user/set' && method === 'POST') {
      const body = strings(text);
      if (typeof body === 'string') return bad(res, body);
      if (!body.numbers || !users.has(body.numbers)) return bad(res, 'no such item');
      if (body.password !== undefined) users.set(body.numbers, body.password);
      return send(res, 200, []);
    }
    // longest menu prefix, then an optional .id or a console verb
    const menuName = Object.keys(menus).sort((a, b) => b.length - a.length).find((m) => path === m || path.startsWith(`${m}/`));
    if (!menuName) return bad(res, 'no such command or directory');
    const menu = menus[menuName]!;
    const rest = path.slice(menuName.length + 1);
    if (rest === '') {
      if (method === 'GET') {
        const filters = [...url.searchParams.entries()].filter(([k]) => k !== '.proplist');
        const rows = menu.rows.filter((r) => filters.every(([k, v]) => (r[k] ?? '') === v));
        return send(res, 200, rows.map((r) => project(r, url.searchParams.get('.proplist') ?? undefined)));
      }
      if (method === 'PUT') {
        const body = strings(text);
        if (typeof body === 'string') return bad(res, body);
        const made = create(menu, body);
        return typeof made === 'string' ? bad(res, made) : send(res, 200, made);
      }
      return send(res, 405, { error: 405, message: 'Method Not Allowed' });
    }
    if (rest.startsWith('*')) {
      const row = menu.rows.find((r) => r['.id'] === rest);
      if (method === 'GET') return row ? send(res, 200, project(row, url.searchParams.get('.proplist') ?? undefined)) : notFound(res);
      if (method === 'PATCH') {
        const body = strings(text);
        if (typeof body === 'string') return bad(res, body);
        if (menu.readOnly) return bad(res, 'failure: cannot change');
        const next = update(menu, rest, body);
        if (next === undefined) return notFound(res);
        return typeof next === 'string' ? bad(res, next) : send(res, 200, next);
      }
      if (method === 'DELETE') {
        if (!row) return notFound(res);
        if (menu.readOnly || row.dynamic === 'true') return bad(res, 'failure: cannot remove dynamic item');
        menu.rows.splice(menu.rows.indexOf(row), 1);
        return send(res, 204);
      }
      return send(res, 405, { error: 405, message: 'Method Not Allowed' });
    }
    if (method !== 'POST') return bad(res, 'no such command or directory');
    const body = strings(text.replace(/"(\.proplist|\.query)":\s*\[[^\]]*\]/g, (_m, k: string) => `"${k}":""`));
    if (typeof body === 'string') return bad(res, body);
    const byNumbers = (): Rec | undefined => menu.rows.find((r) => r['.id'] === body.numbers);
    switch (rest) {
      case 'add': {
        const made = create(menu, body);
        return typeof made === 'string' ? bad(res, made) : send(res, 200, { ret: made['.id'] });
      }
      case 'remove': {
        const row = byNumbers();
        if (!row) return bad(res, 'no such item');
        menu.rows.splice(menu.rows.indexOf(row), 1);
        return send(res, 200, []);
      }
      case 'set': {
        const { numbers, ...fields } = body;
        const next = update(menu, numbers ?? '', fields);
        if (next === undefined) return bad(res, 'no such item');
        return typeof next === 'string' ? bad(res, next) : send(res, 200, []);
      }
      case 'print': {
        const parsed = JSON.parse(text || '{}') as { '.proplist'?: string[] | string; '.query'?: string[] };
        const queries = (parsed['.query'] ?? []).map((q) => q.split('='));
        const rows = menu.rows.filter((r) => queries.every(([k, v]) => (r[k ?? ''] ?? '') === (v ?? '')));
        const proplist = Array.isArray(parsed['.proplist']) ? parsed['.proplist'].join(',') : parsed['.proplist'];
        return send(res, 200, rows.map((r) => project(r, proplist)));
      }
      default:
        return bad(res, 'no such command');
    }
  };

  const listener = await listenHttps(cert, host, o.port ?? 0, handle);
  return {
    port: listener.port, fingerprint256: cert.fingerprint256, menus, users, seen,
    close: async () => { await listener.close(); certs.cleanup(); },
  };
}
