// CloudStack API request signing, byte for byte as the management server verifies it
// (ApiServer.verifyRequest): Java URLEncoder values, '+' -> %20, names as sent, sorted, lowercased.
import { createHmac } from 'node:crypto';
import { VnfError } from '../errors.js';

/** 3: adds signatureversion=3 and expires (checked by the server); 2: the legacy form without them. */
export type SignatureVersion = 2 | 3;

export interface SignInput {
  apiKey: string;
  secretKey: string;
  /** API parameters (command, response, ...); names are sent and signed exactly as given */
  params: Readonly<Record<string, string>>;
  signatureVersion?: SignatureVersion;
  /** signatureVersion 3: the expiry; a Date is formatted as yyyy-MM-ddTHH:mm:ss+0000 (UTC) */
  expires?: Date | string;
}

export interface SignedRequest {
  /** every parameter that is sent (apikey, signatureversion, expires included), sorted as signed */
  params: [string, string][];
  /** what the server computes the HMAC over (after sorting, encoding and lowercasing) */
  stringToSign: string;
  /** standard Base64 HMAC-SHA1 */
  signature: string;
  /** ready to send: the sorted parameters percent-encoded, then &signature=... */
  query: string;
}

export const API_KEY_PARAM = 'apikey';
export const SIGNATURE_PARAM = 'signature';

// CloudStack parameter names: command, details[0].key, vnfnics[1].deviceid, ...
const NAME_RE = /^[A-Za-z0-9_.[\]-]+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * java.net.URLEncoder.encode(value, "UTF-8") followed by the server's replaceAll("\\+", "%20"):
 * only A-Z a-z 0-9 . - * _ stay as they are; encodeURIComponent also spares ! ' ( ) ~, so those
 * five are escaped afterwards. Percent-hex is upper case, as Java writes it.
 */
export function javaUrlEncode(value: string): string {
  if (LONE_SURROGATE.test(value)) {
    throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'a CloudStack parameter value holds an unpaired UTF-16 surrogate');
  }
  return encodeURIComponent(value).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Java String.compareTo order (UTF-16 code units), which Collections.sort uses. */
export function compareJava(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** yyyy-MM-dd'T'HH:mm:ss+0000 in UTC: the one form every CloudStack release parses. */
export function formatExpires(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'expires is not a valid date');
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}T`
    + `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}+0000`;
}

const SAFE_EXPIRES = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{4}$/;

/**
 * An expires value from a user: the safe form is kept verbatim; other ISO 8601 forms (Z, +05:30,
 * milliseconds) are converted to UTC +0000, which older releases also parse.
 */
export function normaliseExpires(value: Date | string): string {
  if (value instanceof Date) return formatExpires(value);
  if (SAFE_EXPIRES.test(value)) return value;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) {
    throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'expires must be an ISO 8601 date-time with a zone, e.g. 2026-05-01T12:00:00+0000');
  }
  return formatExpires(new Date(value));
}

/** The string the server signs: name=encoded(value) pairs in Java sort order, '&'-joined, lowercased. */
export function stringToSign(params: readonly (readonly [string, string])[]): string {
  return [...params]
    .filter(([name]) => name.toLowerCase() !== SIGNATURE_PARAM)
    .sort((a, b) => compareJava(a[0], b[0]))
    .map(([name, value]) => `${name}=${javaUrlEncode(value)}`)
    .join('&')
    .toLowerCase();
}

export function hmacSha1Base64(secretKey: string, text: string): string {
  return createHmac('sha1', secretKey).update(text, 'utf8').digest('base64');
}

function checkParams(params: Readonly<Record<string, string>>): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(params)) {
    if (!NAME_RE.test(name)) {
      throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `CloudStack parameter name '${name.slice(0, 60)}' has characters other than letters, digits, _ . [ ] -`);
    }
    const lower = name.toLowerCase();
    if (lower === SIGNATURE_PARAM || lower === API_KEY_PARAM || lower === 'signatureversion' || lower === 'expires') {
      throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `parameter '${name}' is set by the signer, not by the caller`);
    }
    if (seen.has(lower)) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `parameter '${name}' is given twice (names are case-insensitive)`);
    if (typeof value !== 'string') throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `parameter '${name}' is not a string`);
    seen.add(lower);
    out.push([name, value]);
  }
  return out;
}

/** Signs a request; the result is what a client sends (GET query or POST form body). */
export function signRequest(input: SignInput): SignedRequest {
  if (!input.apiKey || !input.secretKey) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'API key and secret key are required');
  const pairs = checkParams(input.params);
  pairs.push([API_KEY_PARAM, input.apiKey]);
  if ((input.signatureVersion ?? 3) === 3) {
    if (input.expires === undefined) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'signatureversion 3 needs expires');
    pairs.push(['signatureversion', '3'], ['expires', normaliseExpires(input.expires)]);
  } else if (input.expires !== undefined) {
    throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'expires is only checked with signatureversion 3');
  }
  pairs.sort((a, b) => compareJava(a[0], b[0]));
  const text = stringToSign(pairs);
  const signature = hmacSha1Base64(input.secretKey, text);
  const query = [...pairs, [SIGNATURE_PARAM, signature] as [string, string]]
    .map(([name, value]) => `${javaUrlEncode(name)}=${javaUrlEncode(value)}`)
    .join('&');
  return { params: pairs, stringToSign: text, signature, query };
}
