// dictionaries/pfsense.yaml over the lab: the pfSense (pfrest v2) simulator as a node process in the
// appliance namespace on 203.0.113.10:8444, reached through the OpenSSH jump host, driven by the
// `vnf-broker run` CLI (a child process in the broker namespace) and by the real API server
// (in-process). The simulator's state is read from the JSON file it writes.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { run, waitFor, type Daemon } from '../lab/proc.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import type { PfsenseState } from '../simulators/pfsense/simulator.js';
import { labAppliance } from '../transport/lab-broker.js';
import { call, type Pki } from '../unit/server/harness.js';
import { startLabApiServer, type LabApiServer } from '../server/lab-api-server.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const KEY = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d';
const PORT = 8444;

interface CliOut { code: number; json: Record<string, unknown>; stderr: string }
interface Rule { id: number; tracker: number; descr: string }

async function cli(args: string[]): Promise<CliOut> {
  const res = await run([process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], { allowFail: true, timeoutMs: 90_000 });
  try {
    return { code: res.code, json: JSON.parse(res.stdout) as Record<string, unknown>, stderr: res.stderr };
  } catch {
    throw new Error(`vnf-broker ${args[0]}: no JSON on stdout (exit ${res.code}): ${res.stdout}${res.stderr}`);
  }
}

describe.skipIf(skip !== undefined)('pfSense (simulated pfrest v2) through the jump host', () => {
  let lab: Lab;
  let daemon: Daemon;
  let stateFile: string;
  let fingerprint: string;
  let files: { audit: string; knownHosts: string; knownCerts: string; appliance: string };

  const state = (): PfsenseState => JSON.parse(readFileSync(stateFile, 'utf8')) as PfsenseState;
  const context = (id: string): ApplianceContext => {
    const a = labAppliance(lab.info, { id });
    a.management = { host: LAB_ADDR.appliance, https_port: PORT };
    a.credentials = { vnf_api_key: KEY };
    a.tls = { fingerprint256: fingerprint };
    return a;
  };
  const brokerRun = (service: string, operation: string, data: Record<string, unknown> = {}): Promise<CliOut> =>
    cli(['run', '--dictionary', 'pfsense', '--appliance', files.appliance, '--service', service, '--operation', operation, '--data', JSON.stringify(data),
      '--audit-log', files.audit, '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);

  beforeAll(async () => {
    // the jump host forwards to the simulator's port as well as 22/443 (PermitOpen)
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: [PORT] });
    stateFile = `${lab.info.dir}/pfsense-state.json`;
    // nsenter into the appliance's mount namespace starts in /: absolute paths for tsx and the entry point
    daemon = lab.host('appliance').spawn('pfsense', [process.execPath, '--import', import.meta.resolve('tsx'), resolve('test/simulators/pfsense/main.ts'),
      '--host', LAB_ADDR.appliance, '--port', String(PORT), '--key', KEY, '--state-file', stateFile, '--max-life-ms', '900000']);
    const s = await waitFor('pfsense simulator', () => {
      if (!daemon.isRunning()) throw new Error(readFileSync(daemon.logPath, 'utf8'));
      try { return JSON.parse(readFileSync(stateFile, 'utf8')) as PfsenseState; } catch { return undefined; }
    }, 30_000, 50);
    fingerprint = s.fingerprint256;
    files = {
      audit: `${lab.info.dir}/pf-audit/audit.log`, knownHosts: `${lab.info.dir}/pf-known_hosts`, knownCerts: `${lab.info.dir}/pf-known_certs.json`,
      appliance: lab.writeFile('pfsense-appliance.json', JSON.stringify(context(`lab-pfsense-${process.pid}`))),
    };
  });
  afterAll(async () => {
    await daemon?.stop(1_000);
    await lab?.stop();
  });

  it('CLI: healthcheck; FIREWALL_RULES create ×2 → list → delete the first by tracker (the id of the second shifts) → list', async () => {
    const health = await cli(['healthcheck', '--dictionary', 'pfsense', '--appliance', files.appliance, '--audit-log', files.audit,
      '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
    expect(health.code, JSON.stringify(health.json)).toBe(0);
    const a = await brokerRun('FIREWALL_RULES', 'create', { action: 'block', protocol: 'tcp', source: '198.51.100.0/24', dest_port: '22', description: 'cs:cli-a' });
    expect(a.code, JSON.stringify(a.json)).toBe(0);
    const b = await brokerRun('FIREWALL_RULES', 'create', { action: 'reject', protocol: 'udp', destination: LAB_ADDR.client, dest_port: '53', description: 'cs:cli-b' });
    const ta = (a.json.result as Rule).tracker;
    const tb = (b.json.result as Rule).tracker;
    expect(state().pending).toEqual([]);
    expect(state().applied.rule.map((r) => r.tracker)).toEqual([ta, tb]);
    const listed = await brokerRun('FIREWALL_RULES', 'list');
    expect((listed.json.result as { rules: Rule[] }).rules.map((r) => [r.id, r.tracker, r.descr])).toEqual([[0, ta, 'cs:cli-a'], [1, tb, 'cs:cli-b']]);
    const deleted = await brokerRun('FIREWALL_RULES', 'delete', { tracker: ta });
    expect(deleted.json).toMatchObject({ ok: true, result: { id: 0, deleted_tracker: ta } });
    const after = await brokerRun('FIREWALL_RULES', 'list');
    expect((after.json.result as { rules: Rule[] }).rules.map((r) => [r.id, r.tracker])).toEqual([[0, tb]]);
    const second = await brokerRun('FIREWALL_RULES', 'delete', { tracker: tb });
    expect(second.json).toMatchObject({ ok: true, result: { id: 0, deleted_tracker: tb } });
    expect(state().applied.rule).toEqual([]);
  });

  it('CLI: a vendor 400 exits 1 with VNF_ERR_HTTP_STATUS; nothing pending', async () => {
    const out = await brokerRun('ROUTES', 'add', { prefix: '198.51.100.0/24', gateway: 'NO_SUCH_GW' });
    expect(out.code).toBe(1);
    expect(out.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS' } });
    expect(state().config.static_route).toEqual([]);
    expect(state().pending).toEqual([]);
  });

  describe('the API server', () => {
    let api: LabApiServer;
    let pki: Pki;
    let port: number;

    const body = (service: string, operation: string, data: Record<string, unknown> = {}): object => {
      const a = context('api-pfsense-1');
      return {
        appliance: { ...a, provider: 'pfsense', jump: a.jump.map(({ private_key_file: f, ...hop }) => ({ ...hop, ...(f ? { private_key: readFileSync(f, 'utf8') } : {}) })) },
        service, operation, data,
      };
    };
    const post = async (b: object): Promise<{ status: number; json: Record<string, unknown> }> => {
      const reply = await call({ port, pki }, 'POST', '/v1/operations', { body: b });
      return { status: reply.status, json: reply.json() };
    };

    beforeAll(async () => {
      api = await startLabApiServer({ pfsense: 'dictionaries/pfsense.yaml' }, 'pfsense-api');
      ({ pki, port } = api);
    });
    afterAll(async () => {
      await api?.close();
    });

    it('API: FIREWALL_RULES create → list shows the tracker → delete by tracker → list no longer shows it', async () => {
      const created = await post(body('FIREWALL_RULES', 'create', { action: 'pass', protocol: 'tcp', dest_port: '443', description: 'cs:api' }));
      expect(created.status, JSON.stringify(created.json)).toBe(200);
      const tracker = ((created.json.result as { result: Rule }).result).tracker;
      expect(state().applied.rule.map((r) => r.tracker)).toContain(tracker);
      const listed = await post(body('FIREWALL_RULES', 'list'));
      expect(((listed.json.result as { result: { rules: Rule[] } }).result.rules).map((r) => r.tracker)).toContain(tracker);
      const deleted = await post(body('FIREWALL_RULES', 'delete', { tracker }));
      expect((deleted.json.result as { result: unknown }).result).toMatchObject({ deleted_tracker: tracker });
      const after = await post(body('FIREWALL_RULES', 'list'));
      expect(((after.json.result as { result: { rules: Rule[] } }).result.rules).map((r) => r.tracker)).not.toContain(tracker);
      const again = await post(body('FIREWALL_RULES', 'delete', { tracker }));
      expect((again.json.result as { result: unknown }).result).toEqual({ already: true });
    });

    it('API: SOURCE_NAT, PORT_FORWARDING and ROUTES create → list → delete → gone', async () => {
      const cases: Array<[string, string, string, Record<string, unknown>, Record<string, unknown>, string, 'outbound' | 'port_forward' | 'static_route']> = [
        ['SOURCE_NAT', 'create', 'delete', { description: 'cs:snat', source: '203.0.113.32/28' }, { description: 'cs:snat' }, 'rules', 'outbound'],
        ['PORT_FORWARDING', 'create', 'delete', { description: 'cs:pf', protocol: 'tcp', public_port: '2222', private_ip: LAB_ADDR.client, private_port: 22 }, { description: 'cs:pf' }, 'rules', 'port_forward'],
        ['ROUTES', 'add', 'remove', { prefix: '198.51.100.128/25', gateway: 'WAN_GW', description: 'cs:route' }, { prefix: '198.51.100.128/25' }, 'routes', 'static_route'],
      ];
      for (const [service, add, del, data, key, listKey, kind] of cases) {
        const created = await post(body(service, add, data));
        expect(created.status, JSON.stringify(created.json)).toBe(200);
        expect(state().applied[kind]).toHaveLength(1);
        const listed = await post(body(service, 'list'));
        expect((((listed.json.result as { result: Record<string, unknown[]> }).result)[listKey] ?? [])).toHaveLength(1);
        const removed = await post(body(service, del, key));
        expect(removed.status, JSON.stringify(removed.json)).toBe(200);
        const after = await post(body(service, 'list'));
        expect((((after.json.result as { result: Record<string, unknown[]> }).result)[listKey] ?? [])).toEqual([]);
        expect(state().applied[kind]).toEqual([]);
      }
    });

    it('API: a vendor 400 is a VnfError problem response with its code', async () => {
      const out = await post(body('FIREWALL_RULES', 'create', { action: 'pass', protocol: 'icmp', dest_port: '80' }));
      expect(out.status).not.toBe(200);
      expect(out.json).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS' });
    });
  });
});
