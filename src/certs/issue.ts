// Issuing server and client certificates from a CA: for a new node:crypto key pair, for a given
// public key, or for a CSR (see csr.ts). Leaf extensions follow RFC 5280 for TLS endpoints.
import { X509Certificate } from 'node:crypto';
import { VnfError } from '../errors.js';
import { buildCertificate, commonName, validityWindow, type SubjectAttribute } from './build.js';
import { loadCa, type CaMaterial } from './ca.js';
import {
  generateRsaKeyPair, loadPublicKey, toForgePrivateKey, toForgePublicKey, type RsaKeyBits,
} from './keys.js';
import { checkCommonName, parseSan, parseSans, type SanEntry } from './names.js';

export type LeafKind = 'server' | 'client';

export interface IssueOptions {
  ca: CaMaterial;
  kind: LeafKind;
  cn: string;
  /** DNS names and IP addresses (told apart automatically; `DNS:`/`IP:` prefixes accepted). */
  sans?: readonly string[];
  /** Validity in days (default 397). */
  days?: number;
  /** Start of validity (default: one minute ago). A past window makes an already-expired certificate. */
  notBefore?: Date;
  /** Certify this SPKI PEM public key instead of generating a key pair (no keyPem is returned then). */
  publicKeyPem?: string;
  keyBits?: RsaKeyBits;
}

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8 PEM, only when the key pair was generated here. */
  keyPem?: string;
}

export const DEFAULT_LEAF_DAYS = 397;

export const LEAF_KINDS: readonly LeafKind[] = ['server', 'client'];

/** Server certificates need a SAN (clients ignore the CN); a CN that is a host name or IP stands in. */
export function effectiveSans(kind: LeafKind, cn: string, sans: readonly string[]): SanEntry[] {
  const parsed = parseSans(sans);
  if (kind === 'server' && parsed.length === 0) {
    try {
      return [parseSan(cn)];
    } catch {
      throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'a server certificate needs at least one SAN (DNS name or IP address)');
    }
  }
  return parsed;
}

export interface SignSpec {
  kind: LeafKind;
  subject: SubjectAttribute[];
  sans: SanEntry[];
  publicKeyPem: string;
  days?: number;
  notBefore?: Date;
}

/** Signs a leaf certificate for a public key with the CA (shared by issueCertificate and signCsr). */
export function signLeaf(ca: CaMaterial, spec: SignSpec): string {
  if (!LEAF_KINDS.includes(spec.kind)) throw new VnfError('VNF_ERR_CERT_INVALID', "kind must be 'server' or 'client'");
  const loaded = loadCa(ca);
  const publicKey = loadPublicKey(spec.publicKeyPem, 'the subject public key');
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 2048) throw new VnfError('VNF_ERR_CERT_INVALID', `the subject RSA key has ${bits} bits; at least 2048 are required`);
  const window = validityWindow(spec.days ?? DEFAULT_LEAF_DAYS, spec.notBefore);
  const caNotAfter = Date.parse(loaded.x509.validTo);
  if (!(window.notBefore.getTime() < caNotAfter)) throw new VnfError('VNF_ERR_CERT_INVALID', 'the CA certificate has expired');
  if (window.notAfter.getTime() > caNotAfter) window.notAfter = new Date(caNotAfter);
  const certPem = buildCertificate({
    kind: spec.kind,
    subject: spec.subject,
    issuer: loaded.subject,
    publicKey: toForgePublicKey(publicKey),
    signingKey: toForgePrivateKey(loaded.key),
    authorityKeyIdHex: loaded.subjectKeyIdHex,
    sans: spec.sans,
    ...window,
  });
  if (!new X509Certificate(certPem).checkIssued(loaded.x509)) {
    throw new VnfError('VNF_ERR_CERT_INVALID', 'the issued certificate does not chain to the CA (issuer name mismatch)');
  }
  return certPem;
}

export async function issueCertificate(options: IssueOptions): Promise<IssuedCertificate> {
  const cn = checkCommonName(options.cn);
  const sans = effectiveSans(options.kind, cn, options.sans ?? []);
  loadCa(options.ca); // fail on a bad CA before spending time on a key pair
  const pair = options.publicKeyPem === undefined ? await generateRsaKeyPair(options.keyBits) : undefined;
  const certPem = signLeaf(options.ca, {
    kind: options.kind,
    subject: commonName(cn),
    sans,
    publicKeyPem: pair?.publicKeyPem ?? options.publicKeyPem ?? '',
    ...(options.days === undefined ? {} : { days: options.days }),
    ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore }),
  });
  return pair === undefined ? { certPem } : { certPem, keyPem: pair.privateKeyPem };
}
