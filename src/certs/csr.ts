// Certificate signing requests: build one with node-forge for a node:crypto key, and sign one
// with a CA after checking its self-signature with node:crypto over the exact received bytes.
import { verify as verifySignature } from 'node:crypto';
import forge from 'node-forge';
import { VnfError } from '../errors.js';
import { commonName, type SubjectAttribute } from './build.js';
import type { CaMaterial } from './ca.js';
import {
  generateRsaKeyPair, loadPrivateKey, loadPublicKey, publicKeyToSpkiPem, toForgePrivateKey, toForgePublicKey, type RsaKeyBits,
} from './keys.js';
import { effectiveSans, signLeaf, type LeafKind } from './issue.js';
import { checkCommonName, normaliseIp, parseSans } from './names.js';
import { firstChildDer, pemBody } from './der.js';

export interface CreateCsrOptions {
  cn: string;
  sans?: readonly string[];
  /** Use this PKCS#8/PKCS#1 PEM RSA key; by default a new key pair is generated. */
  keyPem?: string;
  keyBits?: RsaKeyBits;
}

export interface CsrResult {
  csrPem: string;
  /** The request's private key (PKCS#8 PEM): the given one, normalised, or the new one. */
  keyPem: string;
}

export async function createCsr(options: CreateCsrOptions): Promise<CsrResult> {
  const cn = checkCommonName(options.cn);
  const sans = parseSans(options.sans ?? []);
  const keyPem = options.keyPem ?? (await generateRsaKeyPair(options.keyBits)).privateKeyPem;
  const key = loadPrivateKey(keyPem, 'the CSR key');
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = toForgePublicKey(key);
  csr.setSubject(commonName(cn) as forge.pki.CertificateField[]);
  if (sans.length > 0) {
    const altNames = sans.map((s) => (s.type === 'dns' ? { type: 2, value: s.value } : { type: 7, ip: s.value }));
    csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] }]);
  }
  csr.sign(toForgePrivateKey(key), forge.md.sha256.create());
  return { csrPem: forge.pki.certificationRequestToPem(csr), keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export interface CsrInfo {
  subject: SubjectAttribute[];
  cn: string;
  /** Requested SANs (DNS names and IPs), as `DNS:`/`IP:`-free values. */
  sans: string[];
  publicKeyPem: string;
}

const SIGNATURE_HASHES: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
};

type ParsedAltName = { type: number; value?: string; ip?: string };

/** Parses a CSR and verifies its self-signature (proof of possession); refuses anything else. */
export function readCsr(csrPem: string): CsrInfo {
  const der = pemBody(csrPem, ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);
  if (der === undefined) throw new VnfError('VNF_ERR_CERT_INVALID', 'the CSR is not a PEM certificate request');
  let csr: forge.pki.CertificateSigningRequest;
  try {
    csr = forge.pki.certificationRequestFromAsn1(forge.asn1.fromDer(der.toString('binary')));
  } catch {
    throw new VnfError('VNF_ERR_CERT_INVALID', 'the CSR could not be parsed (only RSA keys are supported)');
  }
  const hash = SIGNATURE_HASHES[String(csr.signatureOid)];
  if (hash === undefined) throw new VnfError('VNF_ERR_CERT_INVALID', 'the CSR is not signed with RSA and SHA-256/384/512');
  const publicKeyPem = forge.pki.publicKeyToPem(csr.publicKey as forge.pki.rsa.PublicKey);
  const info = firstChildDer(der);
  const ok = info !== undefined && verifySignature(hash, info, publicKeyPem, Buffer.from(String(csr.signature), 'binary'));
  if (!ok) throw new VnfError('VNF_ERR_CERT_CSR_SIGNATURE', 'the CSR signature does not verify; it was altered or is corrupt');
  const subject = csr.subject.attributes.map((a) => ({
    ...(a.type === undefined ? {} : { type: a.type }),
    value: (a.valueTagClass as number | undefined) === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(String(a.value)) : String(a.value),
    ...(a.valueTagClass === undefined ? {} : { valueTagClass: a.valueTagClass as number }),
  }));
  const cns = csr.subject.attributes.filter((a) => a.shortName === 'CN');
  if (cns.length !== 1) throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'the CSR subject must have exactly one CN');
  const cn = subject[csr.subject.attributes.indexOf(cns[0]!)]!.value;
  const request = csr.getAttribute({ name: 'extensionRequest' }) as { extensions?: { name?: string; altNames?: ParsedAltName[] }[] } | null;
  const sans: string[] = [];
  for (const ext of request?.extensions ?? []) {
    if (ext.name !== 'subjectAltName') continue;
    for (const alt of ext.altNames ?? []) {
      if (alt.type === 2 && alt.value !== undefined) sans.push(`DNS:${alt.value}`);
      else if (alt.type === 7 && alt.ip !== undefined && normaliseIp(alt.ip) !== undefined) sans.push(`IP:${alt.ip}`);
      else throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'the CSR requests a SAN that is not a DNS name or IP address');
    }
  }
  return { subject, cn: checkCommonName(cn), sans, publicKeyPem: publicKeyToSpkiPem(loadPublicKey(publicKeyPem, 'the CSR public key')) };
}

export interface SignCsrOptions {
  kind: LeafKind;
  days?: number;
  notBefore?: Date;
  /** SANs added to the requested ones (as CloudStack adds `domain`/`ipaddress`). */
  extraSans?: readonly string[];
}

/** Verifies the CSR, then issues a certificate for its subject, SANs and key. */
export function signCsr(ca: CaMaterial, csrPem: string, options: SignCsrOptions): { certPem: string } {
  const info = readCsr(csrPem);
  const sans = effectiveSans(options.kind, info.cn, [...info.sans, ...(options.extraSans ?? [])]);
  const certPem = signLeaf(ca, {
    kind: options.kind,
    subject: info.subject,
    sans,
    publicKeyPem: info.publicKeyPem,
    ...(options.days === undefined ? {} : { days: options.days }),
    ...(options.notBefore === undefined ? {} : { notBefore: options.notBefore }),
  });
  return { certPem };
}
