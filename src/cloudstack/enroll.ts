// Certificate enrolment through CloudStack's CA framework: a local key and CSR, issueCertificate (an
// async job), listCaCertificate for the trust anchor, verification, then an all-or-nothing install.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  CERT_FILE_MODE, KEY_FILE_MODE, createCsr, ensurePrivateDir, parseSan, parseSans,
  type RsaKeyBits, type SanEntry,
} from '../certs/index.js';
import { VnfError } from '../errors.js';
import type { CallOptions } from './client.js';
import { splitPemCertificates, verifyIssuedCertificate, type EnrollKind, type VerifiedCertificate } from './enroll-verify.js';
import type { CsObject } from './envelope.js';
import { installFileSet } from './file-set.js';

/** What enrolment needs from a CloudStack client (CloudStackClient fits). */
export interface EnrollApi {
  call(command: string, params?: Record<string, string>, options?: CallOptions): Promise<CsObject>;
}

export interface CertificateRequest {
  client: EnrollApi;
  cn: string;
  /** DNS names and IPs; a server certificate without any gets its CN (when it is a host name or IP) */
  sans?: readonly string[];
  /** validity requested from CloudStack (`duration`, default 365 days) */
  days?: number;
  kind: EnrollKind;
  keyBits?: RsaKeyBits;
  /** CA provider name (`provider`), default CloudStack's configured one */
  provider?: string;
  signal?: AbortSignal;
  now?: Date;
}

export interface IssuedMaterial {
  /** leaf + intermediates, ready for `tls.cert_file` */
  certPem: string;
  /** PKCS#8; never logged or printed */
  keyPem: string;
  /** the listCaCertificate certificates: the client CA / trust anchor */
  caPem: string;
  verified: VerifiedCertificate;
}

export const DEFAULT_ENROLL_DAYS = 365;

const isObject = (v: unknown): v is CsObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const first = (v: unknown): CsObject | undefined => (Array.isArray(v) ? (v.find(isObject)) : isObject(v) ? v : undefined);

/** The same rule as certs' CSR builder (1..64 printable characters), checked before any key or call. */
export function checkCommonName(cn: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (typeof cn !== 'string' || cn.length === 0 || cn.length > 64 || /[\u0000-\u001f\u007f]/.test(cn)) {
    throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'the common name must be 1 to 64 printable characters');
  }
  return cn;
}

/** The names to request: parsed, and for a server without SANs its CN as the one SAN. */
export function requestedSans(kind: EnrollKind, cn: string, sans: readonly string[]): SanEntry[] {
  const parsed = parseSans(sans);
  if (kind === 'server' && parsed.length === 0) {
    try {
      return [parseSan(cn)];
    } catch {
      throw new VnfError('VNF_ERR_CERT_NAME_INVALID', 'a server certificate needs a SAN (--san) or a CN that is a DNS name or IP address');
    }
  }
  return parsed;
}

function checkDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > 36_500) throw new VnfError('VNF_ERR_CLI_USAGE', `days must be a whole number from 1 to 36500, not ${String(days)}`);
  return days;
}

/** listCaCertificate → PEM text of every CA certificate it returned. */
export async function fetchCaCertificates(client: EnrollApi, provider?: string, signal?: AbortSignal): Promise<string> {
  const response = await client.call('listCaCertificate', provider ? { provider } : {}, signal ? { signal } : {});
  const entry = first(response.cacertificates) ?? first(response.cacertificate);
  const pem = typeof entry?.certificate === 'string' ? entry.certificate : '';
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw new VnfError('VNF_ERR_ENROLL_RESPONSE', 'listCaCertificate returned no PEM CA certificate');
  return blocks.join('');
}

/** Key + CSR here, issueCertificate (job polled), listCaCertificate, verification. Writes nothing. */
export async function requestCertificate(req: CertificateRequest): Promise<IssuedMaterial> {
  const cn = checkCommonName(req.cn);
  const sans = requestedSans(req.kind, cn, req.sans ?? []);
  const days = checkDays(req.days ?? DEFAULT_ENROLL_DAYS);
  // the CSR carries only the subject: CloudStack adds domain/ipaddress to the CSR's own SANs, so
  // naming them in one place only keeps each SAN in the certificate once
  const { csrPem, keyPem } = await createCsr({ cn, ...(req.keyBits ? { keyBits: req.keyBits } : {}) });
  const params: Record<string, string> = { csr: csrPem, duration: String(days) };
  const domains = sans.filter((s) => s.type === 'dns').map((s) => s.value);
  const ips = sans.filter((s) => s.type === 'ip').map((s) => s.value);
  if (domains.length > 0) params.domain = domains.join(',');
  if (ips.length > 0) params.ipaddress = ips.join(',');
  if (req.provider) params.provider = req.provider;
  const result = await req.client.call('issueCertificate', params, req.signal ? { signal: req.signal } : {});
  const issued = first(result.certificates) ?? first(result.certificate);
  const certificate = typeof issued?.certificate === 'string' ? issued.certificate : '';
  if (splitPemCertificates(certificate).length === 0) throw new VnfError('VNF_ERR_ENROLL_RESPONSE', 'issueCertificate returned no PEM certificate');
  const extraChain = typeof issued?.cacertificates === 'string' ? issued.cacertificates : '';
  const caPem = await fetchCaCertificates(req.client, req.provider, req.signal);
  const verified = verifyIssuedCertificate({
    certPem: certificate, keyPem, caPem, extraChainPem: extraChain, cn, sans, kind: req.kind, ...(req.now ? { now: req.now } : {}),
  });
  return { certPem: [verified.leafPem, ...verified.intermediatesPem].join(''), keyPem, caPem, verified };
}

export interface EnrollFiles { cert: string; key: string; ca: string }

/** `serve`'s layout (certs/devTlsFiles): DIR/server.pem, DIR/server-key.pem, DIR/ca.pem; client.pem for clients. */
export function enrollFiles(outDir: string, kind: EnrollKind): EnrollFiles {
  const dir = resolve(outDir);
  return { cert: join(dir, `${kind}.pem`), key: join(dir, `${kind}-key.pem`), ca: join(dir, 'ca.pem') };
}

export type InstalledState =
  | { status: 'missing'; reason: string }
  | { status: 'invalid'; reason: string }
  | { status: 'valid'; verified: VerifiedCertificate; daysLeft: number };

/** Looks at installed files only (no network): present, key matches, chains to ca.pem, names cover the request. */
export function inspectInstalled(files: EnrollFiles, want: { cn: string; sans: readonly SanEntry[]; kind: EnrollKind; now?: Date }): InstalledState {
  const absent = [files.cert, files.key, files.ca].filter((p) => !existsSync(p));
  if (absent.length > 0) return { status: 'missing', reason: `${absent.join(', ')} missing` };
  try {
    const verified = verifyIssuedCertificate({
      certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8'), caPem: readFileSync(files.ca, 'utf8'),
      cn: want.cn, sans: want.sans, kind: want.kind, ...(want.now ? { now: want.now } : {}),
    });
    const daysLeft = (Date.parse(verified.info.notAfter) - (want.now ?? new Date()).getTime()) / 86_400_000;
    return { status: 'valid', verified, daysLeft };
  } catch (error) {
    if (error instanceof VnfError) return { status: 'invalid', reason: error.message };
    return { status: 'invalid', reason: `cannot be read (${(error as { code?: string }).code ?? 'error'})` };
  }
}

export interface EnrollOptions extends CertificateRequest {
  outDir: string;
  /** keep a valid certificate that has more than this many days left; else renew (no --force needed) */
  renewBeforeDays?: number;
  /** replace existing files without --renew-before-days */
  force?: boolean;
}

export interface EnrollResult {
  action: 'issued' | 'renewed' | 'skipped';
  reason: string;
  files: EnrollFiles;
  certificate: {
    subject: string; issuer: string; sans: string[]; serial: string; fingerprint256: string;
    notBefore: string; notAfter: string; days_left: number;
  };
}

function summary(action: EnrollResult['action'], reason: string, files: EnrollFiles, v: VerifiedCertificate, now: Date): EnrollResult {
  const i = v.info;
  return {
    action, reason, files,
    certificate: {
      subject: i.subject, issuer: i.issuer, sans: i.sans, serial: i.serial, fingerprint256: i.fingerprint256,
      notBefore: i.notBefore, notAfter: i.notAfter, days_left: Math.floor((Date.parse(i.notAfter) - now.getTime()) / 86_400_000),
    },
  };
}

/** Enrols (or renews) and installs DIR/<kind>.pem, DIR/<kind>-key.pem (0600) and DIR/ca.pem together. */
export async function enrollCertificate(options: EnrollOptions): Promise<EnrollResult> {
  const now = options.now ?? new Date();
  const cn = checkCommonName(options.cn);
  const sans = requestedSans(options.kind, cn, options.sans ?? []);
  const files = enrollFiles(options.outDir, options.kind);
  const present = [files.cert, files.key].some((p) => existsSync(p));
  let reason = 'no certificate installed';
  if (options.renewBeforeDays !== undefined) {
    if (!(Number.isFinite(options.renewBeforeDays) && options.renewBeforeDays >= 0)) {
      throw new VnfError('VNF_ERR_CLI_USAGE', 'renew-before days must be a number >= 0');
    }
    const state = inspectInstalled(files, { cn, sans, kind: options.kind, now });
    if (state.status === 'valid' && state.daysLeft > options.renewBeforeDays) {
      return summary('skipped', `valid for ${Math.floor(state.daysLeft)} more days (more than ${options.renewBeforeDays})`, files, state.verified, now);
    }
    reason = state.status === 'valid' ? `expires in ${Math.floor(state.daysLeft)} days (renew before ${options.renewBeforeDays})` : state.reason;
  } else if (present && options.force !== true) {
    throw new VnfError('VNF_ERR_CERT_FILE_EXISTS', `refusing to overwrite ${files.cert} / ${files.key} (use --force, or --renew-before-days N)`);
  } else if (present) {
    reason = 'replaced (--force)';
  }
  const material = await requestCertificate({ ...options, cn, sans: sans.map((s) => s.value), now });
  ensurePrivateDir(resolve(options.outDir));
  installFileSet([
    { path: files.ca, data: material.caPem, mode: CERT_FILE_MODE },
    { path: files.key, data: material.keyPem, mode: KEY_FILE_MODE },
    { path: files.cert, data: material.certPem, mode: CERT_FILE_MODE },
  ]);
  return summary(present ? 'renewed' : 'issued', reason, files, material.verified, now);
}
