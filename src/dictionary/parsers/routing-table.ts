// parse_routing_table: `show ip route` from FRR (vtysh) and Cisco IOS.
import { noMatch, toInt, toLines } from './common.js';

export interface NextHop {
  via: string | null;
  interface: string | null;
  directly_connected: boolean;
  /** blackhole / unreachable / Null0 routes */
  blackhole: boolean;
  /** FRR: this next hop is installed in the FIB ("*") */
  fib: boolean;
  /** FRR: "inactive" next hop */
  active: boolean;
  weight: number | null;
}

export interface Route {
  /** protocol code as printed: "S", "O IA", "B" ... */
  code: string;
  protocol: string | null;
  prefix: string;
  distance: number | null;
  metric: number | null;
  /** FRR ">" (IOS lists only selected routes: always true) */
  selected: boolean;
  /** FRR "*" (IOS: true, its table is what is forwarded on) */
  fib: boolean;
  /** IOS "*": candidate default */
  candidate_default: boolean;
  uptime: string | null;
  next_hops: NextHop[];
}

export interface RoutingTable {
  format: 'frr' | 'ios';
  codes: Record<string, string>;
  gateway_of_last_resort: string | null;
  routes: Route[];
}

const NAME = 'parse_routing_table';
const PREFIX = String.raw`(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F]*:[0-9a-fA-F:.]*)`;
const FRR_ROUTE = new RegExp(String.raw`^([A-Za-z])([> ])([*qrbto ])\s?(${PREFIX}\/\d{1,3})(?:\s+(.*))?$`);
const FRR_CONT = /^\s+([*qrbto ]?)\s+(via .*|is directly connected.*|unreachable.*)$/;
const IOS_ROUTE = new RegExp(String.raw`^([A-Za-z]{1,2}(?: (?:IA|E1|E2|N1|N2|EX|L1|L2|ia|su))?)(\*)?\s+(?:[+%p]\s+)?(${PREFIX}(?:\/\d{1,3})?)(?:\s+(.*))?$`);
const IOS_CONT = /^\s+(\[\d+\/\d+\] via .*)$/;
const SUBNETTED = new RegExp(String.raw`^\s+(${PREFIX})\/(\d{1,3}) is (?:variably )?subnetted`);
const UPTIME = /^(?:\d+:\d{2}:\d{2}|(?:\d+[ywdhms])+)$/;

export function parseRoutingTable(text: string): RoutingTable {
  const lines = toLines(text);
  const codes = parseCodes(lines);
  const gw = /Gateway of last resort is (.+?)\s*$/m.exec(text);
  const format: 'frr' | 'ios' = 'selected route' in invert(codes) || lines.some((l) => FRR_ROUTE.test(l) && l[1] === '>')
    ? 'frr' : 'ios';
  const routes: Route[] = [];
  let classfulLength: string | undefined;
  let inCodes = false;
  for (const line of lines) {
    if (/^Codes:/.test(line)) { inCodes = true; continue; }
    if (inCodes) { if (line.trim() === '' || !/ - /.test(line)) inCodes = false; else continue; }
    if (line.trim() === '' || /^Gateway of last resort/.test(line)) continue;
    const last = routes[routes.length - 1];
    if (format === 'frr') {
      const m = FRR_ROUTE.exec(line);
      if (m) { routes.push(frrRoute(m, codes)); continue; }
      const c = FRR_CONT.exec(line);
      if (c && last) { last.next_hops.push(hop(c[2] as string, c[1] === '*').hop); continue; }
    } else {
      const sub = SUBNETTED.exec(line);
      if (sub) { classfulLength = sub[2]; continue; }
      const m = IOS_ROUTE.exec(line);
      if (m) { routes.push(iosRoute(m, codes, classfulLength)); continue; }
      const c = IOS_CONT.exec(line);
      if (c && last) { const r = attrs(c[1] as string); last.next_hops.push(r.hop); continue; }
    }
    throw noMatch(NAME, `unrecognised line: ${line.slice(0, 120)}`);
  }
  if (routes.length === 0 && Object.keys(codes).length === 0) throw noMatch(NAME, 'no codes legend and no routes');
  return { format, codes, gateway_of_last_resort: gw?.[1] ?? null, routes };
}

function invert(codes: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(codes).map(([k, v]) => [v, k]));
}

/** "Codes: K - kernel route, C - connected," ... continuation lines until a blank line. */
function parseCodes(lines: string[]): Record<string, string> {
  const codes: Record<string, string> = Object.create(null) as Record<string, string>;
  const start = lines.findIndex((l) => /^Codes:/.test(l));
  if (start === -1) return codes;
  for (let i = start; i < lines.length; i++) {
    const line = (lines[i] as string).replace(/^Codes:/, '');
    if (line.trim() === '' || !/ - /.test(line)) break;
    for (const part of line.split(',')) {
      const m = /^\s*(\S+(?: \S{1,2})?) - (.+?)\s*$/.exec(part);
      if (m) codes[m[1] as string] = m[2] as string;
    }
  }
  return codes;
}

function frrRoute(m: RegExpExecArray, codes: Record<string, string>): Route {
  const code = m[1] as string;
  const { distance, metric, rest } = splitDistance(m[5] ?? '');
  const parsed = hop(rest, m[3] === '*');
  return {
    code, protocol: codes[code] ?? null, prefix: m[4] as string, distance, metric,
    selected: m[2] === '>', fib: m[3] === '*', candidate_default: false, uptime: parsed.uptime,
    next_hops: rest === '' ? [] : [parsed.hop],
  };
}

function iosRoute(m: RegExpExecArray, codes: Record<string, string>, classfulLength: string | undefined): Route {
  const code = m[1] as string;
  let prefix = m[3] as string;
  if (!prefix.includes('/') && classfulLength !== undefined) prefix = `${prefix}/${classfulLength}`;
  const parsed = attrs(m[4] ?? '');
  return {
    code, protocol: codes[code] ?? codes[code.split(' ')[0] as string] ?? null, prefix,
    distance: parsed.distance, metric: parsed.metric, selected: true, fib: true,
    candidate_default: m[2] === '*', uptime: parsed.uptime, next_hops: m[4] ? [parsed.hop] : [],
  };
}

function splitDistance(text: string): { distance: number | null; metric: number | null; rest: string } {
  const m = /^\[(\d+)\/(\d+)\]\s*(.*)$/.exec(text);
  if (!m) return { distance: null, metric: null, rest: text };
  return { distance: toInt(m[1]) ?? null, metric: toInt(m[2]) ?? null, rest: m[3] as string };
}

/** IOS: "[110/2] via 10.0.0.1, 00:05:43, Gi0/0" or "is directly connected, Gi0/0". */
function attrs(text: string): { distance: number | null; metric: number | null; uptime: string | null; hop: NextHop } {
  const { distance, metric, rest } = splitDistance(text);
  const parsed = hop(rest, true);
  return { distance, metric, uptime: parsed.uptime, hop: parsed.hop };
}

/** One next hop: comma-separated parts after the prefix (FRR and IOS share the shapes). */
function hop(text: string, fib: boolean): { hop: NextHop; uptime: string | null } {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  const h: NextHop = { via: null, interface: null, directly_connected: false, blackhole: false, fib, active: true, weight: null };
  let uptime: string | null = null;
  parts.forEach((part, i) => {
    const via = /^via (\S+)(.*)$/.exec(part);
    if (i === 0 && via) {
      h.via = via[1] as string;
      if (/\binactive\b/.test(via[2] as string)) h.active = false;
    } else if (i === 0 && /^is directly connected/.test(part)) {
      h.directly_connected = true;
    } else if (i === 0 && /^unreachable|^blackhole|^reject/.test(part)) {
      h.blackhole = true;
    } else if (/^weight \d+$/.test(part)) {
      h.weight = toInt(part.slice(7)) ?? null;
    } else if (UPTIME.test(part)) {
      uptime = part;
    } else if (/^\S+$/.test(part) && h.interface === null && !/^src$/.test(part)) {
      h.interface = part;
      if (/^Null\d+$/i.test(part)) h.blackhole = true;
    }
  });
  return { hop: h, uptime };
}
