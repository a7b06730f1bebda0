// The identity of an mTLS peer (subject CN, SANs, SHA-256 fingerprint, serial) and the rules the
// API uses to map identities to roles (DESIGN.md §3.4): by CN, by SAN or by fingerprint.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { VnfError } from '../errors.js';
import { commonNameOf, sanValues } from './inspect.js';
import { normaliseIp } from './names.js';

export interface Principal {
  /** Subject CN (several CNs joined with `+`: such a certificate matches no CN rule). */
  subject: string;
  sans: string[];
  /** Colon-separated upper-case hex, as node gives it. */
  fingerprint256: string;
  /** Upper-case hex serial number. */
  serial: string;
}

/** One way to recognise a principal. Every field given must match; a rule with none matches nothing. */
export interface IdentityRule {
  cn?: string;
  san?: string;
  fingerprint256?: string;
}

function legacyCn(subject: PeerCertificate['subject'] | undefined): string {
  const cn = (subject as unknown as Record<string, string | string[] | undefined> | undefined)?.CN;
  if (Array.isArray(cn)) return cn.join('+');
  return cn ?? '';
}

/** The identity in a peer certificate, from `socket.getPeerCertificate()` or an X509Certificate. */
export function principalFromPeerCertificate(peer: PeerCertificate | X509Certificate): Principal {
  if (peer instanceof X509Certificate) {
    return {
      subject: commonNameOf(peer.subject),
      sans: sanValues(peer.subjectAltName),
      fingerprint256: peer.fingerprint256,
      serial: peer.serialNumber.toUpperCase(),
    };
  }
  if (!peer || typeof peer.fingerprint256 !== 'string' || peer.fingerprint256 === '') {
    throw new VnfError('VNF_ERR_CERT_INVALID', 'the peer presented no certificate', { stage: 'auth' });
  }
  return {
    subject: legacyCn(peer.subject),
    sans: sanValues(peer.subjectaltname),
    fingerprint256: peer.fingerprint256.toUpperCase(),
    serial: String(peer.serialNumber ?? '').toUpperCase(),
  };
}

/** `AB:cd:…`, `abcd…` and `sha256:AB:CD…` all become 64 upper-case hex digits; anything else is undefined. */
export function normaliseFingerprint256(value: string): string | undefined {
  const hex = value.trim().replace(/^sha-?256:/i, '').replace(/[:\s]/g, '').toUpperCase();
  return /^[0-9A-F]{64}$/.test(hex) ? hex : undefined;
}

function sanMatches(principal: Principal, wanted: string): boolean {
  const ip = normaliseIp(wanted.trim());
  if (ip !== undefined) return principal.sans.some((s) => normaliseIp(s) === ip);
  const name = wanted.trim().toLowerCase();
  return principal.sans.some((s) => s.toLowerCase() === name);
}

/** True when every field of the rule matches the principal (CN exact, SAN exact, fingerprint case/colon-insensitive). */
export function matchIdentity(principal: Principal, rule: IdentityRule): boolean {
  let checked = 0;
  if (rule.cn !== undefined) {
    checked += 1;
    if (rule.cn === '' || principal.subject !== rule.cn) return false;
  }
  if (rule.san !== undefined) {
    checked += 1;
    if (rule.san === '' || !sanMatches(principal, rule.san)) return false;
  }
  if (rule.fingerprint256 !== undefined) {
    checked += 1;
    const want = normaliseFingerprint256(rule.fingerprint256);
    if (want === undefined || want !== normaliseFingerprint256(principal.fingerprint256)) return false;
  }
  return checked > 0;
}
