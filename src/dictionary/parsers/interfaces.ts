// parse_interfaces: FRR `show interface brief` and Cisco IOS `show ip interface brief`.
import { isRule, noMatch, splitColumns, tokens, toLines } from './common.js';

export interface InterfaceEntry {
  interface: string;
  /** FRR: up/down; IOS: up, down, "administratively down" */
  status: string;
  /** IOS line protocol; null on FRR */
  protocol: string | null;
  /** FRR VRF; null on IOS */
  vrf: string | null;
  addresses: string[];
  /** IOS "OK?" and "Method" columns; null on FRR */
  ok: boolean | null;
  method: string | null;
  description: string | null;
}

const NAME = 'parse_interfaces';
const FRR_HEADER = /^Interface\s+Status\s+VRF\s+Addresses/;
const IOS_HEADER = /^Interface\s+IP-Address\s+OK\?\s+Method\s+Status\s+Protocol/;

export function parseInterfaces(text: string): InterfaceEntry[] {
  const lines = toLines(text);
  const at = lines.findIndex((l) => FRR_HEADER.test(l) || IOS_HEADER.test(l));
  if (at === -1) throw noMatch(NAME, 'no "Interface Status VRF Addresses" or "Interface IP-Address OK? Method Status Protocol" header');
  const headerLine = lines[at] as string;
  const headers = tokens(headerLine);
  const ios = IOS_HEADER.test(headerLine);
  const out: InterfaceEntry[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === '' || isRule(line)) continue;
    // FRR prints further addresses of an interface on their own lines ("+ 10.0.1.1/24")
    if (/^\s/.test(line)) {
      const last = out[out.length - 1];
      const addr = line.trim().replace(/^\+\s*/, '');
      if (!last || ios || !/^[0-9a-fA-F.:]+\/\d+$/.test(addr)) throw noMatch(NAME, `unrecognised line: ${line.slice(0, 120)}`);
      last.addresses.push(addr);
      continue;
    }
    const cells = splitColumns(headers, line);
    out.push(ios ? iosEntry(cells) : frrEntry(cells, headers.length, line));
  }
  return out;
}

function frrEntry(cells: string[], columns: number, line: string): InterfaceEntry {
  const [name, status, vrf, addresses, ...more] = cells;
  if (!name || !status || !/^(up|down)$/i.test(status)) throw noMatch(NAME, `unrecognised interface line: ${line.slice(0, 120)}`);
  const description = columns > 4 ? more.join(' ').trim() || null : null;
  return {
    interface: name, status, protocol: null, vrf: vrf || null,
    addresses: (addresses ?? '').split(' ').filter(Boolean), ok: null, method: null, description,
  };
}

function iosEntry(cells: string[]): InterfaceEntry {
  const [name, ip, ok, method, status, protocol] = cells;
  if (!name || !status || !protocol || !/^(YES|NO)$/.test(ok ?? '')) throw noMatch(NAME, `unrecognised interface line: ${cells.join(' ').slice(0, 120)}`);
  return {
    interface: name, status, protocol, vrf: null,
    addresses: ip && ip !== 'unassigned' ? [ip] : [], ok: ok === 'YES', method: method || null, description: null,
  };
}
