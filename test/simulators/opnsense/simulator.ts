// OPNsense REST API simulator (reference/network-automation.md §3 "OPNsense"), node:https with a
// self-signed certificate made at start. Reproduces:
// - auth: HTTP Basic with the API key (user) and secret (password); 401 otherwise;
// - routing: `/api/<module>/<controller>/<action>[/params]`, actions in snake_case or camelCase
//   (`add_rule` = `addRule`, PHP method names are case-insensitive: `addroute` = `add_route`);
// - MVC CRUD with server-generated UUIDs: firewall `filter`, `source_nat`, `d_nat` (add_rule, set_rule,
//   get_rule, del_rule, toggle_rule, search_rule) and `routes/routes` (addroute, delroute, searchroute,
//   reconfigure); `{"result":"saved","uuid"}`, `{"result":"failed","validations":{"rule.<field>":msg}}`,
//   `{"result":"deleted"}` / `{"result":"not found"}` (HTTP 200 either way);
// - staged vs applied: edits touch the saved config only; `apply` (routes: `reconfigure`) loads it;
// - 26.1: `savepoint` → `{status, retention, revision}`, `apply/{revision}` arms a revert timer
//   (60 s on the real box, configurable here), `cancel_rollback/{revision}`, `revert/{revision}`;
//   the revert restores the component's pre-savepoint config and reloads it;
// - 26.7: savepoint, cancel_rollback and revert are gone (404), `apply` takes no argument;
//   `/api/core/backup/backups/this` + `revert_backup/{id}` restore the whole config without
//   reloading anything (both versions);
// - version in `/api/core/firmware/status` `product_version`.
// Fault injection for tests: while the *applied* filter has an enabled rule whose description
// contains `faultMarker`, `/api/core/firmware/status` answers 503 (a change that breaks the box).
// The whole state is written to `stateFile` (JSON) after every change, for lab tests that cannot
// reach the simulator's address from the test process.
import { randomUUID } from 'node:crypto';
import { writeFileSync, renameSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { selfSignedSimCert } from './tls.js';

export type OpnsenseVersion = string; // "26.1.4", "26.7" ...

export interface OpnsenseSimOptions {
  host?: string;
  port?: number;
  version?: OpnsenseVersion;
  apiKey: string;
  apiSecret: string;
  /** revert timer armed by apply/{revision}; the real box uses 60 s */
  revertMs?: number;
  /** history retention reported by savepoint and kept for backups */
  retention?: number;
  stateFile?: string;
  faultMarker?: string;
}

type Row = Record<string, string>;
type Component = 'filter' | 'source_nat' | 'd_nat' | 'routes';
type Config = Record<Component, Record<string, Row>>;

const MVC_COMPONENTS = ['filter', 'source_nat', 'd_nat'] as const;
const INTERFACES = ['lan', 'wan', 'opt1'];
const GATEWAYS: Record<string, string> = { WAN_GW: '203.0.113.1', LAN_GW: '203.0.113.33', Null4: '127.0.0.1' };
const NET_ALIASES = ['any', 'lan', 'wan', 'lanip', 'wanip', 'opt1', '(self)'];
const PROTOCOLS = ['any', 'TCP', 'UDP', 'TCP/UDP', 'ICMP', 'ESP', 'AH', 'GRE', 'IGMP'];

const RULE_FIELDS: Record<(typeof MVC_COMPONENTS)[number], Row> = {
  filter: {
    enabled: '1', sequence: '1', action: 'pass', quick: '1', interface: 'lan', direction: 'in', ipprotocol: 'inet',
    protocol: 'any', source_net: 'any', source_not: '0', source_port: '', destination_net: 'any', destination_not: '0',
    destination_port: '', gateway: '', log: '0', description: '',
  },
  source_nat: {
    enabled: '1', nonat: '0', sequence: '1', interface: 'wan', ipprotocol: 'inet', protocol: 'any', source_net: 'any',
    source_not: '0', source_port: '', destination_net: 'any', destination_not: '0', destination_port: '', target: '',
    target_port: '', log: '0', description: '',
  },
  d_nat: {
    enabled: '1', sequence: '1', interface: 'wan', ipprotocol: 'inet', protocol: 'TCP', source_net: 'any', source_port: '',
    destination_net: 'wanip', destination_port: '', target: '', local_port: '', log: '0', description: '',
  },
};
const ROUTE_FIELDS: Row = { disabled: '0', network: '', gateway: '', descr: '' };

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const isIpv6 = (s: string): boolean => /^[0-9a-fA-F:]+$/.test(s) && s.includes(':') && s.split(':').length <= 8;
function isNetwork(v: string, allowAlias = true): boolean {
  if (allowAlias && NET_ALIASES.includes(v)) return true;
  const [addr, len, extra] = v.split('/');
  if (extra !== undefined || addr === undefined) return false;
  if (IPV4.test(addr)) return len === undefined || (/^\d{1,2}$/.test(len) && Number(len) <= 32);
  if (isIpv6(addr)) return len === undefined || (/^\d{1,3}$/.test(len) && Number(len) <= 128);
  return false;
}
const isPort = (v: string): boolean => /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535;
const isPortOrRange = (v: string): boolean => v === '' || isPort(v) || (/^\d{1,5}[-:]\d{1,5}$/.test(v) && v.split(/[-:]/).every(isPort));
const bool01 = (v: string): boolean => v === '0' || v === '1';

/** Numeric dotted-version compare: 26.1.4 < 26.7 */
export function versionLt(a: string, b: string): boolean {
  const pa = a.split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

const clone = <T>(v: T): T => structuredClone(v);
const emptyConfig = (): Config => ({ filter: {}, source_nat: {}, d_nat: {}, routes: {} });

interface Savepoint { revision: string; component: Component; snapshot: Record<string, Row>; timer?: NodeJS.Timeout; armedAt?: number }
interface Backup { id: string; time: number; description: string; config: Config }

export interface OpnsenseState {
  version: string;
  port: number;
  fingerprint256: string;
  config: Config;
  applied: Config;
  savepoints: Array<{ revision: string; component: string; armed: boolean }>;
  backups: number;
  events: Array<{ at: number; event: string; detail?: string }>;
  requests: number;
}

export class OpnsenseSim {
  readonly version: string;
  config: Config = emptyConfig();
  applied: Config = emptyConfig();
  private readonly savepoints = new Map<string, Savepoint>();
  private readonly backups: Backup[] = [];
  readonly events: OpnsenseState['events'] = [];
  requests = 0;
  port = 0;
  fingerprint256 = '';
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private revisionCounter = 0;

  constructor(readonly opts: OpnsenseSimOptions) {
    this.version = opts.version ?? '26.1.4';
    this.backup('initial configuration');
  }

  get hasSavepoints(): boolean { return versionLt(this.version, '26.7'); }

  async start(): Promise<number> {
    const host = this.opts.host ?? '127.0.0.1';
    const tls = selfSignedSimCert('opnsense.sim', [host]);
    this.fingerprint256 = tls.fingerprint256;
    const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => this.onRequest(req, res));
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s: Socket) => { this.sockets.add(s); s.once('close', () => this.sockets.delete(s)); });
    this.server = server;
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(this.opts.port ?? 0, host, resolve); });
    this.port = (server.address() as AddressInfo).port;
    this.persist();
    return this.port;
  }

  async close(): Promise<void> {
    for (const sp of this.savepoints.values()) clearTimeout(sp.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  state(): OpnsenseState {
    return {
      version: this.version, port: this.port, fingerprint256: this.fingerprint256,
      config: clone(this.config), applied: clone(this.applied),
      savepoints: [...this.savepoints.values()].map((s) => ({ revision: s.revision, component: s.component, armed: s.timer !== undefined })),
      backups: this.backups.length, events: [...this.events], requests: this.requests,
    };
  }

  private event(event: string, detail?: string): void {
    this.events.push({ at: Date.now(), event, ...(detail !== undefined ? { detail } : {}) });
    if (this.events.length > 500) this.events.shift();
  }

  private persist(): void {
    const file = this.opts.stateFile;
    if (!file) return;
    writeFileSync(`${file}.tmp`, JSON.stringify(this.state(), null, 1));
    renameSync(`${file}.tmp`, file);
  }

  /** OPNsense backs the config up on every save (config-<epoch>.xml), newest first in the list. */
  private backup(description: string): void {
    const time = Date.now() / 1000;
    this.backups.unshift({ id: `config-${time.toFixed(4)}.xml`, time, description, config: clone(this.config) });
    const keep = this.opts.retention ?? 60;
    if (this.backups.length > keep) this.backups.length = keep;
  }

  private saved(description: string): void {
    this.backup(description);
    this.persist();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    let size = 0;
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      size += c.length;
      if (size > 1_000_000) { req.destroy(); return; }
      body += c;
    });
    req.on('end', () => {
      this.requests++;
      let status = 200;
      let out: unknown;
      try {
        [status, out] = this.handle(req, body);
      } catch (err) {
        status = 500;
        out = { errorMessage: 'Unexpected error, check log for details', errorTitle: 'An error occurred' };
        this.event('internal-error', String(err));
      }
      // state on disk before the answer: a test reading it after the reply sees this change
      this.persist();
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=UTF-8');
      res.end(JSON.stringify(out));
    });
  }

  private handle(req: IncomingMessage, body: string): [number, unknown] {
    const auth = req.headers.authorization ?? '';
    const expected = 'Basic ' + Buffer.from(`${this.opts.apiKey}:${this.opts.apiSecret}`).toString('base64');
    if (auth !== expected) return [401, { status: 401, message: 'Authentication Failed' }];
    const url = new URL(req.url ?? '/', 'https://opnsense.sim');
    const parts = url.pathname.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
    if (parts[0] !== 'api' || parts.length < 4) return notFound();
    const [, module, controller, rawAction, ...params] = parts as [string, string, string, string, ...string[]];
    // the router maps add_rule and addRule to addRuleAction; PHP method names ignore case
    const action = rawAction.replace(/_/g, '').toLowerCase();
    const method = req.method ?? 'GET';
    let json: Record<string, unknown> = {};
    if (body.trim() !== '') {
      try { json = JSON.parse(body) as Record<string, unknown>; } catch { return [400, { errorMessage: 'Invalid JSON syntax', errorTitle: 'An error occurred' }]; }
      if (json === null || typeof json !== 'object' || Array.isArray(json)) return [400, { errorMessage: 'Invalid JSON syntax', errorTitle: 'An error occurred' }];
    }
    const search = { ...Object.fromEntries(url.searchParams), ...(json as Record<string, string>) };

    if (module === 'core' && controller === 'firmware' && action === 'status') return this.firmwareStatus();
    if (module === 'core' && controller === 'backup') return this.backupApi(action, method, params);
    if (module === 'firewall' && (MVC_COMPONENTS as readonly string[]).includes(controller)) {
      return this.mvc(controller as (typeof MVC_COMPONENTS)[number], action, method, params, json, search);
    }
    if (module === 'routes' && controller === 'routes') return this.routesApi(action, method, params, json, search);
    return notFound();
  }

  private firmwareStatus(): [number, unknown] {
    const marker = this.opts.faultMarker;
    if (marker && Object.values(this.applied.filter).some((r) => r.enabled === '1' && (r.description ?? '').includes(marker))) {
      this.event('health-fault');
      return [503, { status: 'error', status_msg: 'The firmware status is unavailable: service failure after the last apply.' }];
    }
    return [200, {
      product_id: 'opnsense', product_name: 'OPNsense', product_version: this.version, product_abi: this.version.split('.').slice(0, 2).join('.'),
      status: 'none', status_msg: 'There are no updates available on the selected mirror.', connection: 'ok', repository: 'ok',
    }];
  }

  private backupApi(action: string, method: string, params: string[]): [number, unknown] {
    if (action === 'backups' && (method === 'GET' || method === 'POST')) {
      if (params[0] !== 'this') return [200, { items: [] }];
      return [200, {
        items: this.backups.map((b) => ({
          id: b.id, time: String(b.time), time_iso: new Date(b.time * 1000).toISOString(), description: b.description,
          username: 'root@127.0.0.1', filesize: 40_000,
        })),
      }];
    }
    if (action === 'revertbackup' && method === 'POST') {
      const b = this.backups.find((x) => x.id === params[0]);
      if (!b) return [200, { status: 'failed' }];
      // restores the whole config; services are not reloaded (an apply is needed)
      this.config = clone(b.config);
      this.event('revert_backup', b.id);
      this.saved(`revert to ${b.id}`);
      return [200, { status: 'reverted' }];
    }
    return notFound();
  }

  private mvc(component: (typeof MVC_COMPONENTS)[number], action: string, method: string, params: string[],
    json: Record<string, unknown>, search: Record<string, string>): [number, unknown] {
    const rows = this.config[component];
    switch (action) {
      case 'searchrule':
        return [200, searchRows(rows, search)];
      case 'getrule': {
        const uuid = params[0];
        if (uuid === undefined) return [200, { rule: optionMaps(component, RULE_FIELDS[component]) }];
        const row = rows[uuid];
        return [200, row ? { rule: optionMaps(component, row) } : []];
      }
      case 'addrule': {
        if (method !== 'POST') return [200, { result: 'failed' }];
        const r = this.validateRule(component, json.rule);
        if ('validations' in r) return [200, { result: 'failed', validations: r.validations }];
        const uuid = randomUUID();
        rows[uuid] = r.row;
        this.event(`${component}.add`, uuid);
        this.saved(`${component} rule added`);
        return [200, { result: 'saved', uuid }];
      }
      case 'setrule': {
        const uuid = params[0] ?? '';
        if (method !== 'POST' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid)) return [200, { result: 'failed' }];
        const r = this.validateRule(component, json.rule, rows[uuid]);
        if ('validations' in r) return [200, { result: 'failed', validations: r.validations }];
        rows[uuid] = r.row; // upserts a well-formed but unknown uuid
        this.saved(`${component} rule set`);
        return [200, { result: 'saved' }];
      }
      case 'delrule': {
        if (method !== 'POST') return [200, { result: 'failed' }];
        const uuid = params[0] ?? '';
        if (!(uuid in rows)) return [200, { result: 'not found' }];
        delete rows[uuid];
        this.event(`${component}.del`, uuid);
        this.saved(`${component} rule deleted`);
        return [200, { result: 'deleted' }];
      }
      case 'togglerule': {
        const row = rows[params[0] ?? ''];
        if (method !== 'POST' || !row) return [200, { result: 'failed' }];
        const before = row.enabled;
        row.enabled = params[1] === '0' || params[1] === '1' ? params[1] : (row.enabled === '1' ? '0' : '1');
        this.saved(`${component} rule toggled`);
        return [200, { result: row.enabled === '1' ? 'Enabled' : 'Disabled', changed: before !== row.enabled }];
      }
      case 'apply': {
        if (method !== 'POST') return [200, { status: 'failed' }];
        const revision = this.hasSavepoints ? params[0] : undefined; // 26.7: apply takes no argument
        if (revision !== undefined) {
          const sp = this.savepoints.get(revision);
          if (!sp || sp.component !== component) return [200, { status: 'error: unknown revision' }];
          clearTimeout(sp.timer);
          sp.armedAt = Date.now();
          sp.timer = setTimeout(() => this.revert(revision, 'timer'), this.opts.revertMs ?? 60_000);
          sp.timer.unref();
          this.event(`${component}.apply`, `revision ${revision}, revert in ${this.opts.revertMs ?? 60_000} ms`);
        } else {
          this.event(`${component}.apply`);
        }
        this.applied[component] = clone(rows);
        return [200, { status: 'OK\n\n' }];
      }
      case 'savepoint': {
        if (!this.hasSavepoints) return notFound();
        if (method !== 'POST') return [200, { status: 'failed' }];
        const revision = `${(Date.now() / 1000).toFixed(0)}.${String(++this.revisionCounter).padStart(4, '0')}`;
        this.savepoints.set(revision, { revision, component, snapshot: clone(rows) });
        this.event(`${component}.savepoint`, revision);
        return [200, { status: 'ok', retention: String(this.opts.retention ?? 60), revision }];
      }
      case 'cancelrollback': {
        if (!this.hasSavepoints) return notFound();
        const sp = this.savepoints.get(params[0] ?? '');
        if (method !== 'POST' || !sp || sp.component !== component) return [200, { status: 'failed' }];
        clearTimeout(sp.timer);
        this.savepoints.delete(sp.revision);
        this.event(`${component}.cancel_rollback`, sp.revision);
        return [200, { status: 'ok' }];
      }
      case 'revert': {
        if (!this.hasSavepoints) return notFound();
        const sp = this.savepoints.get(params[0] ?? '');
        if (method !== 'POST' || !sp || sp.component !== component) return [200, { status: 'failed' }];
        this.revert(sp.revision, 'request');
        return [200, { status: 'ok' }];
      }
      default:
        return notFound();
    }
  }

  private revert(revision: string, why: string): void {
    const sp = this.savepoints.get(revision);
    if (!sp) return;
    clearTimeout(sp.timer);
    this.savepoints.delete(revision);
    this.config[sp.component] = clone(sp.snapshot);
    this.applied[sp.component] = clone(sp.snapshot);
    this.event(`${sp.component}.revert`, `${revision} (${why})`);
    this.saved(`${sp.component} reverted to ${revision}`);
  }

  private validateRule(component: (typeof MVC_COMPONENTS)[number], input: unknown, base?: Row): { row: Row } | { validations: Record<string, string> } {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return { validations: { rule: 'No rule data received.' } };
    const row: Row = { ...(base ?? RULE_FIELDS[component]) };
    const v: Record<string, string> = {};
    for (const [k, raw] of Object.entries(input as Record<string, unknown>)) {
      if (!(k in RULE_FIELDS[component])) continue; // unknown fields are ignored, as the model does
      if (typeof raw !== 'string' && typeof raw !== 'number') { v[`rule.${k}`] = 'Invalid value.'; continue; }
      row[k] = String(raw);
    }
    const opt = (k: string, values: readonly string[]): void => { if (row[k] !== undefined && !values.includes(row[k])) v[`rule.${k}`] = 'Option not in list.'; };
    for (const k of ['enabled', 'quick', 'log', 'nonat', 'source_not', 'destination_not']) if (row[k] !== undefined && !bool01(row[k])) v[`rule.${k}`] = 'Invalid value (0 or 1).';
    if (!/^\d{1,6}$/.test(row.sequence ?? '1')) v['rule.sequence'] = 'Please specify a value between 1 and 999999.';
    if (component === 'filter') { opt('action', ['pass', 'block', 'reject']); opt('direction', ['in', 'out']); }
    opt('ipprotocol', ['inet', 'inet6', 'inet46']);
    opt('protocol', PROTOCOLS);
    const ifaces = (row.interface ?? '').split(',');
    if (ifaces.some((i) => !INTERFACES.includes(i))) v['rule.interface'] = 'Option not in list.';
    for (const k of ['source_net', 'destination_net']) {
      if (row[k] !== undefined && !isNetwork(row[k])) v[`rule.${k}`] = 'Please specify a valid network segment or IP address.';
    }
    for (const k of ['source_port', 'destination_port', 'target_port', 'local_port']) {
      if (row[k] === undefined || row[k] === '') continue;
      if (!isPortOrRange(row[k])) v[`rule.${k}`] = 'Please specify a valid port number or range.';
      else if (!['TCP', 'UDP', 'TCP/UDP'].includes(row.protocol ?? '')) v[`rule.${k}`] = 'Ports are only valid for TCP or UDP.';
    }
    if (component === 'source_nat' && row.nonat !== '1' && !(isNetwork(row.target ?? '', false) || ['wanip', 'lanip', 'opt1ip'].includes(row.target ?? ''))) {
      v['rule.target'] = 'A valid target address is required.';
    }
    if (component === 'd_nat') {
      if (!IPV4.test(row.target ?? '') && !isIpv6(row.target ?? '')) v['rule.target'] = 'A valid redirect target IP is required.';
      if (!['TCP', 'UDP', 'TCP/UDP'].includes(row.protocol ?? '')) v['rule.protocol'] = 'Port forwarding needs TCP, UDP or TCP/UDP.';
      if ((row.destination_port ?? '') === '') v['rule.destination_port'] = 'A destination port is required.';
    }
    if ((row.description ?? '').length > 255) v['rule.description'] = 'Description should be a string between 1 and 255 characters.';
    return Object.keys(v).length ? { validations: v } : { row };
  }

  private routesApi(action: string, method: string, params: string[], json: Record<string, unknown>, search: Record<string, string>): [number, unknown] {
    const rows = this.config.routes;
    switch (action) {
      case 'searchroute':
        return [200, searchRows(rows, search)];
      case 'getroute': {
        const row = rows[params[0] ?? ''];
        return [200, row ? { route: { ...row, gateway: Object.fromEntries(Object.keys(GATEWAYS).map((g) => [g, { value: `${g} - ${GATEWAYS[g]}`, selected: g === row.gateway ? 1 : 0 }])) } } : []];
      }
      case 'addroute':
      case 'setroute': {
        if (method !== 'POST') return [200, { result: 'failed' }];
        const input = json.route;
        if (input === null || typeof input !== 'object' || Array.isArray(input)) return [200, { result: 'failed', validations: { route: 'No route data received.' } }];
        const uuid = action === 'addroute' ? randomUUID() : params[0] ?? '';
        const row: Row = { ...(rows[uuid] ?? ROUTE_FIELDS) };
        for (const [k, raw] of Object.entries(input as Record<string, unknown>)) if (k in ROUTE_FIELDS && (typeof raw === 'string' || typeof raw === 'number')) row[k] = String(raw);
        const v: Record<string, string> = {};
        if (!isNetwork(row.network ?? '', false) || !(row.network ?? '').includes('/')) v['route.network'] = 'Please specify a valid network segment.';
        if (!((row.gateway ?? '') in GATEWAYS)) v['route.gateway'] = 'Option not in list.';
        if (!bool01(row.disabled ?? '0')) v['route.disabled'] = 'Invalid value (0 or 1).';
        if (Object.keys(v).length) return [200, { result: 'failed', validations: v }];
        rows[uuid] = row;
        this.event(`routes.${action}`, uuid);
        this.saved('route saved');
        return [200, action === 'addroute' ? { result: 'saved', uuid } : { result: 'saved' }];
      }
      case 'delroute': {
        if (method !== 'POST') return [200, { result: 'failed' }];
        const uuid = params[0] ?? '';
        if (!(uuid in rows)) return [200, { result: 'not found' }];
        delete rows[uuid];
        this.event('routes.delroute', uuid);
        this.saved('route deleted');
        return [200, { result: 'deleted' }];
      }
      case 'reconfigure':
        if (method !== 'POST') return [200, { status: 'failed' }];
        this.applied.routes = clone(rows);
        this.event('routes.reconfigure');
        return [200, { status: 'ok' }];
      default:
        return notFound();
    }
  }
}

function notFound(): [number, unknown] {
  return [404, { errorMessage: 'Endpoint not found', errorTitle: 'An error occurred' }];
}

function searchRows(rows: Record<string, Row>, q: Record<string, string>): unknown {
  const phrase = String(q.searchPhrase ?? '').toLowerCase();
  const all = Object.entries(rows).map(([uuid, r]) => ({ uuid, ...r }))
    .filter((r) => phrase === '' || Object.values(r).some((x) => String(x).toLowerCase().includes(phrase)));
  const rowCount = Number(q.rowCount ?? -1);
  const current = Math.max(1, Number(q.current ?? 1) || 1);
  const page = rowCount > 0 ? all.slice((current - 1) * rowCount, current * rowCount) : all;
  return { rows: page, rowCount: page.length, total: all.length, current };
}

function optionMaps(component: string, row: Row): Record<string, unknown> {
  const opts: Record<string, readonly string[]> = {
    action: ['pass', 'block', 'reject'], direction: ['in', 'out'], ipprotocol: ['inet', 'inet6', 'inet46'],
    protocol: PROTOCOLS, interface: INTERFACES,
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    const values = opts[k];
    if (!values || (component !== 'filter' && (k === 'action' || k === 'direction'))) { out[k] = v; continue; }
    const selected = v.split(',');
    out[k] = Object.fromEntries(values.map((o) => [o, { value: o, selected: selected.includes(o) ? 1 : 0 }]));
  }
  return out;
}

export async function startOpnsenseSim(opts: OpnsenseSimOptions): Promise<OpnsenseSim> {
  const sim = new OpnsenseSim(opts);
  await sim.start();
  return sim;
}
