// Certificate names: common names and subjectAltName entries, with DNS names and IP addresses
// told apart automatically, validated, and normalised so that comparisons are exact.
import { VnfError } from '../errors.js';
import { ipOctets, normaliseIp } from '../ip-address.js';

export { normaliseIp };

export type SanEntry = { type: 'dns'; value: string } | { type: 'ip'; value: string };

// eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
const CONTROL = /[\u0000-\u001f\u007f]/;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** A DNS name for a certificate: labels of letters, digits and hyphens; a leading `*.` wildcard allowed. */
export function isDnsName(value: string): boolean {
  if (value.length === 0 || value.length > 253) return false;
  const labels = (value.startsWith('*.') ? value.slice(2) : value).split('.');
  return labels.every((l) => DNS_LABEL.test(l)) && !/^[0-9.]+$/.test(value);
}

/** Classifies one SAN value: an IP (v4 or v6) when it parses as one, else it must be a DNS name. */
export function parseSan(raw: string): SanEntry {
  const text = String(raw).trim();
  const prefix = /^(dns|ip):/i.exec(text)?.[1]?.toLowerCase();
  const value = prefix === undefined ? text : text.slice(prefix.length + 1);
  if (prefix !== 'dns') {
    const ip = normaliseIp(value);
    if (ip !== undefined) return { type: 'ip', value: ip };
    if (prefix === 'ip') throw new VnfError('VNF_ERR_CERT_NAME_INVALID', `'${clip(text)}' is not an IP address`);
  }
  if (!isDnsName(value)) {
    throw new VnfError('VNF_ERR_CERT_NAME_INVALID', `'${clip(text)}' is neither a DNS name nor an IP address`);
  }
  return { type: 'dns', value: value.toLowerCase() };
}

/** Parses and de-duplicates SAN values, keeping their order. */
export function parseSans(values: readonly string[]): SanEntry[] {
  const seen = new Set<string>();
  const out: SanEntry[] = [];
  for (const raw of values) {
    const entry = parseSan(raw);
    const key = `${entry.type}:${entry.value}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(entry);
    }
  }
  return out;
}

/** A CN is free text in X.509, but we keep it printable and bounded (ub-common-name is 64). */
export function checkCommonName(cn: string): string {
  if (typeof cn !== 'string' || cn.length === 0 || cn.length > 64 || CONTROL.test(cn)) {
    throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'the common name must be 1 to 64 printable characters');
  }
  return cn;
}

/** Splits node's `subjectaltname` text (`DNS:a, IP Address:1.2.3.4`, values with `,` JSON-quoted). */
export function parseSubjectAltNameText(text: string | undefined): { type: string; value: string }[] {
  if (!text) return [];
  const out: { type: string; value: string }[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      } catch {
        value = text.slice(colon + 2, end);
      }
      next = text.indexOf(',', end + 1);
    } else {
      next = text.indexOf(', ', colon + 1);
      value = text.slice(colon + 1, next < 0 ? undefined : next);
    }
    out.push({ type, value });
    if (next < 0) break;
    i = next + 1;
  }
  return out;
}

function clip(value: string): string {
  const flat = value.replace(new RegExp(CONTROL.source, 'g'), '?');
  return flat.length > 80 ? `${flat.slice(0, 79)}…` : flat;
}

/** The 4 or 16 octets of an IP address, as they go into an iPAddress SAN. */
export function ipToBytes(ip: string): Buffer {
  const octets = ipOctets(ip);
  if (!octets) throw new VnfError('VNF_ERR_CERT_NAME_INVALID', `'${clip(ip)}' is not an IP address`);
  return Buffer.from(octets);
}
