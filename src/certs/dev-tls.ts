// `serve --dev` bootstrap (DESIGN.md §3.1): on first start, a dev CA plus server and client
// certificates under STATE/tls; afterwards the same files are loaded, checked and never rewritten.
import { randomBytes, type X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { VnfError } from '../errors.js';
import { createCa, type CaMaterial } from './ca.js';
import {
  CERT_FILE_MODE, KEY_FILE_MODE, PRIVATE_DIR_MODE, ensurePrivateDir, fileMode, readTextFile, writeFileAtomic,
} from './files.js';
import { describeX509, parseCertificate } from './inspect.js';
import { issueCertificate, type LeafKind } from './issue.js';
import type { RsaKeyBits } from './keys.js';
import { parseSans } from './names.js';

export interface DevTlsOptions {
  /** Server certificate SANs (default `127.0.0.1`, `localhost`). */
  hosts?: readonly string[];
  /** CN of the client certificate that the dev server grants the admin role. */
  clientCn?: string;
  keyBits?: RsaKeyBits;
}

export interface DevTlsFiles {
  dir: string;
  ca: string;
  caKey: string;
  server: string;
  serverKey: string;
  client: string;
  clientKey: string;
}

export interface DevTlsResult {
  files: DevTlsFiles;
  /** Files written by this call (empty when everything already existed). */
  created: string[];
  ca: { subject: string; fingerprint256: string };
  server: { subject: string; sans: string[]; fingerprint256: string; notAfter: string };
  client: { cn: string; fingerprint256: string; notAfter: string };
  /** Secret-free notes for the operator: loose permissions, certificates near expiry. */
  warnings: string[];
}

export const DEV_HOSTS: readonly string[] = ['127.0.0.1', 'localhost'];
export const DEV_CLIENT_CN = 'vnf-broker-dev-admin';
export const DEV_SERVER_CN = 'vnf-broker-dev-server';

export function devTlsFiles(stateDir: string): DevTlsFiles {
  const dir = join(stateDir, 'tls');
  const f = (name: string): string => join(dir, name);
  return {
    dir, ca: f('ca.pem'), caKey: f('ca-key.pem'), server: f('server.pem'), serverKey: f('server-key.pem'),
    client: f('client.pem'), clientKey: f('client-key.pem'),
  };
}

/** 'both' | 'none'; a half-present pair is an error the operator must resolve (we never guess). */
function pairState(cert: string, key: string): 'both' | 'none' {
  const c = existsSync(cert);
  const k = existsSync(key);
  if (c && k) return 'both';
  if (!c && !k) return 'none';
  throw new VnfError('VNF_ERR_CERT_INVALID',
    `incomplete dev TLS state: ${c ? cert : key} exists without ${c ? key : cert}; remove the tls directory to start over`);
}

function checkChain(path: string, ca: X509Certificate): X509Certificate {
  const x509 = parseCertificate(readTextFile(path, 'certificate'), path);
  if (!x509.checkIssued(ca) || !x509.verify(ca.publicKey)) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `${path} was not issued by the dev CA in the same directory`);
  }
  return x509;
}

export async function ensureDevTls(stateDir: string, options: DevTlsOptions = {}): Promise<DevTlsResult> {
  const files = devTlsFiles(stateDir);
  const hosts = options.hosts ?? DEV_HOSTS;
  const clientCn = options.clientCn ?? DEV_CLIENT_CN;
  const created: string[] = [];
  const warnings: string[] = [];
  if (!ensurePrivateDir(files.dir)) {
    const mode = fileMode(files.dir) ?? 0;
    if ((mode & 0o077) !== 0) warnings.push(`${files.dir} has mode ${mode.toString(8)}; expected ${PRIVATE_DIR_MODE.toString(8)}`);
  }

  const caState = pairState(files.ca, files.caKey);
  const serverState = pairState(files.server, files.serverKey);
  const clientState = pairState(files.client, files.clientKey);
  if (caState === 'none' && (serverState === 'both' || clientState === 'both')) {
    throw new VnfError('VNF_ERR_CERT_INVALID', `incomplete dev TLS state: ${files.ca} is missing but issued certificates exist; remove the tls directory to start over`);
  }

  const write = (path: string, pem: string, mode: number): void => {
    writeFileAtomic(path, pem, mode);
    created.push(path);
  };
  let ca: CaMaterial;
  if (caState === 'none') {
    ca = await createCa({ cn: `vnf-broker dev CA ${randomBytes(4).toString('hex')}`, keyBits: options.keyBits });
    write(files.caKey, ca.keyPem, KEY_FILE_MODE);
    write(files.ca, ca.certPem, CERT_FILE_MODE);
  } else {
    ca = { certPem: readTextFile(files.ca, 'CA certificate'), keyPem: readTextFile(files.caKey, 'CA key') };
  }
  const caX509 = parseCertificate(ca.certPem, files.ca);

  const leaf = async (kind: LeafKind, state: 'both' | 'none', cert: string, key: string, cn: string, sans: readonly string[]): Promise<X509Certificate> => {
    if (state === 'none') {
      const issued = await issueCertificate({ ca, kind, cn, sans, keyBits: options.keyBits });
      write(key, issued.keyPem ?? '', KEY_FILE_MODE);
      write(cert, issued.certPem, CERT_FILE_MODE);
    }
    return checkChain(cert, caX509);
  };
  const server = describeX509(await leaf('server', serverState, files.server, files.serverKey, DEV_SERVER_CN, hosts));
  const client = describeX509(await leaf('client', clientState, files.client, files.clientKey, clientCn, []));

  for (const key of [files.caKey, files.serverKey, files.clientKey]) {
    const mode = fileMode(key) ?? 0;
    if ((mode & 0o077) !== 0) warnings.push(`${key} has mode ${mode.toString(8)}; expected ${KEY_FILE_MODE.toString(8)}`);
  }
  const soon = Date.now() + 30 * 86_400_000;
  for (const [path, info] of [[files.server, server], [files.client, client]] as const) {
    if (Date.parse(info.notAfter) < soon) warnings.push(`${path} expires ${info.notAfter}; remove it and its key to reissue`);
  }
  const missing = parseSans(hosts).map((h) => h.value).filter((h) => !server.sans.includes(h));
  if (missing.length > 0) {
    warnings.push(`${files.server} does not cover ${missing.join(', ')}; remove it and its key to reissue`);
  }
  if (clientState === 'both' && client.subject !== clientCn) {
    warnings.push(`${files.client} has CN '${client.subject}', not '${clientCn}' (kept as it is)`);
  }
  const caInfo = describeX509(caX509);
  return {
    files,
    created,
    ca: { subject: caInfo.subject, fingerprint256: caInfo.fingerprint256 },
    server: { subject: server.subject, sans: server.sans, fingerprint256: server.fingerprint256, notAfter: server.notAfter },
    client: { cn: client.subject, fingerprint256: client.fingerprint256, notAfter: client.notAfter },
    warnings,
  };
}
