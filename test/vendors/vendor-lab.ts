// Shared by the vendor lab suites (test/vendors/*.lab.test.ts): a vendor API simulator started as a
// Node process inside the lab's appliance namespaces on 203.0.113.10:<port> (reached from the
// broker through the jump host), the appliance context for it, the `vnf-broker` CLI as a child
// process, and the real API server (createServer + createExecutor) in-process on 127.0.0.1.
import { expect } from 'vitest';
import { resolve } from 'node:path';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { run, waitFor, readText, type Daemon, type RunResult } from '../lab/proc.js';
import { labAppliance } from '../transport/lab-broker.js';
import { apiAppliance, startLabApiServer } from '../server/lab-api-server.js';
import { call, type Reply } from '../unit/server/harness.js';

export interface Simulator {
  daemon: Daemon;
  port: number;
  fingerprint256: string;
  /** the whole ready line the simulator printed (e.g. an SSH port and host key) */
  ready: Record<string, unknown>;
  stop(): Promise<void>;
}

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
    return line ? JSON.parse(line) as { fingerprint256: string } & Record<string, unknown> : undefined;
  }, 20_000, 50);
  return { daemon, port, fingerprint256: ready.fingerprint256, ready, stop: () => daemon.stop(2_000) };
}

/**
 * The appliance context for an HTTPS-API vendor behind the lab's jump host (certificate pinned);
 * `ssh`: the vendor's own SSH server on the appliance address (port, host key pinned).
 */
export function vendorAppliance(lab: Lab, sim: Simulator, o: {
  id: string; credentials?: Record<string, string>; csData?: Record<string, unknown>; ssh?: { port: number; hostKey: string };
}): ApplianceContext {
  const a = labAppliance(lab.info, { id: o.id });
  a.management = { host: LAB_ADDR.appliance, https_port: sim.port, ...(o.ssh ? { ssh_port: o.ssh.port } : {}) };
  a.credentials = o.credentials ?? {};
  a.tls = { fingerprint256: sim.fingerprint256 };
  a.cs_data = o.csData ?? {};
  if (o.ssh) a.ssh = { host_key: o.ssh.hostKey };
  else delete a.ssh;
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
    bootstrap: (): Promise<CliOut> => cli(['bootstrap', '--dictionary', dictionary, ...common]),
    auditFile: `${dir}/cli-audit/audit.log`,
  };
}

export interface ApiHarness {
  /** POST /v1/operations for the appliance (jump keys inlined, provider named) */
  operation(service: string, operation: string, data?: Record<string, unknown>): Promise<Reply>;
  healthcheck(): Promise<Reply>;
  close(): Promise<void>;
}

/** The health checks pass through the broker CLI and through the API; `check` names the first one. */
export async function expectHealthy(broker: ReturnType<typeof cliRunner>, api: ApiHarness, check: string): Promise<void> {
  const out = await broker.healthcheck();
  expect(out.code, out.stderr).toBe(0);
  expect(out.json).toMatchObject({ ok: true, result: { checks: [{ name: check, status: 'pass' }] } });
  const reply = await api.healthcheck();
  expect(reply.status, reply.text).toBe(200);
  expect(reply.json()).toMatchObject({ result: { ok: true } });
}

/** The real API server with the dictionary registered under its name, as `serve` wires it. */
export async function startApi(dictionaryPath: string, provider: string, appliance: ApplianceContext): Promise<ApiHarness> {
  const api = await startLabApiServer({ [provider]: dictionaryPath }, `${provider}-api`);
  const target = { port: api.port, pki: api.pki };
  const body = apiAppliance(appliance, provider);
  return {
    operation: (service, op, data = {}) => call(target, 'POST', '/v1/operations', { body: { appliance: body, service, operation: op, data } }),
    healthcheck: () => call(target, 'POST', '/v1/healthchecks', { body: { appliance: body } }),
    close: () => api.close(),
  };
}
