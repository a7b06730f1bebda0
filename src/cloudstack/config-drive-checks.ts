// Semantic checks of the vnf_broker section that the schema cannot express: known_hosts lines, the
// given certificate/key/CA, enrolment names defaulted from the instance metadata. Values never echoed.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { parseSans } from '../certs/index.js';
import { VnfError, isVnfError } from '../errors.js';
import { checkEndpoint } from './client.js';
import type { BrokerSection, EnrollSection } from './config-drive-schema.js';
import { checkCommonName } from './enroll.js';
import { splitPemCertificates } from './enroll-verify.js';

const invalid = (message: string): VnfError => new VnfError('VNF_ERR_FIRSTBOOT_INVALID', message);

const KEY_TYPES = new Set([
  'ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com', 'sk-ecdsa-sha2-nistp256@openssh.com',
]);
const HOST_PATTERN = /^(?:\[[A-Za-z0-9.:_-]+\]:\d{1,5}|[A-Za-z0-9.:_*?-]+)$/;

export interface KnownHostLine {
  names: string[];
  /** normalised: `names type base64` (comments dropped) */
  line: string;
}

/** OpenSSH known_hosts lines as the broker's store reads them: plain names, a known key type, a key blob of that type. */
export function parseKnownHostLines(lines: readonly string[]): KnownHostLine[] {
  return lines.map((raw, i) => {
    const where = `vnf_broker.known_hosts[${i}]`;
    const fields = raw.trim().split(/\s+/);
    const [names = '', type = '', b64 = ''] = fields;
    if (names.startsWith('@')) throw invalid(`${where}: markers (@cert-authority, @revoked) are not supported; give plain host key lines`);
    if (names.startsWith('|')) throw invalid(`${where}: hashed host names are not supported; give the names in clear`);
    const hosts = names.split(',');
    if (hosts.some((h) => !HOST_PATTERN.test(h))) throw invalid(`${where}: the host name field is not a comma-separated list of hosts or [host]:port`);
    if (!KEY_TYPES.has(type)) throw invalid(`${where}: key type must be one of ${[...KEY_TYPES].join(', ')}`);
    const blob = /^[A-Za-z0-9+/]+={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    const nameLen = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
    if (nameLen < 0 || blob.toString('latin1', 4, 4 + nameLen) !== type) throw invalid(`${where}: the key blob is not base64 of a ${type} public key`);
    return { names: hosts, line: `${names} ${type} ${b64}` };
  });
}

export interface GivenTls {
  certPem: string;
  keyPem: string;
  caPem: string;
  subject: string;
  fingerprint256: string;
  notAfter: string;
}

function certificates(pem: string, what: string, mustBeCa: boolean): X509Certificate[] {
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) throw invalid(`${what}: no PEM certificate`);
  return blocks.map((b, i) => {
    let x: X509Certificate;
    try {
      x = new X509Certificate(b);
    } catch {
      throw invalid(`${what}: certificate #${i + 1} cannot be parsed`);
    }
    if (mustBeCa && !x.ca) throw invalid(`${what}: certificate #${i + 1} is not a CA certificate`);
    return x;
  });
}

/** CA certificates as one normalised PEM text, de-duplicated by fingerprint. */
export function joinCaPem(...texts: (string | undefined)[]): string {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const block of texts.flatMap((t) => splitPemCertificates(t ?? ''))) {
    const fp = new X509Certificate(block).fingerprint256;
    if (!seen.has(fp)) { seen.add(fp); out.push(block); }
  }
  return out.join('');
}

/** certificate + private_key + client_ca given in the user data: parse, pair, validity, usable by TLS. */
export function checkGivenTls(tls: BrokerSection['tls'], now = new Date()): GivenTls {
  const chain = certificates(tls.certificate ?? '', 'vnf_broker.tls.certificate', false);
  const leaf = chain[0] as X509Certificate;
  certificates(tls.client_ca ?? '', 'vnf_broker.tls.client_ca', true);
  let key;
  try {
    key = createPrivateKey({ key: tls.private_key ?? '', format: 'pem' });
  } catch {
    throw invalid('vnf_broker.tls.private_key: not a readable unencrypted PEM private key');
  }
  if (!leaf.checkPrivateKey(key)) throw invalid('vnf_broker.tls.private_key does not belong to vnf_broker.tls.certificate');
  if (Date.parse(leaf.validTo) <= now.getTime()) throw invalid(`vnf_broker.tls.certificate expired at ${new Date(leaf.validTo).toISOString()}`);
  const certPem = splitPemCertificates(tls.certificate ?? '').join('');
  const keyPem = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const caPem = joinCaPem(tls.client_ca);
  try {
    createSecureContext({ cert: certPem, key: keyPem, ca: caPem });
  } catch {
    throw invalid('vnf_broker.tls: the certificate, key and client_ca cannot be used together by TLS');
  }
  return { certPem, keyPem, caPem, subject: leaf.subject.replace(/\n/g, ', '), fingerprint256: leaf.fingerprint256, notAfter: new Date(leaf.validTo).toISOString() };
}

export interface EnrollPlan {
  endpoint: string;
  apiKey: string;
  secretKey: string;
  endpointCa?: string;
  cn: string;
  sans: string[];
  days?: number;
  provider?: string;
  clientCa?: string;
}

/** Enrolment parameters with CN/SANs defaulted from the metadata, checked before any network call. */
export function planEnrollment(enroll: EnrollSection, clientCa: string | undefined, metadata: Record<string, string>): EnrollPlan {
  try {
    checkEndpoint(enroll.endpoint);
  } catch (error) {
    throw invalid(`vnf_broker.tls.enroll.endpoint: ${isVnfError(error) ? error.message : 'invalid'}`);
  }
  if (enroll.endpoint_ca !== undefined) certificates(enroll.endpoint_ca, 'vnf_broker.tls.enroll.endpoint_ca', false);
  if (clientCa !== undefined) certificates(clientCa, 'vnf_broker.tls.client_ca', true);
  const cn = enroll.cn ?? metadata['local-hostname'];
  if (cn === undefined) throw invalid('vnf_broker.tls.enroll.cn is not set and the metadata has no local-hostname');
  const defaults = ['local-hostname', 'local-ipv4', 'public-ipv4'].map((k) => metadata[k]).filter((v): v is string => v !== undefined);
  let sans: string[];
  try {
    checkCommonName(cn);
    sans = enroll.sans !== undefined
      ? parseSans(enroll.sans).map((s) => s.value)
      : defaults.flatMap((v) => { try { return parseSans([v]).map((s) => s.value); } catch { return []; } });
  } catch (error) {
    throw invalid(`vnf_broker.tls.enroll: ${isVnfError(error) ? error.message : 'invalid name'}`);
  }
  return {
    endpoint: enroll.endpoint, apiKey: enroll.api_key, secretKey: enroll.secret_key, cn, sans,
    ...(enroll.endpoint_ca !== undefined ? { endpointCa: enroll.endpoint_ca } : {}),
    ...(enroll.days !== undefined ? { days: enroll.days } : {}),
    ...(enroll.provider !== undefined ? { provider: enroll.provider } : {}),
    ...(clientCa !== undefined ? { clientCa } : {}),
  };
}
