// Checks on a certificate CloudStack issued (or one already installed): the key matches, the chain
// reaches a CA from listCaCertificate (node:crypto checkIssued + verify), names, usage and validity.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { describeCertificate, type CertificateInfo, type SanEntry } from '../certs/index.js';
import { VnfError } from '../errors.js';

export type EnrollKind = 'server' | 'client';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const MAX_CHAIN = 8;
const CLOCK_SKEW_MS = 5 * 60_000;

/** Every PEM certificate block in a text, in order (normalised to end with a newline). */
export function splitPemCertificates(text: string): string[] {
  return (text.match(PEM_BLOCK) ?? []).map((b) => `${b.trim()}\n`);
}

function parseAll(pems: readonly string[], what: string): X509Certificate[] {
  return pems.map((p, i) => {
    try {
      return new X509Certificate(p);
    } catch {
      throw new VnfError('VNF_ERR_ENROLL_RESPONSE', `${what} #${i + 1} is not a readable certificate`);
    }
  });
}

export interface VerifyInput {
  /** the leaf first, optionally followed by intermediates */
  certPem: string;
  keyPem: string;
  /** trust anchors: what listCaCertificate returned (or the installed ca.pem) */
  caPem: string;
  /** further candidates for intermediates (issueCertificate's cacertificates) */
  extraChainPem?: string;
  cn: string;
  sans: readonly SanEntry[];
  kind: EnrollKind;
  now?: Date;
}

export interface VerifiedCertificate {
  leafPem: string;
  /** intermediates from the leaf's issuer up to (not including) the trust anchor */
  intermediatesPem: string[];
  anchorPem: string;
  info: CertificateInfo;
}

const fail = (message: string): VnfError => new VnfError('VNF_ERR_ENROLL_VERIFY', message);

function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  return child.checkIssued(issuer) && child.verify(issuer.publicKey);
}

function buildChain(leaf: X509Certificate, anchors: readonly X509Certificate[], pool: readonly X509Certificate[]): { intermediates: X509Certificate[]; anchor: X509Certificate } {
  const intermediates: X509Certificate[] = [];
  let current = leaf;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const anchor = anchors.find((a) => a.ca && signedBy(current, a));
    if (anchor) return { intermediates, anchor };
    const next = pool.find((c) => c.ca && c.fingerprint256 !== current.fingerprint256 && signedBy(current, c)
      && !intermediates.some((i) => i.fingerprint256 === c.fingerprint256));
    if (!next) break;
    intermediates.push(next);
    current = next;
  }
  throw fail(`the certificate (issuer ${JSON.stringify(leaf.issuer.replace(/\n/g, ', ').slice(0, 200))}) does not chain to a CA returned by listCaCertificate`);
}

function checkKey(leaf: X509Certificate, keyPem: string): void {
  let matches: boolean;
  try {
    matches = leaf.checkPrivateKey(createPrivateKey({ key: keyPem, format: 'pem' }));
  } catch {
    throw fail('the private key cannot be read');
  }
  if (!matches) throw fail('the certificate does not belong to the private key');
}

function checkTime(cert: X509Certificate, what: string, now: number): void {
  if (Date.parse(cert.validFrom) > now + CLOCK_SKEW_MS) throw fail(`${what} is not valid before ${new Date(cert.validFrom).toISOString()} (check the clock)`);
  if (Date.parse(cert.validTo) <= now) throw fail(`${what} expired at ${new Date(cert.validTo).toISOString()}`);
}

/** Throws VNF_ERR_ENROLL_VERIFY naming the first failed check; returns the chain to install. */
export function verifyIssuedCertificate(input: VerifyInput): VerifiedCertificate {
  const leafBlocks = splitPemCertificates(input.certPem);
  if (leafBlocks.length === 0) throw new VnfError('VNF_ERR_ENROLL_RESPONSE', 'no PEM certificate was issued');
  const anchorBlocks = splitPemCertificates(input.caPem);
  if (anchorBlocks.length === 0) throw new VnfError('VNF_ERR_ENROLL_RESPONSE', 'the CA certificate (listCaCertificate) holds no PEM certificate');
  const [leaf, ...rest] = parseAll(leafBlocks, 'issued certificate');
  const anchors = parseAll(anchorBlocks, 'CA certificate');
  const pool = [...rest, ...parseAll(splitPemCertificates(input.extraChainPem ?? ''), 'CA chain certificate'), ...anchors];
  if (!leaf) throw new VnfError('VNF_ERR_ENROLL_RESPONSE', 'no PEM certificate was issued');
  if (leaf.ca) throw fail('the issued certificate is a CA certificate, not a leaf');
  checkKey(leaf, input.keyPem);
  const { intermediates, anchor } = buildChain(leaf, anchors, pool);
  const now = (input.now ?? new Date()).getTime();
  checkTime(leaf, 'the certificate', now);
  for (const c of [...intermediates, anchor]) checkTime(c, `CA certificate ${JSON.stringify(c.subject.replace(/\n/g, ', ').slice(0, 120))}`, now);
  const leafPem = leafBlocks[0] as string;
  const info = describeCertificate(leafPem);
  if (info.subject !== input.cn) throw fail(`the certificate's CN is '${info.subject.slice(0, 100)}', not '${input.cn}'`);
  const missing = input.sans.map((s) => s.value).filter((v) => !info.sans.includes(v));
  if (missing.length > 0) throw fail(`the certificate lacks the requested SAN(s) ${missing.join(', ')}`);
  const usage = input.kind === 'server' ? 'serverAuth' : 'clientAuth';
  if (info.extKeyUsage.length > 0 && !info.extKeyUsage.includes(usage)) throw fail(`the certificate's extended key usage does not allow ${usage}`);
  return { leafPem, intermediatesPem: intermediates.map((c) => `${c.toString().trim()}\n`), anchorPem: `${anchor.toString().trim()}\n`, info };
}
