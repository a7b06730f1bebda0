// VyOS HTTP API simulator over HTTPS (self-signed certificate made at start), per reference §3 VyOS:
// - POST only; the API key in `key`, either as a form field next to `data` (urlencoded or
//   multipart) or in a JSON body (`{"key", "op", "path"}` or `{"key", "commands": [...]}`)
// - every answer is the envelope {success, data, error}; a wrong key → 401
// - /retrieve: showConfig (the config subtree as nested objects, tag nodes keyed by value; an empty
//   path → 400 "Configuration under specified path is empty"), returnValue, returnValues, exists
// - /configure: one {op: set|delete|comment, path} or a list of them: ONE session and ONE commit
//   (a failed set/delete or commit validation rejects the whole list, nothing changes). Up to 1.4
//   a failed commit is NOT reported (success true, nothing changed); 1.5 reports it.
// - confirm_time (minutes, 1.5 only, after vyos-1x #4533): the commit is reverted unless
//   {op: "confirm"} arrives in time; on 1.4 confirm_time/confirm are refused (400)
// - /config-file save|load, /show (["version"] ...)
// - a global lock: while a commit runs (commitMs), every other call gets nginx's 504 Gateway Time-out
// Rule numbers (firewall, NAT) are chosen by the client: the id is known before the call.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { listenHttps } from '../https-server.js';

type Node = { [name: string]: Node | string };
interface Op { op: string; path: string[]; value?: string }

export interface VyosOptions { host?: string; port?: number; key: string; version?: string; commitMs?: number; minuteMs?: number }
export interface VyosSimulator {
  port: number;
  fingerprint256: string;
  /** the self-signed certificate (PEM), for clients that pin it */
  certPem: string;
  config(): Node;
  /** calls answered 504 because the lock was held */
  lockRefusals: number;
  commits: number;
  pendingConfirm(): boolean;
  close(): Promise<void>;
}

/** names whose next path element is their value (leaves); every other element is a node */
const LEAVES = new Set(['action', 'protocol', 'address', 'port', 'description', 'distance', 'remote-as', 'system-as', 'name', 'host-name',
  'default-action', 'state', 'interface', 'router-id']);
const TOP = new Set(['firewall', 'nat', 'protocols', 'system', 'interfaces', 'service']);
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;
const CIDR = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\/(?:3[0-2]|[12]?\d)$/;
const clone = (n: Node): Node => JSON.parse(JSON.stringify(n)) as Node;
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null;

function setPath(root: Node, path: string[]): string | undefined {
  if (path.length === 0 || !TOP.has(path[0]!)) return `Configuration path: [${path.join(' ')}] is not valid\nSet failed`;
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const name = path[i]!;
    if (LEAVES.has(name) && i === path.length - 2) { node[name] = path[i + 1]!; return undefined; }
    if (LEAVES.has(name) && i === path.length - 1) return `Configuration path: [${path.join(' ')}] requires a value\nSet failed`;
    const next = node[name];
    if (typeof next === 'string') return `Configuration path: [${path.join(' ')}] is not valid\nSet failed`;
    node = next ?? (node[name] = {});
  }
  return undefined;
}

function deletePath(root: Node, path: string[]): string | undefined {
  let node: Node | string | undefined = root;
  const parents: Array<[Node, string]> = [];
  for (const name of path) {
    if (!isNode(node)) break;
    parents.push([node, name]);
    node = node[name];
  }
  // a leaf may be deleted with or without its value
  if (node === undefined || parents.length < path.length) {
    const [parent, leaf] = parents.at(-2) ?? [];
    if (parent && leaf && typeof parent[leaf] === 'string' && parent[leaf] === path.at(-1)) { delete parent[leaf]; return undefined; }
    return `Nothing to delete (the specified node does not exist)\nDelete failed`;
  }
  const [parent, name] = parents.at(-1)!;
  delete parent[name];
  // prune empty parents (VyOS removes empty tag/plain nodes)
  for (let i = parents.length - 2; i >= 0; i--) {
    const [p, n] = parents[i]!;
    const child = p[n];
    if (isNode(child) && Object.keys(child).length === 0) delete p[n];
    else break;
  }
  return undefined;
}

function getPath(root: Node, path: string[]): Node | string | undefined {
  let node: Node | string | undefined = root;
  for (const name of path) {
    if (!isNode(node)) return undefined;
    node = node[name];
  }
  return node;
}

/** commit-time validation (what the config scripts would refuse) */
function validate(root: Node): string | undefined {
  const rules = (n: Node | string | undefined): Array<[string, Node]> => (isNode(n) && isNode(n.rule) ? Object.entries(n.rule).filter((e): e is [string, Node] => isNode(e[1])) : []);
  for (const hook of ['forward', 'input', 'output']) {
    for (const [num, r] of rules(getPath(root, ['firewall', 'ipv4', hook, 'filter']))) {
      if (!/^\d{1,6}$/.test(num)) return `Invalid rule number ${num}`;
      if (r.action === undefined) return `Firewall rule ${num}: action must be defined`;
      if (!['accept', 'drop', 'reject', 'jump', 'return', 'continue', 'queue'].includes(String(r.action))) return `Firewall rule ${num}: invalid action`;
      for (const side of ['source', 'destination']) {
        const s = r[side];
        if (!isNode(s)) continue;
        if (s.address !== undefined && !CIDR.test(String(s.address)) && !IPV4.test(String(s.address))) return `Firewall rule ${num}: invalid ${side} address`;
        if (s.port !== undefined && !['tcp', 'udp', 'tcp_udp'].includes(String(r.protocol))) return `Firewall rule ${num}: ports can only be specified when protocol is either tcp, udp or tcp_udp`;
      }
    }
  }
  for (const [num, r] of rules(getPath(root, ['nat', 'source']))) {
    const t = r.translation;
    if (!isNode(t) || t.address === undefined) return `Source NAT configuration error in rule ${num}: translation requires address and/or port`;
    if (t.address !== 'masquerade' && !IPV4.test(String(t.address)) && !CIDR.test(String(t.address))) return `Source NAT rule ${num}: invalid translation address`;
  }
  for (const [num, r] of rules(getPath(root, ['nat', 'destination']))) {
    if (!isNode(r['inbound-interface'])) return `Destination NAT configuration error in rule ${num}: inbound-interface not specified`;
    const t = r.translation;
    if (!isNode(t) || t.address === undefined) return `Destination NAT configuration error in rule ${num}: translation requires address and/or port`;
    const d = r.destination;
    if (isNode(d) && d.port !== undefined && !['tcp', 'udp', 'tcp_udp'].includes(String(r.protocol))) return `Destination NAT rule ${num}: ports can only be specified when protocol is either tcp, udp or tcp_udp`;
  }
  const routes = getPath(root, ['protocols', 'static', 'route']);
  if (isNode(routes)) {
    for (const [prefix, r] of Object.entries(routes)) {
      if (!CIDR.test(prefix)) return `Invalid static route prefix ${prefix}`;
      const hops = isNode(r) ? r['next-hop'] : undefined;
      if (!isNode(hops) || Object.keys(hops).length === 0) return `Static route ${prefix}: next-hop must be defined`;
      for (const [hop, h] of Object.entries(hops)) {
        if (!IPV4.test(hop)) return `Static route ${prefix}: invalid next-hop ${hop}`;
        if (isNode(h) && h.distance !== undefined && !(Number(h.distance) >= 1 && Number(h.distance) <= 255)) return `Static route ${prefix}: distance out of range`;
      }
    }
  }
  const bgp = getPath(root, ['protocols', 'bgp']);
  if (isNode(bgp)) {
    if (bgp['system-as'] === undefined) return 'BGP system-as number must be defined!';
    if (isNode(bgp.neighbor)) for (const [ip, n] of Object.entries(bgp.neighbor)) if (!isNode(n) || n['remote-as'] === undefined) return `BGP neighbor ${ip}: remote-as must be set`;
  }
  return undefined;
}

export async function startVyosSimulator(o: VyosOptions): Promise<VyosSimulator> {
  const certs = new CertFactory();
  const host = o.host ?? '127.0.0.1';
  const cert = certs.selfSigned(`DNS:vyos.test,IP:${host}`);
  const version = o.version ?? '1.5';
  const is15 = !/^1\.[0-4](?:\D|$)/.test(version);
  const commitMs = o.commitMs ?? 100;
  const minuteMs = o.minuteMs ?? 60_000;
  let running: Node = {
    interfaces: { ethernet: { eth0: { address: `${host}/28` }, eth1: {}, eth2: {} } },
    service: { https: { api: { keys: { id: { broker: { key: '***' } } } } } },
    system: { 'host-name': 'vyos' },
  };
  let saved = clone(running);
  let locked = false;
  let lockRefusals = 0;
  let commits = 0;
  let confirm: { timer: NodeJS.Timeout; previous: Node } | undefined;

  const send = (res: ServerResponse, status: number, body: { success: boolean; data: unknown; error: string | null }): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const ok = (res: ServerResponse, data: unknown): void => send(res, 200, { success: true, data, error: null });
  const err = (res: ServerResponse, status: number, error: string): void => send(res, status, { success: false, data: null, error });

  /** the request: a JSON body, or form fields key + data (urlencoded or multipart) */
  const parse = (req: IncomingMessage, text: string): { key?: string; body: Record<string, unknown> | unknown[] } | string => {
    const type = req.headers['content-type'] ?? '';
    let key: string | undefined;
    let data: string | undefined;
    if (type.startsWith('application/json')) {
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        if (typeof body !== 'object' || body === null) return 'Invalid JSON';
        const { key: k, ...rest } = body;
        return { ...(typeof k === 'string' ? { key: k } : {}), body: rest };
      } catch { return 'Invalid JSON'; }
    }
    if (type.startsWith('application/x-www-form-urlencoded')) {
      const form = new URLSearchParams(text);
      key = form.get('key') ?? undefined;
      data = form.get('data') ?? undefined;
    } else if (type.startsWith('multipart/form-data')) {
      for (const m of text.matchAll(/name="(key|data)"\r?\n\r?\n([\s\S]*?)\r?\n--/g)) { if (m[1] === 'key') key = m[2]; else data = m[2]; }
    } else {
      return 'Unsupported content type';
    }
    if (data === undefined) return 'Missing data field';
    try { return { ...(key !== undefined ? { key } : {}), body: JSON.parse(data) as Record<string, unknown> } } catch { return 'Invalid JSON in data'; }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, text: string): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://vyos');
    if (req.method !== 'POST') { res.writeHead(405, { 'content-type': 'application/json' }); res.end('{"detail":"Method Not Allowed"}'); return; }
    if (locked) {
      lockRefusals++;
      res.writeHead(504, { 'content-type': 'text/html' });
      res.end('<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n');
      return;
    }
    const parsed = parse(req, text);
    if (typeof parsed === 'string') return err(res, 400, parsed);
    if (parsed.key !== o.key) return err(res, 401, 'Valid API key is required');
    const body = parsed.body;
    const single = Array.isArray(body) ? undefined : body;
    const path = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((p) => typeof p === 'string') ? v as string[] : undefined);
    switch (url.pathname) {
      case '/retrieve': {
        const p = path(single?.path);
        if (!single || !p) return err(res, 400, 'Missing path');
        const node = getPath(running, p);
        switch (single.op) {
          case 'showConfig':
            if (node === undefined || (isNode(node) && Object.keys(node).length === 0 && p.length > 0)) return err(res, 400, 'Configuration under specified path is empty\n');
            return ok(res, node);
          case 'exists': return ok(res, node !== undefined);
          case 'returnValue': return typeof node === 'string' ? ok(res, node) : err(res, 400, 'Path is not a leaf node');
          case 'returnValues': return typeof node === 'string' ? ok(res, [node]) : err(res, 400, 'Path is not a multi-valued leaf node');
          default: return err(res, 400, `"${String(single.op)}" is not a valid operation`);
        }
      }
      case '/show': {
        const p = path(single?.path);
        if (single?.op !== 'show' || !p) return err(res, 400, 'Invalid show request');
        if (p.join(' ') === 'version') return ok(res, `Version:          VyOS ${version}\nRelease train:    ${is15 ? 'current' : 'sagitta'}\nBuilt by:         simulator\n`);
        return err(res, 400, `Invalid command: show ${p.join(' ')}`);
      }
      case '/config-file': {
        if (single?.op === 'save') { saved = clone(running); return ok(res, 'Saving configuration to \'/config/config.boot\'...\nDone\n'); }
        if (single?.op === 'load') { running = clone(saved); return ok(res, null); }
        return err(res, 400, 'Invalid config-file operation');
      }
      case '/configure': {
        // a list (form `data`), {commands: [...], confirm_time?} (JSON), or one {op, path, confirm_time?}
        const ops = (Array.isArray(body) ? body : Array.isArray(body.commands) ? body.commands : [body]) as Array<Record<string, unknown>>;
        const confirmTime = Array.isArray(body) ? undefined : body.confirm_time;
        if (confirmTime !== undefined && (typeof confirmTime !== 'number' || !Number.isInteger(confirmTime) || confirmTime < 0)) return err(res, 400, 'confirm_time: value is not a valid integer');
        if (ops.length === 1 && ops[0]?.op === 'confirm') {
          if (!is15) return err(res, 400, '"confirm" is not a valid operation');
          if (!confirm) return err(res, 400, 'No confirm pending');
          clearTimeout(confirm.timer);
          confirm = undefined;
          return ok(res, 'Reboot timer stopped\n');
        }
        if (confirmTime !== undefined && !is15) return err(res, 400, 'confirm_time: extra fields not permitted');
        const candidate = clone(running);
        const list: Op[] = [];
        for (const raw of ops) {
          const p = path(raw.path);
          if (!p || !['set', 'delete', 'comment'].includes(String(raw.op))) return err(res, 400, 'Invalid operation: each entry needs op set|delete|comment and a path');
          list.push({ op: String(raw.op), path: p });
        }
        // one session, one commit, under the global lock
        locked = true;
        await new Promise((r) => setTimeout(r, commitMs));
        locked = false;
        for (const op of list) {
          const problem = op.op === 'set' ? setPath(candidate, op.path) : op.op === 'delete' ? deletePath(candidate, op.path) : undefined;
          if (problem) return err(res, 400, problem);
        }
        const invalid = validate(candidate);
        if (invalid) {
          // up to 1.4 the API did not report commit failures
          return is15 ? err(res, 400, `${invalid}\n\n[[${list[0]?.path[0] ?? ''}]] failed\nCommit failed\n`) : ok(res, null);
        }
        const previous = running;
        running = candidate;
        commits++;
        if (typeof confirmTime === 'number' && confirmTime > 0) {
          if (confirm) clearTimeout(confirm.timer);
          const revertTo = confirm?.previous ?? previous;
          confirm = { previous: revertTo, timer: setTimeout(() => { running = revertTo; confirm = undefined; }, confirmTime * minuteMs) };
          return ok(res, `Initialized commit-confirm; ${confirmTime} minutes to confirm before rollback\n`);
        }
        return ok(res, null);
      }
      default:
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end('{"detail":"Not Found"}');
    }
  };

  const listener = await listenHttps(cert, host, o.port ?? 0, handle);
  return {
    port: listener.port,
    fingerprint256: cert.fingerprint256,
    certPem: cert.cert,
    config: () => clone(running),
    get lockRefusals() { return lockRefusals; },
    get commits() { return commits; },
    pendingConfirm: () => confirm !== undefined,
    close: async () => {
      if (confirm) clearTimeout(confirm.timer);
      await listener.close();
      certs.cleanup();
    },
  };
}
