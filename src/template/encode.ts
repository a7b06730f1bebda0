// Context-aware encoding: a value is turned into text for the place it lands (TemplateLanding), or
// refused with VNF_ERR_TEMPLATE_UNSAFE_VALUE. Messages name the variable, never the value.
import { isIP } from 'node:net';
import { VnfError } from '../errors.js';
import { checkFieldValue, type FieldSpec } from './data-types.js';
import type { TemplateLanding } from './landing.js';

export interface ValueMeta {
  /** the template variable, e.g. get_data.network */
  name: string;
  /** declared type (get_data values); context values have none */
  spec?: FieldSpec;
  secret: boolean;
  /** 'step': a value an earlier step read from the appliance (steps.NAME.FIELD), untrusted output */
  origin?: 'step';
}

/** What an appliance-supplied value may be inside a CLI command: one token, no quoting or separators. */
const STEP_CLI_TOKEN = /^[A-Za-z0-9_.:/@*+,=-]{1,256}$/;

const LANDING_NAMES: Record<TemplateLanding, string> = {
  cli: 'a CLI command', url: 'a URL', json: 'a JSON body', header: 'an HTTP header', text: 'a text body',
  host: 'a host name', regex: 'a response pattern', credential: 'a credential',
};

function unsafe(meta: ValueMeta, landing: TemplateLanding, why: string): VnfError {
  return new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', `value of ${meta.name} cannot be placed in ${LANDING_NAMES[landing]}: ${why}`);
}

/**
 * C0/C1 controls, DEL, Unicode line/paragraph separators and bidi overrides: anything that can end a
 * line or hide text in a terminal or a header. `allowLineBreaks` admits \n, \r and \t (PEM keys).
 */
export function hasControlChar(text: string, allowLineBreaks = false): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (allowLineBreaks && (c === 0x0a || c === 0x0d || c === 0x09)) continue;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) return true;
  }
  return false;
}

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** A DNS name or IP literal; IPv6 comes back bracketed so it can stand in a URL authority. */
export function encodeHost(text: string): string | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (bare.includes('%')) return undefined;
  const family = isIP(bare);
  if (family === 6) return `[${bare}]`;
  if (family === 4) return bare;
  if (bare !== text) return undefined;
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return undefined;
  // an all-numeric last label would be a malformed IPv4 address, not a name
  const labels = name.split('.');
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return undefined;
  return labels.every((l) => HOST_LABEL.test(l)) ? text : undefined;
}

/** Escapes only syntax characters, so the result is valid with and without the `u` flag. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function escapeJsonString(text: string): string {
  // JSON.stringify leaves U+2028/2029 raw (valid JSON, but not valid in older JS consumers)
  return JSON.stringify(text).slice(1, -1).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const PEM_BLOCK = /^-----BEGIN [A-Z0-9 ]+-----[\s\S]+-----END [A-Z0-9 ]+-----\s*$/;

function scalarText(raw: unknown, meta: ValueMeta, landing: TemplateLanding): string {
  if (typeof raw === 'string') return raw;
  if (typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))) return String(raw);
  const kind = Array.isArray(raw) ? 'a list' : raw !== null && typeof raw === 'object' ? 'an object' : 'not a finite value';
  throw unsafe(meta, landing, `it is ${kind}, not a string, number or boolean${meta.origin === 'step' ? ' (select a scalar with the step\'s transform)' : ''}`);
}

/** Encodes one present value for its landing; throws VNF_ERR_TEMPLATE_UNSAFE_VALUE when it cannot. */
export function encodeValue(raw: unknown, landing: TemplateLanding, meta: ValueMeta): string {
  const text = scalarText(raw, meta, landing);
  switch (landing) {
    case 'cli': {
      if (hasControlChar(text)) throw unsafe(meta, landing, 'it contains a control character or line break');
      if (meta.origin === 'step' && !STEP_CLI_TOKEN.test(text)) throw unsafe(meta, landing, 'a value read from the appliance must be a single token (letters, digits, _.:/@*+,=-)');
      if (meta.spec) {
        const checked = checkFieldValue(meta.spec, raw);
        if (!checked.ok || String(checked.value) !== text) throw unsafe(meta, landing, `it does not match its type (${meta.spec.type})`);
      }
      return text;
    }
    case 'url':
      try {
        return encodeURIComponent(text);
      } catch {
        throw unsafe(meta, landing, 'it is not well-formed Unicode');
      }
    case 'host': {
      const host = encodeHost(text);
      if (host === undefined) throw unsafe(meta, landing, 'it is not a host name or IP address');
      return host;
    }
    case 'json':
      return escapeJsonString(text);
    case 'regex':
      return escapeRegex(text);
    case 'header':
    case 'text':
      if (hasControlChar(text)) throw unsafe(meta, landing, 'it contains a control character or line break');
      return text;
    case 'credential':
      if (hasControlChar(text, PEM_BLOCK.test(text))) throw unsafe(meta, landing, 'it contains a control character or line break');
      return text;
    default:
      throw unsafe(meta, landing, 'the landing is unknown');
  }
}
