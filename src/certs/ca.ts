// Certificate authorities: create a self-signed RSA CA (keys by node:crypto, certificate by
// node-forge), and load one for signing after checking it is a CA and the key belongs to it.
import type { KeyObject, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { VnfError } from '../errors.js';
import { buildCertificate, commonName, validityWindow, type SubjectAttribute } from './build.js';
import { parseCertificate } from './inspect.js';
import {
  generateRsaKeyPair, loadPrivateKey, loadPublicKey, toForgePrivateKey, toForgePublicKey, type RsaKeyBits,
} from './keys.js';
import { checkCommonName } from './names.js';

/** A CA as PEM texts: its certificate and its (PKCS#8) private key. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

export interface CreateCaOptions {
  cn: string;
  /** Validity in days (default 3650). */
  days?: number;
  keyBits?: RsaKeyBits;
  notBefore?: Date;
}

export const DEFAULT_CA_DAYS = 3650;

export async function createCa(options: CreateCaOptions): Promise<CaMaterial> {
  const cn = checkCommonName(options.cn);
  const window = validityWindow(options.days ?? DEFAULT_CA_DAYS, options.notBefore);
  const pair = await generateRsaKeyPair(options.keyBits);
  const key = loadPrivateKey(pair.privateKeyPem, 'the new CA key');
  const certPem = buildCertificate({
    kind: 'ca',
    subject: commonName(cn),
    publicKey: toForgePublicKey(loadPublicKey(pair.publicKeyPem)),
    signingKey: toForgePrivateKey(key),
    sans: [],
    ...window,
  });
  return { certPem, keyPem: pair.privateKeyPem };
}

export interface LoadedCa {
  x509: X509Certificate;
  key: KeyObject;
  subject: SubjectAttribute[];
  subjectKeyIdHex: string;
}

/** Parses and checks a CA: a CA certificate (basicConstraints CA:TRUE), RSA, with the matching key. */
export function loadCa(ca: CaMaterial): LoadedCa {
  const x509 = parseCertificate(ca.certPem, 'the CA certificate');
  if (!x509.ca) throw new VnfError('VNF_ERR_CERT_INVALID', 'the CA certificate is not a CA (basicConstraints CA:TRUE missing)');
  const key = loadPrivateKey(ca.keyPem, 'the CA key');
  if (!x509.checkPrivateKey(key)) throw new VnfError('VNF_ERR_CERT_INVALID', 'the CA key does not belong to the CA certificate');
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(x509.toString());
  } catch {
    throw new VnfError('VNF_ERR_CERT_INVALID', 'the CA certificate cannot be used for signing (node-forge supports RSA CAs only)');
  }
  const skiExt = cert.getExtension('subjectKeyIdentifier') as { subjectKeyIdentifier?: string } | undefined;
  const subjectKeyIdHex = skiExt?.subjectKeyIdentifier
    ?? forge.util.bytesToHex(cert.generateSubjectKeyIdentifier().getBytes());
  const subject = cert.subject.attributes.map((a) => ({
    ...(a.type === undefined ? {} : { type: a.type }),
    // forge keeps UTF8String values as UTF-8 bytes on parse but encodes them again on write
    value: (a.valueTagClass as number | undefined) === forge.asn1.Type.UTF8 ? forge.util.decodeUtf8(String(a.value)) : String(a.value),
    ...(a.valueTagClass === undefined ? {} : { valueTagClass: a.valueTagClass as number }),
  }));
  return { x509, key, subject, subjectKeyIdHex };
}
