// The node-forge part: assemble an X.509 v3 certificate (subject, validity, random serial,
// extensions) and sign it with SHA-256. Everything else in certs/ uses node:crypto.
import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { VnfError } from '../errors.js';
import { ipToBytes, type SanEntry } from './names.js';

export type CertificateKind = 'ca' | 'server' | 'client';

export interface SubjectAttribute {
  /** forge attribute name (`commonName`, `organizationName` ...) or OID in `type`. */
  name?: string;
  type?: string;
  value: string;
  valueTagClass?: number;
}

export interface BuildSpec {
  kind: CertificateKind;
  subject: SubjectAttribute[];
  /** Issuer DN; omit for a self-signed certificate (issuer = subject). */
  issuer?: SubjectAttribute[];
  publicKey: forge.pki.rsa.PublicKey;
  signingKey: forge.pki.rsa.PrivateKey;
  /** Issuer's subjectKeyIdentifier as hex; omit for a self-signed certificate. */
  authorityKeyIdHex?: string;
  sans: SanEntry[];
  notBefore: Date;
  notAfter: Date;
}

const MAX_DAYS = 36_500;

/** A positive, minimally encoded 128-bit serial (top bit cleared; never a leading zero byte). */
export function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) || 0x01;
  return bytes.toString('hex');
}

/** Validity window: from `notBefore` (default: one minute ago, for clock skew) for `days` days. */
export function validityWindow(days: number, notBefore?: Date): { notBefore: Date; notAfter: Date } {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `validity must be a whole number of days from 1 to ${MAX_DAYS}`);
  }
  const start = new Date(Math.floor((notBefore?.getTime() ?? Date.now() - 60_000) / 1000) * 1000);
  return { notBefore: start, notAfter: new Date(start.getTime() + days * 86_400_000) };
}

export function commonName(cn: string): SubjectAttribute[] {
  return [{ name: 'commonName', value: cn, valueTagClass: forge.asn1.Type.UTF8 }];
}

function extensionsFor(spec: BuildSpec): object[] {
  const ski = { name: 'subjectKeyIdentifier' };
  const aki = spec.authorityKeyIdHex === undefined
    ? { name: 'authorityKeyIdentifier', keyIdentifier: true }
    : { name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(spec.authorityKeyIdHex) };
  if (spec.kind === 'ca') {
    return [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ski, aki,
    ];
  }
  const altNames = spec.sans.map((s) => (s.type === 'dns'
    ? { type: 2, value: s.value }
    : { type: 7, value: ipToBytes(s.value).toString('binary') }));
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', ...(spec.kind === 'server' ? { serverAuth: true } : { clientAuth: true }) },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
    ski, aki,
  ];
}

/** Builds and signs (sha256WithRSAEncryption) one certificate; returns its PEM. */
export function buildCertificate(spec: BuildSpec): string {
  try {
    const cert = forge.pki.createCertificate();
    cert.publicKey = spec.publicKey;
    cert.serialNumber = randomSerialHex();
    cert.validity.notBefore = spec.notBefore;
    cert.validity.notAfter = spec.notAfter;
    cert.setSubject(spec.subject as forge.pki.CertificateField[]);
    cert.setIssuer((spec.issuer ?? spec.subject) as forge.pki.CertificateField[]);
    cert.setExtensions(extensionsFor(spec) as unknown[] as forge.pki.CertificateField[]);
    cert.sign(spec.signingKey, forge.md.sha256.create());
    return forge.pki.certificateToPem(cert);
  } catch (error) {
    if (error instanceof VnfError) throw error;
    throw new VnfError('VNF_ERR_CERT_INVALID', 'the certificate could not be built', { cause: new Error(String((error as Error)?.message ?? error).slice(0, 200)) });
  }
}
