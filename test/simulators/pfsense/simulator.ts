// pfSense REST API v2 (pfrest) simulator (reference/network-automation.md §3 "pfSense"), node:https
// with a self-signed certificate made at start. Reproduces:
// - auth: `X-API-Key: <key>` or HTTP Basic (user/password); 401 envelope otherwise;
// - the envelope `{code, status, response_id, message, data}` on every answer;
// - ids = array indexes that shift after a delete (`id` is not persistent); firewall rules carry
//   the read-only server-generated `tracker` (stable);
// - singular endpoints (`POST` create, `GET ?id=`, `PATCH` {id,...}, `DELETE ?id=`) and plural ones
//   (`GET` list with query filters on any field, `DELETE` by query);
// - staged changes: writes mark a subsystem pending until `POST /api/v2/firewall/apply` (filter,
//   NAT) or `POST /api/v2/routing/apply` (static routes), or a write with the control parameter
//   `apply=true`; `GET .../apply` → `{applied, pending_subsystems}`; no rollback.
// Endpoints: firewall/rule(s), firewall/nat/outbound/mapping(s), firewall/nat/port_forward(s),
// routing/static_route(s). State is written to `stateFile` after every change (lab tests).
import { renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { selfSignedSimCert } from '../opnsense/tls.js';

export interface PfsenseSimOptions {
  host?: string;
  port?: number;
  apiKey: string;
  username?: string;
  password?: string;
  stateFile?: string;
}

type Obj = Record<string, unknown>;
type Kind = 'rule' | 'outbound' | 'port_forward' | 'static_route';
interface Model { kind: Kind; singular: string; plural: string; subsystem: 'filter' | 'staticroutes'; defaults: Obj; required: string[]; choices: Record<string, readonly string[]> }

const MODELS: Model[] = [
  { kind: 'rule', singular: '/api/v2/firewall/rule', plural: '/api/v2/firewall/rules', subsystem: 'filter',
    defaults: { type: 'pass', interface: ['lan'], ipprotocol: 'inet', protocol: null, source: 'any', source_port: null, destination: 'any', destination_port: null, descr: '', disabled: false, log: false, quick: false },
    required: ['type', 'interface', 'ipprotocol', 'source', 'destination'],
    choices: { type: ['pass', 'block', 'reject'], ipprotocol: ['inet', 'inet6', 'inet46'], protocol: ['tcp', 'udp', 'tcp/udp', 'icmp', 'esp', 'ah', 'gre', 'any'] } },
  { kind: 'outbound', singular: '/api/v2/firewall/nat/outbound/mapping', plural: '/api/v2/firewall/nat/outbound/mappings', subsystem: 'filter',
    defaults: { interface: 'wan', protocol: null, source: '', source_port: null, destination: 'any', destination_port: null, target: 'wan:ip', nonat: false, disabled: false, descr: '' },
    required: ['interface', 'source', 'destination', 'target'], choices: { protocol: ['tcp', 'udp', 'tcp/udp', 'icmp', 'any'] } },
  { kind: 'port_forward', singular: '/api/v2/firewall/nat/port_forward', plural: '/api/v2/firewall/nat/port_forwards', subsystem: 'filter',
    defaults: { interface: 'wan', ipprotocol: 'inet', protocol: 'tcp', source: 'any', source_port: null, destination: 'wan:ip', destination_port: null, target: '', local_port: null, disabled: false, descr: '' },
    required: ['interface', 'protocol', 'destination', 'destination_port', 'target'], choices: { protocol: ['tcp', 'udp', 'tcp/udp'] } },
  { kind: 'static_route', singular: '/api/v2/routing/static_route', plural: '/api/v2/routing/static_routes', subsystem: 'staticroutes',
    defaults: { network: '', gateway: '', descr: '', disabled: false }, required: ['network', 'gateway'], choices: {} },
];
const INTERFACES = ['wan', 'lan', 'opt1'];
const GATEWAYS = ['WAN_DHCP', 'WAN_GW', 'LAN_GW'];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const isNet = (v: string): boolean => {
  if (['any', 'wan:ip', 'lan:ip', 'wan', 'lan', 'opt1', '(self)'].includes(v)) return true;
  const [a, len, extra] = v.replace(/^!/, '').split('/');
  return extra === undefined && a !== undefined && IPV4.test(a) && (len === undefined || (/^\d{1,2}$/.test(len) && Number(len) <= 32));
};
const isPortSpec = (v: string): boolean => /^\d{1,5}(:\d{1,5})?$/.test(v) && v.split(':').every((p) => Number(p) >= 1 && Number(p) <= 65535);

export interface PfsenseState {
  port: number;
  fingerprint256: string;
  config: Record<Kind, Obj[]>;
  applied: Record<Kind, Obj[]>;
  pending: string[];
  events: Array<{ at: number; event: string; detail?: string }>;
}

export class PfsenseSim {
  config: Record<Kind, Obj[]> = { rule: [], outbound: [], port_forward: [], static_route: [] };
  applied: Record<Kind, Obj[]> = { rule: [], outbound: [], port_forward: [], static_route: [] };
  readonly pending = new Set<string>();
  readonly events: PfsenseState['events'] = [];
  port = 0;
  fingerprint256 = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private nextTracker = 1_770_000_000;

  constructor(readonly opts: PfsenseSimOptions) {}

  async start(): Promise<number> {
    const host = this.opts.host ?? '127.0.0.1';
    const tls = selfSignedSimCert('pfsense.sim', [host]);
    this.fingerprint256 = tls.fingerprint256;
    const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => this.onRequest(req, res));
    server.on('connection', (s: Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); });
    this.server = server;
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(this.opts.port ?? 0, host, resolve); });
    this.port = (server.address() as AddressInfo).port;
    this.persist();
    return this.port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  state(): PfsenseState {
    return { port: this.port, fingerprint256: this.fingerprint256, config: structuredClone(this.config), applied: structuredClone(this.applied), pending: [...this.pending], events: [...this.events] };
  }

  private persist(): void {
    if (!this.opts.stateFile) return;
    writeFileSync(`${this.opts.stateFile}.tmp`, JSON.stringify(this.state(), null, 1));
    renameSync(`${this.opts.stateFile}.tmp`, this.opts.stateFile);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { if (body.length < 1_000_000) body += c; });
    req.on('end', () => {
      let reply: [number, string, string, unknown];
      try { reply = this.handle(req, body); } catch (err) { reply = [500, 'SERVER_ERROR', String(err), []]; }
      const [code, responseId, message, data] = reply;
      // state on disk before the answer: a test reading it after the reply sees this change
      this.persist();
      res.statusCode = code;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code, status: STATUS[code] ?? 'error', response_id: responseId, message, data }));
    });
  }

  private handle(req: IncomingMessage, body: string): [number, string, string, unknown] {
    const key = req.headers['x-api-key'];
    const basic = this.opts.username !== undefined && this.opts.password !== undefined
      ? 'Basic ' + Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64') : undefined;
    if (key !== this.opts.apiKey && (basic === undefined || req.headers.authorization !== basic)) {
      return [401, 'AUTH_AUTHENTICATION_FAILED', 'Authentication failed.', []];
    }
    const url = new URL(req.url ?? '/', 'https://pfsense.sim');
    const method = req.method ?? 'GET';
    let json: Obj = {};
    if (body.trim() !== '') {
      try { json = JSON.parse(body) as Obj; } catch { return [400, 'REQUEST_INVALID_JSON', 'Request body is not valid JSON.', []]; }
    }
    const query = Object.fromEntries(url.searchParams);
    const params: Obj = method === 'GET' || method === 'DELETE' ? { ...query, ...json } : { ...json };
    const applyNow = params.apply === true || params.apply === 'true' || query.apply === 'true';
    delete params.apply; delete params.async;

    for (const sub of ['firewall', 'routing'] as const) {
      if (url.pathname === `/api/v2/${sub}/apply`) {
        const subsystems = sub === 'firewall' ? ['filter'] : ['staticroutes'];
        if (method === 'GET') return [200, 'SUCCESS', '', { applied: !subsystems.some((s) => this.pending.has(s)), pending_subsystems: [...this.pending].filter((s) => subsystems.includes(s)) }];
        if (method !== 'POST') return [405, 'ENDPOINT_METHOD_NOT_ALLOWED', `Method ${method} not allowed.`, []];
        for (const s of subsystems) this.applySubsystem(s);
        return [200, 'SUCCESS', '', { applied: true, pending_subsystems: [] }];
      }
    }
    const model = MODELS.find((m) => m.singular === url.pathname);
    if (model) {
      const out = this.singular(model, method, params);
      if (out[0] === 200 && method !== 'GET') { this.pending.add(model.subsystem); if (applyNow) this.applySubsystem(model.subsystem); }
      return out;
    }
    const plural = MODELS.find((m) => m.plural === url.pathname);
    if (plural) {
      const list = this.config[plural.kind];
      const match = (o: Obj): boolean => Object.entries(query).filter(([k]) => !['limit', 'offset', 'sort_by', 'apply', 'async'].includes(k))
        .every(([k, v]) => String(o[k]) === v);
      if (method === 'GET') return [200, 'SUCCESS', '', list.filter(match)];
      if (method === 'DELETE') {
        const gone = list.filter(match);
        this.config[plural.kind] = list.filter((o) => !match(o));
        this.reindex(plural.kind);
        this.pending.add(plural.subsystem);
        return [200, 'SUCCESS', '', gone];
      }
      return [405, 'ENDPOINT_METHOD_NOT_ALLOWED', `Method ${method} not allowed.`, []];
    }
    return [404, 'ENDPOINT_NOT_FOUND', `Endpoint ${url.pathname} not found.`, []];
  }

  private applySubsystem(s: string): void {
    for (const m of MODELS) if (m.subsystem === s) this.applied[m.kind] = structuredClone(this.config[m.kind]);
    this.pending.delete(s);
    this.events.push({ at: Date.now(), event: `apply.${s}` });
  }

  private reindex(kind: Kind): void {
    this.config[kind].forEach((o, i) => { o.id = i; });
  }

  private singular(m: Model, method: string, p: Obj): [number, string, string, unknown] {
    const list = this.config[m.kind];
    const lookup = (): Obj | [number, string, string, unknown] => {
      if (p.id === undefined || p.id === '') return [400, 'FIELD_REQUIRED', "Field `id` is required.", []];
      const id = Number(p.id);
      const obj = Number.isInteger(id) ? list[id] : undefined;
      return obj ?? [404, 'MODEL_OBJECT_NOT_FOUND', `Object with ID \`${String(p.id)}\` does not exist.`, []];
    };
    switch (method) {
      case 'GET': { const o = lookup(); return Array.isArray(o) ? o : [200, 'SUCCESS', '', o]; }
      case 'POST': {
        const v = this.validate(m, { ...m.defaults, ...strip(p) });
        if (Array.isArray(v)) return v;
        const obj: Obj = { id: list.length, ...v };
        if (m.kind === 'rule') { obj.tracker = this.nextTracker++; obj.created_time = Math.floor(Date.now() / 1000); }
        list.push(obj);
        this.events.push({ at: Date.now(), event: `${m.kind}.create`, detail: String(obj.id) });
        return [200, 'SUCCESS', '', obj];
      }
      case 'PATCH': {
        const o = lookup();
        if (Array.isArray(o)) return o;
        const v = this.validate(m, { ...o, ...strip(p) });
        if (Array.isArray(v)) return v;
        Object.assign(o, v, { id: o.id, ...(o.tracker !== undefined ? { tracker: o.tracker } : {}) });
        return [200, 'SUCCESS', '', o];
      }
      case 'DELETE': {
        const o = lookup();
        if (Array.isArray(o)) return o;
        list.splice(Number(o.id), 1);
        this.reindex(m.kind); // later objects shift down: ids are array indexes
        this.events.push({ at: Date.now(), event: `${m.kind}.delete`, detail: String(o.id) });
        return [200, 'SUCCESS', '', o];
      }
      default:
        return [405, 'ENDPOINT_METHOD_NOT_ALLOWED', `Method ${method} not allowed.`, []];
    }
  }

  private validate(m: Model, o: Obj): Obj | [number, string, string, unknown] {
    const bad = (field: string, id: string, msg: string): [number, string, string, unknown] => [400, id, `Field \`${field}\` ${msg}`, []];
    for (const f of m.required) if (o[f] === undefined || o[f] === null || o[f] === '') return bad(f, 'FIELD_REQUIRED', 'is required.');
    for (const [f, values] of Object.entries(m.choices)) {
      if (o[f] !== null && o[f] !== undefined && !values.includes(String(o[f]))) return bad(f, 'FIELD_INVALID_CHOICE', `must be one of [${values.join(', ')}]; received \`${String(o[f])}\`.`);
    }
    const ifaces = Array.isArray(o.interface) ? o.interface : [o.interface];
    if (o.interface !== undefined && ifaces.some((i) => !INTERFACES.includes(String(i)))) return bad('interface', 'FIELD_INVALID_CHOICE', 'must be an existing interface.');
    for (const f of ['source', 'destination', 'target']) {
      if (typeof o[f] === 'string' && o[f] !== '' && !isNet(o[f])) return bad(f, 'FIELD_INVALID_VALUE', 'must be a valid IP address, subnet, alias or keyword.');
    }
    for (const f of ['source_port', 'destination_port', 'local_port']) {
      if (o[f] === null || o[f] === undefined || o[f] === '') continue;
      if (!isPortSpec(String(o[f]))) return bad(f, 'FIELD_INVALID_VALUE', 'must be a valid port or port range.');
      if (!['tcp', 'udp', 'tcp/udp'].includes(String(o.protocol))) return bad(f, 'FIELD_CONDITIONS_NOT_MET', 'requires protocol tcp, udp or tcp/udp.');
    }
    if (m.kind === 'static_route') {
      if (!/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/.test(String(o.network)) || !isNet(String(o.network))) return bad('network', 'FIELD_INVALID_VALUE', 'must be a valid subnet.');
      if (!GATEWAYS.includes(String(o.gateway))) return bad('gateway', 'FIELD_INVALID_CHOICE', 'must be an existing gateway.');
    }
    if (m.kind === 'port_forward' && !IPV4.test(String(o.target))) return bad('target', 'FIELD_INVALID_VALUE', 'must be an IP address.');
    return o;
  }
}

const STATUS: Record<number, string> = { 200: 'ok', 400: 'bad request', 401: 'unauthorized', 404: 'not found', 405: 'method not allowed', 500: 'server error' };

function strip(p: Obj): Obj {
  const { id: _id, tracker: _t, ...rest } = p;
  return rest;
}

export async function startPfsenseSim(opts: PfsenseSimOptions): Promise<PfsenseSim> {
  const sim = new PfsenseSim(opts);
  await sim.start();
  return sim;
}
