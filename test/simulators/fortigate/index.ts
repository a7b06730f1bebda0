// FortiGate (FortiOS 7.x) REST API simulator over HTTPS (self-signed certificate made at start):
// the CMDB tables a CloudStack provider drives, with FortiOS's semantics (reference §3 FortiGate):
// - auth: API token as `Authorization: Bearer <token>` or `?access_token=<token>`; else 401
// - `/api/v2/cmdb/<path>/<name>[/<mkey>]?vdom=root`, writes go live at once (no commit)
// - POST creates; `mkey` in the answer is the new object's key (policyid / seq-num auto-assigned
//   when absent or 0); a duplicate key (or policy name) → HTTP 500 `{"status":"error","error":-5}`
// - PUT …/{mkey} updates (`?action=move&before=|after=` reorders policies), DELETE …/{mkey} deletes
//   (missing → 404 / −3; still referenced → 500 / −23)
// - bad references (interface, address, service, pool) or missing required fields → 424
// - envelope `{http_method, results, vdom, path, name, mkey, status, http_status, revision, serial, version, build}`
// - `/api/v2/cmdb/?filter=field==value` on GET (FortiOS filter syntax, `==` only), `/api/v2/monitor/system/status`
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { listenHttps } from '../https-server.js';

type Obj = Record<string, unknown>;
interface Table { key: string; auto: boolean; rows: Obj[]; required: string[] }

export interface FortigateOptions { host?: string; port?: number; token: string; version?: string; hostname?: string }
export interface FortigateSimulator {
  port: number;
  fingerprint256: string;
  tables: Record<string, Table>;
  /** requests seen: "METHOD path" */
  seen: string[];
  close(): Promise<void>;
}

const SERIAL = 'FGVMSIM000000001';
const INTERFACES = ['port1', 'port2', 'port3', 'any'];
const SERVICES = ['ALL', 'ALL_TCP', 'ALL_UDP', 'ALL_ICMP', 'HTTP', 'HTTPS', 'SSH', 'DNS', 'PING'];

function maskOf(len: number): string {
  const n = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
/** "a.b.c.d/len" or "a.b.c.d m.m.m.m" → FortiOS's stored form "a.b.c.d m.m.m.m"; undefined if invalid */
function subnet(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const slash = /^([\d.]+)\/(\d{1,2})$/.exec(v);
  if (slash && IPV4.test(slash[1]!) && Number(slash[2]) <= 32) return `${slash[1]} ${maskOf(Number(slash[2]))}`;
  const sp = /^([\d.]+) ([\d.]+)$/.exec(v);
  if (sp && IPV4.test(sp[1]!) && IPV4.test(sp[2]!)) return v;
  return undefined;
}
const names = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String((x as Obj).name)) : []);

export async function startFortigateSimulator(o: FortigateOptions): Promise<FortigateSimulator> {
  const certs = new CertFactory();
  const host = o.host ?? '127.0.0.1';
  const cert = certs.selfSigned(`DNS:fortigate.test,IP:${host}`);
  const version = o.version ?? 'v7.2.8';
  let revision = 1;
  const tables: Record<string, Table> = {
    'firewall/policy': { key: 'policyid', auto: true, rows: [], required: ['srcintf', 'dstintf', 'srcaddr', 'dstaddr', 'service'] },
    'firewall/address': { key: 'name', auto: false, rows: [{ name: 'all', type: 'ipmask', subnet: '0.0.0.0 0.0.0.0' }], required: [] },
    'firewall.service/custom': { key: 'name', auto: false, rows: SERVICES.map((name) => ({ name, protocol: 'TCP/UDP/SCTP' })), required: [] },
    'firewall/vip': { key: 'name', auto: false, rows: [], required: ['extip', 'mappedip'] },
    'firewall/ippool': { key: 'name', auto: false, rows: [], required: ['startip', 'endip'] },
    'router/static': { key: 'seq-num', auto: true, rows: [], required: ['dst'] },
    'system/interface': { key: 'name', auto: false, rows: INTERFACES.slice(0, 3).map((name, i) => ({ name, vdom: 'root', ip: `0.0.0.0 0.0.0.0`, type: 'physical', status: 'up', index: i + 1 })), required: [] },
  };
  const seen: string[] = [];

  const exists = (table: string, name: string): boolean => tables[table]!.rows.some((r) => String(r[tables[table]!.key]) === name);
  /** 424 reason for a policy/route/vip referring to something that does not exist, else undefined */
  const badReference = (table: string, obj: Obj): string | undefined => {
    if (table === 'firewall/policy') {
      for (const i of [...names(obj.srcintf), ...names(obj.dstintf)]) if (!INTERFACES.includes(i)) return `interface ${i}`;
      for (const a of [...names(obj.srcaddr), ...names(obj.dstaddr)]) if (!exists('firewall/address', a) && !exists('firewall/vip', a)) return `address ${a}`;
      for (const s of names(obj.service)) if (!exists('firewall.service/custom', s)) return `service ${s}`;
      for (const p of names(obj.poolname)) if (!exists('firewall/ippool', p)) return `ippool ${p}`;
    }
    if (table === 'router/static' && obj.device !== undefined && !INTERFACES.includes(String(obj.device))) return `interface ${String(obj.device)}`;
    if (table === 'firewall/vip' && obj.extintf !== undefined && !INTERFACES.includes(String(obj.extintf))) return `interface ${String(obj.extintf)}`;
    return undefined;
  };
  /** policies referring to an object of `table` named `name` (delete → −23) */
  const referenced = (table: string, name: string): boolean => tables['firewall/policy']!.rows.some((p) => {
    if (table === 'firewall/address' || table === 'firewall/vip') return [...names(p.srcaddr), ...names(p.dstaddr)].includes(name);
    if (table === 'firewall.service/custom') return names(p.service).includes(name);
    if (table === 'firewall/ippool') return names(p.poolname).includes(name);
    return false;
  });
  /** FortiOS normalises some fields on write */
  const normalise = (table: string, obj: Obj): Obj | string => {
    const out: Obj = { ...obj };
    if (table === 'firewall/address') {
      const s = subnet(obj.subnet ?? '0.0.0.0/0');
      if (!s) return 'subnet';
      out.subnet = s;
      out.type ??= 'ipmask';
    }
    if (table === 'router/static') {
      const s = subnet(obj.dst);
      if (!s) return 'dst';
      out.dst = s;
      if (obj.gateway !== undefined && !IPV4.test(String(obj.gateway))) return 'gateway';
      out.gateway ??= '0.0.0.0';
      out.distance ??= 10;
      out.status ??= 'enable';
    }
    if (table === 'firewall/policy') {
      out.action ??= 'deny';
      out.schedule ??= 'always';
      out.nat ??= 'disable';
      out.status ??= 'enable';
      out.name ??= '';
      out.comments ??= '';
    }
    if (table === 'firewall/vip') {
      if (!IPV4.test(String(obj.extip))) return 'extip';
      out.extintf ??= 'any';
      out.portforward ??= 'disable';
      out.protocol ??= 'tcp';
    }
    return out;
  };

  const envelope = (method: string, table: string, extra: Obj): Obj => {
    const [path, name] = table.split('/');
    return { http_method: method, revision: String(revision), vdom: 'root', path, name, ...extra, serial: SERIAL, version, build: 1577 };
  };
  const send = (res: ServerResponse, status: number, body: Obj): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body, null, 2));
  };
  const fail = (res: ServerResponse, method: string, table: string, status: number, error: number, extra: Obj = {}): void =>
    send(res, status, envelope(method, table, { status: 'error', http_status: status, error, ...extra }));

  const handle = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const url = new URL(req.url ?? '/', 'https://fortigate');
    const method = req.method ?? 'GET';
    seen.push(`${method} ${url.pathname}`);
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    if ((bearer ?? url.searchParams.get('access_token')) !== o.token) {
      res.writeHead(401, { 'content-type': 'text/html' });
      res.end('<html><body>401 Unauthorized</body></html>');
      return;
    }
    if (url.pathname === '/api/v2/monitor/system/status' && method === 'GET') {
      send(res, 200, { http_method: 'GET', results: { model_name: 'FortiGate', model_number: 'VM64', model: 'FGVMK6', hostname: o.hostname ?? 'FGVM-SIM', log_disk_status: 'available' },
        vdom: 'root', path: 'system', name: 'status', action: '', status: 'success', serial: SERIAL, version, build: 1577 });
      return;
    }
    const m = /^\/api\/v2\/cmdb\/([a-z.-]+)\/([a-z.-]+)(?:\/([^/]+))?\/?$/.exec(url.pathname);
    const tableName = m ? `${m[1]}/${m[2]}` : '';
    const table = tables[tableName];
    if (!m || !table) return fail(res, method, tableName || 'unknown/unknown', 404, -3);
    const vdom = url.searchParams.get('vdom');
    if (vdom !== null && vdom !== 'root') return fail(res, method, tableName, 404, -3, { vdom });
    const mkeyRaw = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    const index = mkeyRaw === undefined ? -1 : table.rows.findIndex((r) => String(r[table.key]) === mkeyRaw);
    let body: Obj = {};
    if (method === 'POST' || method === 'PUT') {
      try {
        const parsed = JSON.parse(text || '{}') as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Obj;
      } catch {
        return fail(res, method, tableName, 400, -1);
      }
    }
    if (method === 'GET') {
      if (mkeyRaw !== undefined) {
        if (index < 0) return fail(res, method, tableName, 404, -3, { mkey: mkeyRaw });
        return send(res, 200, envelope(method, tableName, { results: [table.rows[index]], mkey: mkeyRaw, status: 'success', http_status: 200 }));
      }
      let rows = table.rows;
      for (const f of url.searchParams.getAll('filter')) {
        const [field, value] = f.split('==');
        if (field === undefined || value === undefined) return fail(res, method, tableName, 400, -1);
        rows = rows.filter((r) => String(r[field]) === value);
      }
      return send(res, 200, envelope(method, tableName, { results: rows, matched_count: rows.length, status: 'success', http_status: 200 }));
    }
    if (method === 'POST') {
      if (mkeyRaw !== undefined) return fail(res, method, tableName, 405, -1);
      if (tableName === 'system/interface') return fail(res, method, tableName, 405, -1);
      for (const f of table.required) if (body[f] === undefined || (Array.isArray(body[f]) && (body[f] as unknown[]).length === 0)) return fail(res, method, tableName, 424, -3, { cli_error: `${f} is required` });
      let key = body[table.key];
      if (table.auto && (key === undefined || key === 0)) key = Math.max(0, ...table.rows.map((r) => Number(r[table.key]))) + 1;
      if (key === undefined || key === '') return fail(res, method, tableName, 424, -3, { cli_error: `${table.key} is required` });
      if (table.rows.some((r) => String(r[table.key]) === String(key))) return fail(res, method, tableName, 500, -5, { mkey: key });
      if (tableName === 'firewall/policy' && body.name && table.rows.some((r) => r.name === body.name)) return fail(res, method, tableName, 500, -5);
      const bad = badReference(tableName, body);
      if (bad) return fail(res, method, tableName, 424, -3, { cli_error: `entry not found: ${bad}` });
      const obj = normalise(tableName, { ...body, [table.key]: key });
      if (typeof obj === 'string') return fail(res, method, tableName, 500, -651, { cli_error: `invalid value: ${obj}` });
      table.rows.push(obj);
      revision++;
      return send(res, 200, envelope(method, tableName, { mkey: key, status: 'success', http_status: 200, revision_changed: true, old_revision: String(revision - 1) }));
    }
    if (method === 'PUT') {
      if (mkeyRaw === undefined) return fail(res, method, tableName, 405, -1);
      if (index < 0) return fail(res, method, tableName, 404, -3, { mkey: mkeyRaw });
      const action = url.searchParams.get('action');
      if (action === 'move') {
        const before = url.searchParams.get('before');
        const target = before ?? url.searchParams.get('after');
        const to = table.rows.findIndex((r) => String(r[table.key]) === target);
        if (to < 0) return fail(res, method, tableName, 404, -3);
        const [row] = table.rows.splice(index, 1);
        const at = table.rows.findIndex((r) => String(r[table.key]) === target);
        table.rows.splice(before !== null ? at : at + 1, 0, row!);
      } else {
        const merged = { ...table.rows[index], ...body, [table.key]: table.rows[index]![table.key] };
        const bad = badReference(tableName, merged);
        if (bad) return fail(res, method, tableName, 424, -3, { cli_error: `entry not found: ${bad}` });
        const obj = normalise(tableName, merged);
        if (typeof obj === 'string') return fail(res, method, tableName, 500, -651);
        table.rows[index] = obj;
      }
      revision++;
      return send(res, 200, envelope(method, tableName, { mkey: table.rows.find((r) => String(r[table.key]) === mkeyRaw)?.[table.key], status: 'success', http_status: 200, revision_changed: true }));
    }
    if (method === 'DELETE') {
      if (mkeyRaw === undefined) return fail(res, method, tableName, 405, -1);
      if (index < 0) return fail(res, method, tableName, 404, -3, { mkey: mkeyRaw });
      if (referenced(tableName, mkeyRaw)) return fail(res, method, tableName, 500, -23, { mkey: mkeyRaw });
      const [row] = table.rows.splice(index, 1);
      revision++;
      return send(res, 200, envelope(method, tableName, { mkey: row![table.key], status: 'success', http_status: 200, revision_changed: true }));
    }
    return fail(res, method, tableName, 405, -1);
  };

  const listener = await listenHttps(cert, host, o.port ?? 0, handle);
  return {
    port: listener.port,
    fingerprint256: cert.fingerprint256,
    tables,
    seen,
    close: async () => { await listener.close(); certs.cleanup(); },
  };
}
