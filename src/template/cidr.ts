// CIDR helpers for templates: a network in CIDR notation ("10.1.0.0/24") taken apart for devices
// that want address + mask (IOS routes, NAT) or address + wildcard bits (IOS access lists).
// cidrPart is pure (a value in, the part or a problem out); applyCidrHelper is what templates call.
// Messages name the variable, never the value.
import { VnfError } from '../errors.js';
import { ipFromOctets, ipOctets } from '../ip-address.js';
import { isCidr, type FieldType } from './data-types.js';
import { PendingValue, TemplateValue } from './value.js';

/**
 * cidr_address: the address as written, host bits kept (10.1.0.5/24 → 10.1.0.5; an interface address);
 * cidr_network: the network, host bits cleared (10.1.0.5/24 → 10.1.0.0); cidr_prefix: the length (24);
 * cidr_mask: the netmask (255.255.255.0); cidr_wildcard: the inverted mask (0.0.0.255). Addresses
 * come out in canonical form (IPv6 compressed, lower case). Mask and wildcard are IPv4 only.
 */
export const CIDR_HELPERS = ['cidr_address', 'cidr_network', 'cidr_prefix', 'cidr_mask', 'cidr_wildcard'] as const;
export type CidrHelper = (typeof CIDR_HELPERS)[number];

export function isCidrHelper(name: string): name is CidrHelper {
  return (CIDR_HELPERS as readonly string[]).includes(name);
}

/** The declared type of what a helper gives: its CLI landing re-checks the part against it. */
export const CIDR_PART_TYPE: Readonly<Record<CidrHelper, FieldType>> = {
  cidr_address: 'ip', cidr_network: 'ip', cidr_prefix: 'integer', cidr_mask: 'ip', cidr_wildcard: 'ip',
};

export type CidrPart = { ok: true; value: string | number } | { ok: false; problem: string };

interface Cidr {
  octets: Uint8Array;
  prefix: number;
}

function parseCidr(value: unknown): Cidr | undefined {
  if (typeof value !== 'string' || !isCidr(value)) return undefined;
  const slash = value.lastIndexOf('/');
  const octets = ipOctets(value.slice(0, slash));
  return octets ? { octets, prefix: Number(value.slice(slash + 1)) } : undefined;
}

/** Each octet of a prefix-length mask: 8 one bits per whole octet, then the rest, then zeros. */
function maskOctets(length: number, prefix: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (0xff << (8 - Math.min(8, Math.max(0, prefix - 8 * i)))) & 0xff);
}

/** One part of a CIDR value; `problem` completes "<variable> ..." (e.g. "is not a network in CIDR notation"). */
export function cidrPart(helper: CidrHelper, value: unknown): CidrPart {
  const cidr = parseCidr(value);
  if (!cidr) return { ok: false, problem: 'is not a network in CIDR notation (address/prefix, e.g. 10.1.0.0/24)' };
  const { octets, prefix } = cidr;
  const mask = maskOctets(octets.length, prefix);
  switch (helper) {
    case 'cidr_address':
      return { ok: true, value: ipFromOctets(octets) };
    case 'cidr_network':
      return { ok: true, value: ipFromOctets(octets.map((o, i) => o & (mask[i] ?? 0))) };
    case 'cidr_prefix':
      return { ok: true, value: prefix };
    case 'cidr_mask':
    case 'cidr_wildcard':
      if (octets.length !== 4) return { ok: false, problem: `is an IPv6 network: ${helper} is for IPv4 only (IPv6 takes cidr_network and cidr_prefix)` };
      return { ok: true, value: ipFromOctets(helper === 'cidr_mask' ? mask : mask.map((o) => ~o & 0xff)) };
  }
}

/**
 * The helper as templates call it: `{{cidr_mask get_data.prefix}}` prints the part, encoded for the
 * landing like any value (a CLI landing re-checks it as an ip / integer); `(eq (cidr_prefix x) 32)`
 * compares it. An absent value stays absent (false when tested, VNF_ERR_TEMPLATE_MISSING_VALUE naming
 * it when printed); a value that is not a CIDR is VNF_ERR_TEMPLATE_RENDER naming the variable.
 */
export function applyCidrHelper(helper: CidrHelper, value: unknown): unknown {
  if (!(value instanceof TemplateValue)) {
    throw new VnfError('VNF_ERR_TEMPLATE_RENDER', `${helper} takes one value: get_data.NAME, get_cs_data.NAME or steps.NAME.FIELD`);
  }
  const raw = value.raw;
  if (raw === undefined || raw === null) return value;
  const name = `${helper}(${value.meta.name})`;
  if (raw instanceof PendingValue) return value.derive(new PendingValue(name), { ...value.meta, name });
  const part = cidrPart(helper, raw);
  if (!part.ok) {
    throw new VnfError('VNF_ERR_TEMPLATE_RENDER', `${helper}: ${value.meta.name} ${part.problem}`, { details: { helper, variable: value.meta.name } });
  }
  return value.derive(part.value, { ...value.meta, name, spec: { type: CIDR_PART_TYPE[helper] } });
}
