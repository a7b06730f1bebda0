// IP address text ↔ octets, shared by certificate names (iPAddress SANs) and the template CIDR
// helpers. Pure functions: text that is not an IP address gives undefined, never an exception.
import { isIP } from 'node:net';

/** Canonical text form of an IP address (IPv6 compressed and lower-case, IPv4-mapped kept). */
export function normaliseIp(value: string): string | undefined {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const family = isIP(bare);
  if (family === 4) return bare.split('.').map((o) => String(Number(o))).join('.');
  if (family === 6) return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  return undefined;
}

/** The 4 or 16 octets of an IP address; undefined for anything else (zone ids included). */
export function ipOctets(ip: string): Uint8Array | undefined {
  const family = ip.includes('%') ? 0 : isIP(ip);
  if (family === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (family !== 6) return undefined;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const o = v4.split('.').map(Number);
    text = `${text.slice(0, -v4.length)}${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

/** Canonical text of 4 (IPv4) or 16 (IPv6) octets. */
export function ipFromOctets(octets: Uint8Array): string {
  if (octets.length === 4) return [...octets].join('.');
  const groups: string[] = [];
  for (let i = 0; i < octets.length; i += 2) groups.push((((octets[i] ?? 0) << 8) | (octets[i + 1] ?? 0)).toString(16));
  return normaliseIp(groups.join(':')) ?? groups.join(':');
}
