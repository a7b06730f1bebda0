// Signature verification as the CloudStack management server does it (ApiServer.verifyRequest),
// written from the server's side and independently of src/cloudstack/sign.ts: servlet-decoded
// parameters, first value only, names sorted as sent, java.net.URLEncoder on values byte by byte,
// '+' -> %20, lowercase everything, HMAC-SHA1 Base64, constant-time compare; expires for version 3.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** application/x-www-form-urlencoded decoding as Tomcat/Jetty do it ('+' is a space); bad escapes drop the pair. */
export function parseParameters(raw: string, into = new Map<string, string[]>()): Map<string, string[]> {
  if (raw === '') return into;
  for (const piece of raw.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const rawName = eq < 0 ? piece : piece.slice(0, eq);
    const rawValue = eq < 0 ? '' : piece.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    const list = into.get(name) ?? [];
    list.push(value);
    into.set(name, list);
  }
  return into;
}

const SAFE = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_'.split('').map((c) => c.charCodeAt(0)));

/** java.net.URLEncoder.encode(s, "UTF-8"): byte-wise, space -> '+', %XX upper case. */
export function javaUrlEncoderEncode(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    if (SAFE.has(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface SimUser {
  apiKey: string;
  secretKey: string;
  account: string;
  userId: string;
  enabled?: boolean;
}

export interface VerifyOptions {
  now?: Date;
  /** 'legacy': only yyyy-MM-ddTHH:mm:ss+hhmm parses (older releases); 'modern': also Z, +hh:mm, millis */
  expiresParsing?: 'legacy' | 'modern';
  /** enforce.post.requests.and.timestamps: v3 mandatory, expires at most 15 minutes ahead */
  enforceTimestamps?: boolean;
}

export type VerifyResult = { ok: true; user: SimUser } | { ok: false; reason: string };

const LEGACY = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})([+-])(\d{2})(\d{2})$/;
const MODERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))$/;

/** DateUtil.parseTZDateString, per release; undefined when unparseable. */
export function parseExpires(value: string, mode: 'legacy' | 'modern'): Date | undefined {
  const legacy = LEGACY.exec(value);
  const modern = legacy ? null : mode === 'modern' ? MODERN.exec(value) : null;
  const m = legacy ?? modern;
  if (!m) return undefined;
  const n = (i: number): number => Number(m[i] ?? '0');
  let millis = 0;
  let offsetMin = 0;
  if (legacy) {
    offsetMin = (m[7] === '-' ? -1 : 1) * (n(8) * 60 + n(9));
  } else {
    millis = Number((m[7] ?? '0').padEnd(3, '0'));
    if (!m[8]) offsetMin = (m[9] === '-' ? -1 : 1) * (n(10) * 60 + n(11));
  }
  const utc = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6), millis);
  const date = new Date(utc - offsetMin * 60_000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const first = (params: Map<string, string[]>, name: string): string | undefined => {
  for (const [k, v] of params) if (k.toLowerCase() === name) return v[0];
  return undefined;
};

/** Returns the string the server would sign for these decoded parameters. */
export function serverStringToSign(params: Map<string, string[]>): string {
  const names = [...params.keys()].filter((n) => n.toLowerCase() !== 'signature');
  names.sort(); // Java Collections.sort on String: UTF-16 code-unit order, as JS' default sort
  return names
    .map((n) => `${n}=${javaUrlEncoderEncode(params.get(n)?.[0] ?? '').replace(/\+/g, '%20')}`)
    .join('&')
    .toLowerCase();
}

export function verifyRequest(params: Map<string, string[]>, users: readonly SimUser[], o: VerifyOptions = {}): VerifyResult {
  const apiKey = first(params, 'apikey');
  const signature = first(params, 'signature');
  if (!apiKey || !signature) return { ok: false, reason: 'apikey or signature missing' };
  const version = first(params, 'signatureversion');
  const expires = first(params, 'expires');
  const now = o.now ?? new Date();
  if (o.enforceTimestamps && version !== '3') return { ok: false, reason: 'signatureversion 3 required' };
  if (version === '3') {
    if (!expires) return { ok: false, reason: 'expires missing' };
    const at = parseExpires(expires, o.expiresParsing ?? 'legacy');
    if (!at) return { ok: false, reason: 'expires unparseable' };
    if (at.getTime() < now.getTime()) return { ok: false, reason: 'request expired' };
    if (o.enforceTimestamps && at.getTime() > now.getTime() + 15 * 60_000) return { ok: false, reason: 'expires too far ahead' };
  }
  const user = users.find((u) => u.apiKey === apiKey);
  if (!user) return { ok: false, reason: 'unknown api key' };
  if (user.enabled === false) return { ok: false, reason: 'user disabled' };
  const computed = createHmac('sha1', user.secretKey).update(serverStringToSign(params)).digest('base64');
  const a = Buffer.from(computed);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, reason: 'signature mismatch' };
  return { ok: true, user };
}
