// Reading certificates with node:crypto X509Certificate (forge is never used to inspect or
// verify): subject, SANs, validity, fingerprints, CA flag, extended key usage.
import { X509Certificate } from 'node:crypto';
import { VnfError } from '../errors.js';
import { normaliseIp, parseSubjectAltNameText } from './names.js';

export interface CertificateInfo {
  /** Subject CN (several CNs are joined with `+`, so they never equal a single CN rule). */
  subject: string;
  /** Full subject DN, one `KEY=value` per RDN joined with `, `. */
  subjectDn: string;
  issuer: string;
  issuerDn: string;
  /** SAN values: DNS names lower-case, IP addresses in canonical form, URIs and e-mail as given. */
  sans: string[];
  /** Upper-case hex, as node reports it. */
  serial: string;
  /** Colon-separated upper-case hex SHA-256 of the DER certificate, as node reports it. */
  fingerprint256: string;
  notBefore: string;
  notAfter: string;
  isCa: boolean;
  /** Extended key usages we know by name; other OIDs are listed as-is. */
  extKeyUsage: string[];
  keyType: string;
  keyBits?: number;
}

const EKU_NAMES: Record<string, string> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
};

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

export function parseCertificate(pem: string | Buffer, what = 'certificate'): X509Certificate {
  const text = Buffer.isBuffer(pem) ? pem.toString('utf8') : pem;
  const block = PEM_CERT.exec(text)?.[0];
  if (block === undefined) throw new VnfError('VNF_ERR_CERT_INVALID', `${what} is not a PEM certificate`);
  try {
    return new X509Certificate(block);
  } catch {
    throw new VnfError('VNF_ERR_CERT_INVALID', `${what} could not be parsed`);
  }
}

/** Values of a DN as node prints it (`CN=a\nO=b`), per attribute name. */
export function dnAttributes(dn: string): { key: string; value: string }[] {
  return dn.split('\n').filter((l) => l.length > 0).map((line) => {
    const eq = line.indexOf('=');
    return eq < 0 ? { key: '', value: line } : { key: line.slice(0, eq), value: line.slice(eq + 1) };
  });
}

export function commonNameOf(dn: string): string {
  return dnAttributes(dn).filter((a) => a.key === 'CN').map((a) => a.value).join('+');
}

/** SAN values from node's `subjectaltname` text, normalised for comparison. */
export function sanValues(text: string | undefined): string[] {
  return parseSubjectAltNameText(text).map(({ type, value }) => {
    if (type === 'IP Address') return normaliseIp(value) ?? value;
    if (type === 'DNS') return value.toLowerCase();
    return value;
  });
}

export function isoTime(nodeTime: string): string {
  const ms = Date.parse(nodeTime);
  return Number.isNaN(ms) ? nodeTime : new Date(ms).toISOString();
}

export function describeX509(x509: X509Certificate): CertificateInfo {
  const key = x509.publicKey;
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return {
    subject: commonNameOf(x509.subject),
    subjectDn: dnAttributes(x509.subject).map((a) => `${a.key}=${a.value}`).join(', '),
    issuer: commonNameOf(x509.issuer),
    issuerDn: dnAttributes(x509.issuer).map((a) => `${a.key}=${a.value}`).join(', '),
    sans: sanValues(x509.subjectAltName),
    serial: x509.serialNumber.toUpperCase(),
    fingerprint256: x509.fingerprint256,
    notBefore: isoTime(x509.validFrom),
    notAfter: isoTime(x509.validTo),
    isCa: x509.ca,
    extKeyUsage: (x509.keyUsage ?? []).map((oid) => EKU_NAMES[oid] ?? oid),
    keyType: key.asymmetricKeyType ?? 'unknown',
    ...(bits === undefined ? {} : { keyBits: bits }),
  };
}

/** Describes the first certificate of a PEM text (never reads or prints key material). */
export function describeCertificate(pem: string | Buffer): CertificateInfo {
  return describeX509(parseCertificate(pem));
}
