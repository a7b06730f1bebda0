// Certificate revocation lists. node-forge 1.x cannot build CRLs, so they come from openssl or the
// CA that issued the certificates; here they are read (forge ASN.1 parser), checked against the CA
// with node:crypto, and handed to node's TLS `crl` option, which enforces them in the handshake.
import { X509Certificate, verify as verifySignature } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import forge from 'node-forge';
import { VnfError } from '../errors.js';
import { firstChildDer, pemBody } from './der.js';

export interface CrlInfo {
  thisUpdate: string;
  nextUpdate?: string;
  /** Upper-case hex serials without leading zero bytes, as node prints certificate serials. */
  revokedSerials: string[];
}

const HASH_BY_OID: Record<string, string> = {
  '1.2.840.113549.1.1.11': 'sha256', '1.2.840.113549.1.1.12': 'sha384', '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};

const bad = (message: string): VnfError => new VnfError('VNF_ERR_CERT_CRL_INVALID', message);

function asTime(node: forge.asn1.Asn1 | undefined): Date | undefined {
  if (node?.type === forge.asn1.Type.UTCTIME) return forge.asn1.utcTimeToDate(String(node.value));
  if (node?.type === forge.asn1.Type.GENERALIZEDTIME) return forge.asn1.generalizedTimeToDate(String(node.value));
  return undefined;
}

function serialHex(node: forge.asn1.Asn1 | undefined): string {
  return forge.util.bytesToHex(String(node?.value ?? '')).toUpperCase().replace(/^(00)+(?=.)/, '');
}

interface ParsedCrl { info: CrlInfo; tbs: Buffer; hash: string | undefined; signature: Buffer }

function parse(crlPem: string): ParsedCrl {
  const der = pemBody(crlPem, ['X509 CRL']);
  if (der === undefined) throw bad('not a PEM CRL (-----BEGIN X509 CRL-----)');
  const tbs = firstChildDer(der);
  let root: forge.asn1.Asn1;
  try {
    // forge 1.x takes an options object here; its type definitions only know the older boolean form
    const fromDer = forge.asn1.fromDer as unknown as (bytes: string, options: object) => forge.asn1.Asn1;
    root = fromDer(der.toString('binary'), { strict: true, decodeBitStrings: false });
  } catch {
    throw bad('the CRL is not valid DER');
  }
  const [tbsNode, algNode, sigNode] = Array.isArray(root.value) ? root.value : [];
  const fields = Array.isArray(tbsNode?.value) ? tbsNode.value : [];
  let i = fields[0]?.type === forge.asn1.Type.INTEGER ? 1 : 0; // optional version
  i += 2; // signature algorithm, issuer
  const thisUpdate = asTime(fields[i]);
  const nextUpdate = asTime(fields[i + 1]);
  if (tbs === undefined || thisUpdate === undefined || !sigNode || !algNode) throw bad('the CRL structure is not a CertificateList');
  const listNode = fields[nextUpdate === undefined ? i + 1 : i + 2];
  const revoked = listNode?.type === forge.asn1.Type.SEQUENCE && Array.isArray(listNode.value) ? listNode.value : [];
  const revokedSerials = revoked.map((entry) => serialHex(Array.isArray(entry.value) ? entry.value[0] : undefined));
  const oidNode = Array.isArray(algNode.value) ? algNode.value[0] : undefined;
  const oid = oidNode ? forge.asn1.derToOid(String(oidNode.value)) : '';
  return {
    info: { thisUpdate: thisUpdate.toISOString(), ...(nextUpdate ? { nextUpdate: nextUpdate.toISOString() } : {}), revokedSerials },
    tbs,
    hash: HASH_BY_OID[oid],
    signature: Buffer.from(String(sigNode.value).slice(1), 'binary'), // first octet: unused bits
  };
}

export function describeCrl(crlPem: string): CrlInfo {
  return parse(crlPem).info;
}

/**
 * Checks a CRL before it is given to TLS: PEM, signed by one of the certificates in `caPem`,
 * not past its nextUpdate (OpenSSL would then refuse every client), and accepted by node's TLS.
 */
export function loadCrl(crlPem: string, options: { caPem: string; now?: Date }): CrlInfo {
  const crl = parse(crlPem);
  if (crl.hash === undefined) throw bad('the CRL signature algorithm is not supported');
  const cas = (options.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [])
    .map((pem) => new X509Certificate(pem));
  const hash = crl.hash;
  if (!cas.some((ca) => verifySignature(hash, crl.tbs, ca.publicKey, crl.signature))) {
    throw bad('the CRL is not signed by the configured CA');
  }
  const now = (options.now ?? new Date()).getTime();
  if (crl.info.nextUpdate !== undefined && Date.parse(crl.info.nextUpdate) < now) {
    throw bad(`the CRL expired at ${crl.info.nextUpdate} (nextUpdate); fetch or generate a fresh one`);
  }
  try {
    createSecureContext({ ca: options.caPem, crl: crlPem });
  } catch {
    throw bad('node TLS refused the CRL');
  }
  return crl.info;
}
