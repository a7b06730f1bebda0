// Shared by the vendor lab suites (test/vendors/*.lab.test.ts): a vendor API simulator started as a
// Node process inside the lab's appliance namespaces on 203.0.113.10:<port> (reached from the
// broker through the jump host), the appliance context for it, the `vnf-broker` CLI as a child
// process, and the real API server (createServer + createExecutor) in-process on 127.0.0.1.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openAuditLog, type AuditLog } from '../../src/audit/index.js';
import { createExecutor, type Execution } from '../../src/cli/commands/serve.js';
import { configFromObject } from '../../src/config/index.js';
import { DictionaryRegistry, type ApplianceContext } from '../../src/dictionary/index.js';
import { createServer, type BrokerServer } from '../../src/server/index.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { run, waitFor, readText, type Daemon, type RunResult } from '../lab/proc.js';
import { labAppliance } from '../transport/lab-broker.js';
import { call, testPki, type Pki, type Reply } from '../unit/server/harness.js';

export interface Simulator { daemon: Daemon; port: number; fingerprint256: string; stop(): Promise<void> }

/**
 * Starts `node --import tsx <entry> --host 203.0.113.10 --port <port> ...args` in the appliance
 * namespaces. The lab must let its jump host forward to that port: `startLab({ applianceTcpPorts })`.
 */
export async function startSimulator(lab: Lab, name: string, entry: string, port: number, args: string[]): Promise<Simulator> {
  // the appliance's mount namespace starts in /: absolute loader and entry paths
  const daemon = lab.host('appliance').spawn(name, [process.execPath, '--import', import.meta.resolve('tsx'), resolve(entry),
    '--host', LAB_ADDR.appliance, '--port', String(port), '--max-seconds', '900', ...args]);
  const ready = await waitFor(`${name} listening`, () => {
    if (!daemon.isRunning()) throw new Error(`${name} exited: ${readText(daemon.logPath)}`);
    const line = readText(daemon.logPath).split('\n').find((l) => l.startsWith('{"listening"'));
    return line ? JSON.parse(line) as { fingerprint256: string } : undefined;
  }, 20_000, 50);
  return { daemon, port, fingerprint256: ready.fingerprint256, stop: () => daemon.stop(2_000) };
}

/** The appliance context for an HTTPS-API vendor behind the lab's jump host (certificate pinned). */
export function vendorAppliance(lab: Lab, sim: Simulator, o: { id: string; credentials?: Record<string, string>; csData?: Record<string, unknown> }): ApplianceContext {
  const a = labAppliance(lab.info, { id: o.id });
  a.management = { host: LAB_ADDR.appliance, https_port: sim.port };
  a.credentials = o.credentials ?? {};
  a.tls = { fingerprint256: sim.fingerprint256 };
  a.cs_data = o.csData ?? {};
  delete a.ssh;
  return a;
}

export interface CliOut { code: number; json: Record<string, unknown>; stderr: string }

/** `vnf-broker <args>` as a child process in the broker namespace. */
export async function cli(args: string[]): Promise<CliOut> {
  const res: RunResult = await run([process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], { allowFail: true, timeoutMs: 90_000 });
  try {
    return { code: res.code, json: JSON.parse(res.stdout) as Record<string, unknown>, stderr: res.stderr };
  } catch {
    throw new Error(`vnf-broker ${args[0]}: no JSON on stdout (exit ${res.code}): ${res.stdout}${res.stderr}`);
  }
}

/** `vnf-broker run` against one appliance file with its own audit log and TOFU stores under dir. */
export function cliRunner(dictionary: string, applianceFile: string, dir: string) {
  const common = ['--appliance', applianceFile, '--audit-log', `${dir}/cli-audit/audit.log`, '--known-hosts', `${dir}/cli-known_hosts`, '--known-certs', `${dir}/cli-known_certs.json`];
  return {
    run: (service: string, operation: string, data: Record<string, unknown> = {}): Promise<CliOut> =>
      cli(['run', '--dictionary', dictionary, '--service', service, '--operation', operation, '--data', JSON.stringify(data), ...common]),
    healthcheck: (): Promise<CliOut> => cli(['healthcheck', '--dictionary', dictionary, ...common]),
    auditFile: `${dir}/cli-audit/audit.log`,
  };
}

export interface ApiHarness {
  /** POST /v1/operations for the appliance (jump keys inlined, provider named) */
  operation(service: string, operation: string, data?: Record<string, unknown>): Promise<Reply>;
  healthcheck(): Promise<Reply>;
  close(): Promise<void>;
}

/** The real API server with the dictionary registered under its name, as `serve` wires it. */
export async function startApi(dictionaryPath: string, provider: string, appliance: ApplianceContext): Promise<ApiHarness> {
  const pki: Pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), `vnf-${provider}-api-`));
  for (const d of ['tls', 'dictionaries', 'audit']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'tls', 'server.pem'), pki.server.cert);
  writeFileSync(join(dir, 'tls', 'server-key.pem'), pki.server.key, { mode: 0o600 });
  writeFileSync(join(dir, 'tls', 'ca.pem'), pki.ca.certPem);
  copyFileSync(dictionaryPath, join(dir, 'dictionaries', `${provider}.yaml`));
  const config = configFromObject({
    listen: '127.0.0.1:0', state_dir: dir,
    tls: { cert_file: 'tls/server.pem', key_file: 'tls/server-key.pem', client_ca_file: 'tls/ca.pem' },
    clients: [{ match: { cn: 'admin-client' }, roles: ['admin'] }],
    metrics: { listen: '127.0.0.1:0' },
    timeouts: { operation_ms: 60_000, connect_ms: 10_000, command_ms: 20_000, drain_ms: 5_000 },
  }, `${provider}-api-config`, dir);
  const audit: AuditLog = openAuditLog({ file: config.audit.file });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  const execution: Execution = createExecutor(config, audit);
  const server: BrokerServer = createServer({ config, registry, audit, executor: execution.executor, onClose: () => execution.close() });
  const port = (await server.start()).api.port;
  const body = {
    ...appliance, provider,
    jump: appliance.jump?.map(({ private_key_file: keyFile, ...hop }) => ({ ...hop, ...(keyFile !== undefined ? { private_key: readFileSync(keyFile, 'utf8') } : {}) })),
  };
  return {
    operation: (service, op, data = {}) => call({ port, pki }, 'POST', '/v1/operations', { body: { appliance: body, service, operation: op, data } }),
    healthcheck: () => call({ port, pki }, 'POST', '/v1/healthchecks', { body: { appliance: body } }),
    close: async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}
