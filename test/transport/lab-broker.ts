// Shared by the transport lab suites and the transport benchmarks: appliance contexts for the
// lab's appliance (pinned or TOFU), a real ConnectionPool with a real audit log in a temp dir, the
// vtysh CLI spec, and small readers for the audit records the pool wrote.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditLog, verifyAuditLog, type AuditLog, type VerifyReport } from '../../src/audit/index.js';
import type { ApplianceContext } from '../../src/dictionary/appliance-model.js';
import { VnfError } from '../../src/errors.js';
import {
  ConnectionPool, FileKnownCerts, FileKnownHosts, type CliSpec, type PoolOptions,
} from '../../src/transport/index.js';
import type { LabInfo } from '../lab/lab.js';

export interface ContextOptions {
  id?: string;
  /** pin host keys / the TLS certificate (default true); false = TOFU */
  pinned?: boolean;
  /** override pins (wrong-pin faults) */
  jumpHostKey?: string;
  applianceHostKey?: string;
  /** use the vtysh user's password instead of its key */
  password?: string;
  /** key file for the jump user (bad-credential faults) */
  jumpKeyFile?: string;
  /** HTTP(S) through the lab's CONNECT proxy instead of the chain */
  viaProxy?: boolean;
}

/** The appliance context CloudStack would send for the lab appliance (vtysh user). */
export function labAppliance(info: LabInfo, o: ContextOptions = {}): ApplianceContext {
  const pinned = o.pinned ?? true;
  const app = info.appliance;
  const credentials: Record<string, string> = { username: app.admin.username };
  if (o.password !== undefined) credentials.password = o.password;
  else credentials.private_key_file = app.admin.key.privateKeyPath;
  const a: ApplianceContext = {
    id: o.id ?? 'lab-frr-1',
    name: 'lab-frr',
    management: { host: app.host, ssh_port: app.port, https_port: 443 },
    credentials,
    jump: info.jumps.map((j) => ({
      host: j.host, port: j.port, username: j.username,
      private_key_file: o.jumpKeyFile ?? j.key.privateKeyPath,
      ...(o.jumpHostKey ? { host_key: o.jumpHostKey } : pinned ? { host_key: j.hostKeyFingerprint } : {}),
    })),
    cs_data: {},
  };
  const hostKey = o.applianceHostKey ?? (pinned ? app.hostKeyFingerprint : undefined);
  if (hostKey) a.ssh = { host_key: hostKey };
  if (pinned && info.https) a.tls = { fingerprint256: info.https.cert.fingerprint256 };
  if (o.viaProxy && info.proxy) a.http_proxy = info.proxy.url;
  return a;
}

/** vtysh as the login shell: prompt "vnf-appliance# " (or "(config)#"), paging off. */
export const VTYSH: CliSpec = {
  name: 'vtysh',
  prompt: String.raw`^vnf-appliance(?:\([\w-]+\))?[#>] ?$`,
  onOpen: ['terminal length 0'],
  errorPatterns: [String.raw`^% (?:Unknown command|Command incomplete|Ambiguous command|Invalid)`],
};

/** bash as root on the appliance (a long-running command in a held shell). */
export function rootShell(info: LabInfo): CliSpec {
  return {
    name: 'root-bash',
    username: info.appliance.root.username,
    privateKey: readFileSync(info.appliance.root.key.privateKeyPath, 'utf8'),
    prompt: String.raw`^root@vnf-appliance:[^#]*# ?$`,
  };
}

export const rootLogin = (info: LabInfo): { username: string; privateKey: string } => ({
  username: info.appliance.root.username,
  privateKey: readFileSync(info.appliance.root.key.privateKeyPath, 'utf8'),
});

export interface BrokerFixture {
  dir: string;
  auditFile: string;
  audit: AuditLog;
  knownHostsFile: string;
  knownCertsFile: string;
  /** a pool over this fixture's audit log and stores (callers close it) */
  pool(o?: Omit<PoolOptions, 'audit' | 'knownHosts' | 'knownCerts'>): ConnectionPool;
  /** audit records written so far, parsed */
  records(): AuditRecord[];
  verify(): Promise<VerifyReport>;
  /** closes the audit log and removes the temp dir */
  dispose(): void;
}

export interface AuditRecord {
  seq: number;
  type: string;
  outcome?: string;
  error_code?: string;
  command?: string;
  path?: string[];
  transport?: string;
  appliance?: { id: string };
  http?: { method: string; url: string; status?: number };
  detail?: Record<string, unknown>;
}

/** base: where the temp dir goes (benchmarks use a directory on the repository's disk, not tmpfs) */
export function brokerFixture(prefix = 'vnf-transport-', base = tmpdir()): BrokerFixture {
  const dir = mkdtempSync(join(base, prefix));
  const auditFile = join(dir, 'audit.log');
  const audit = openAuditLog({ file: auditFile });
  const knownHostsFile = join(dir, 'known_hosts');
  const knownCertsFile = join(dir, 'known_certs.json');
  return {
    dir, auditFile, audit, knownHostsFile, knownCertsFile,
    pool: (o = {}) => new ConnectionPool({
      ...o, audit, knownHosts: new FileKnownHosts(knownHostsFile), knownCerts: new FileKnownCerts(knownCertsFile),
    }),
    records: () => readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditRecord),
    verify: () => verifyAuditLog([auditFile]),
    dispose: () => {
      audit.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs fn and returns the VnfError it rejects with (and how long it took); fails if it resolves. */
export async function failure(fn: () => Promise<unknown>): Promise<{ error: VnfError; ms: number }> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof VnfError)) throw new Error(`expected a VnfError, got ${String(err)}`, { cause: err });
    return { error: err, ms: performance.now() - t0 };
  }
  throw new Error('expected the operation to fail, it succeeded');
}

/** Polls until check() is true (sshd writes its log asynchronously); bounded in count and time. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
