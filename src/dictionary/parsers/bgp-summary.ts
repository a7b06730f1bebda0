// parse_bgp_summary: `show ip bgp summary` from FRR (vtysh) and Cisco IOS.
import { noMatch, toAsn, toInt, toLines } from './common.js';

export interface BgpNeighbor {
  neighbor: string;
  version: number | null;
  remote_as: number | string;
  msg_rcvd: number | null;
  msg_sent: number | null;
  table_version: number | null;
  in_q: number | null;
  out_q: number | null;
  up_down: string;
  /** "Established" when the State/PfxRcd column holds a prefix count, else the FSM state */
  state: string;
  prefixes_received: number | null;
  /** FRR only (PfxSnt column) */
  prefixes_sent: number | null;
  /** FRR only (Desc column; "N/A" becomes null) */
  description: string | null;
  address_family: string | null;
}

export interface BgpSummary {
  /** null when the router reports no neighbors at all (FRR prints no header then) */
  router_id: string | null;
  local_as: number | string | null;
  vrf: string | null;
  table_version: number | null;
  neighbors: BgpNeighbor[];
}

const NAME = 'parse_bgp_summary';
const ROUTER_ID = /BGP router identifier (\S+?),? local AS number (\S+)/;
const HEADER = /^Neighbor\s+V\s+AS\s+MsgRcvd\s+MsgSent\s+TblVer\s+InQ\s+OutQ\s+Up\/Down\s+State\/PfxRcd(\s+PfxSnt)?/;
const AF_TITLE = /^(\S.*?) Summary(?: \(VRF ([^)]+)\))?:$/;
/** FRR with a BGP instance but no neighbor prints only this line */
const NO_NEIGHBORS = /^% No BGP neighbors found(?: in VRF (\S+))?\s*$/m;

export function parseBgpSummary(text: string): BgpSummary {
  const lines = toLines(text);
  let header: { hasPfxSnt: boolean } | undefined;
  let result: BgpSummary | undefined;
  let family: string | null = null;
  let vrf: string | null = null;
  let pendingNeighbor: string | undefined;
  for (const line of lines) {
    const af = AF_TITLE.exec(line);
    if (af) { family = af[1] ?? null; vrf = af[2] ?? vrf; header = undefined; continue; }
    const id = ROUTER_ID.exec(line);
    if (id) {
      result ??= { router_id: id[1] as string, local_as: toAsn(id[2] as string), vrf, table_version: null, neighbors: [] };
      continue;
    }
    if (!result) continue;
    const tv = /^BGP table version (?:is )?(\d+)/.exec(line);
    if (tv) { result.table_version ??= toInt(tv[1]) ?? null; continue; }
    const h = HEADER.exec(line);
    if (h) { header = { hasPfxSnt: h[1] !== undefined }; continue; }
    if (!header) continue;
    if (line.trim() === '' || /^Total number of neighbors/.test(line)) { header = undefined; continue; }
    // IOS wraps a long neighbor address (IPv6) onto its own line
    if (/^\S+$/.test(line)) { pendingNeighbor = line; continue; }
    const row = pendingNeighbor !== undefined && /^\s/.test(line) ? `${pendingNeighbor} ${line.trim()}` : line;
    pendingNeighbor = undefined;
    const neighbor = parseRow(row.trim().split(/\s+/), header.hasPfxSnt, family);
    if (!neighbor) throw noMatch(NAME, `unrecognised neighbor line: ${line.slice(0, 120)}`);
    result.neighbors.push(neighbor);
  }
  const none = NO_NEIGHBORS.exec(text);
  if (!result && none) return { router_id: null, local_as: null, vrf: none[1] ?? null, table_version: null, neighbors: [] };
  if (!result) throw noMatch(NAME, 'no "BGP router identifier" line');
  if (result.neighbors.length === 0 && !/No BGP neighbors found|Neighbor\s+V\s+AS/.test(text)) {
    throw noMatch(NAME, 'no neighbor table');
  }
  return result;
}

function parseRow(t: string[], hasPfxSnt: boolean, family: string | null): BgpNeighbor | undefined {
  if (t.length < 10) return undefined;
  const [neighbor, version, asn, rcvd, sent, tblver, inq, outq, upDown] = t as [string, string, string, string, string, string, string, string, string];
  if (!/^[0-9a-fA-F.:]+$|^[\w.-]+$/.test(neighbor) || toInt(version) === undefined) return undefined;
  let rest = t.slice(9);
  let prefixesSent: number | null = null;
  let description: string | null = null;
  let state: string;
  let received: number | null = null;
  const count = toInt(rest[0]);
  if (count !== undefined) {
    state = 'Established';
    received = count;
    rest = rest.slice(1);
  } else {
    // the state may be several words ("Idle (Admin)", "Idle (PfxCt)")
    const end = hasPfxSnt ? rest.findIndex((tok, i) => i > 0 && toInt(tok) !== undefined) : rest.length;
    const stop = end === -1 ? rest.length : end;
    state = rest.slice(0, stop).join(' ');
    rest = rest.slice(stop);
  }
  if (hasPfxSnt && rest.length > 0) {
    prefixesSent = toInt(rest[0]) ?? null;
    if (prefixesSent !== null) rest = rest.slice(1);
    const desc = rest.join(' ');
    description = desc === '' || desc === 'N/A' ? null : desc;
  }
  return {
    neighbor, version: toInt(version) ?? null, remote_as: toAsn(asn),
    msg_rcvd: toInt(rcvd) ?? null, msg_sent: toInt(sent) ?? null, table_version: toInt(tblver) ?? null,
    in_q: toInt(inq) ?? null, out_q: toInt(outq) ?? null, up_down: upDown, state,
    prefixes_received: received, prefixes_sent: prefixesSent, description, address_family: family,
  };
}
