// dictionaries/opnsense.yaml over the lab: two OPNsense simulators (26.1 and 26.7, node processes in
// the appliance namespace on 203.0.113.10:8441/8447) reached through the OpenSSH jump host, driven
// by the `vnf-broker run` CLI (a child process in the broker namespace) and by the real API server
// (in-process, as in test/server/api.lab.test.ts). The simulators' state is read from the JSON
// files they write (the test process cannot, and must not, reach their address directly).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { run, waitFor, type Daemon } from '../lab/proc.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import type { OpnsenseState } from '../simulators/opnsense/simulator.js';
import { labAppliance } from '../transport/lab-broker.js';
import { call, type Pki } from '../unit/server/harness.js';
import { startLabApiServer, type LabApiServer } from '../server/lab-api-server.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const KEY = 'uSd7Y2kqF4lJm2hOj0sP6rXcVbNnA1tZ9eWqGy3iLk5RfTu8';
const SECRET = 'Lp9v/Qw3Er5Ty7Ui+Op1As3Df5Gh7Jk9Zx1Cv3Bn5Mq7Wr9Et1Yu3Io5Pa7';
const MARKER = 'sim-fault:unhealthy';
const PORTS = { v261: 8441, v267: 8447 } as const;

interface CliOut { code: number; json: Record<string, unknown>; stderr: string }
interface Row { uuid: string; description?: string; [k: string]: unknown }

async function cli(args: string[]): Promise<CliOut> {
  const res = await run([process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args], { allowFail: true, timeoutMs: 90_000 });
  try {
    return { code: res.code, json: JSON.parse(res.stdout) as Record<string, unknown>, stderr: res.stderr };
  } catch {
    throw new Error(`vnf-broker ${args[0]}: no JSON on stdout (exit ${res.code}): ${res.stdout}${res.stderr}`);
  }
}

describe.skipIf(skip !== undefined)('OPNsense (simulated 26.1 and 26.7) through the jump host', () => {
  let lab: Lab;
  const sims: Record<keyof typeof PORTS, { daemon: Daemon; stateFile: string; fingerprint: string }> = {} as never;
  let files: { audit: string; knownHosts: string; knownCerts: string };

  const state = (v: keyof typeof PORTS): OpnsenseState => JSON.parse(readFileSync(sims[v].stateFile, 'utf8')) as OpnsenseState;
  const context = (v: keyof typeof PORTS, id: string): ApplianceContext => {
    const a = labAppliance(lab.info, { id });
    a.management = { host: LAB_ADDR.appliance, https_port: PORTS[v] };
    a.credentials = { vnf_api_key: KEY, vnf_api_secret: SECRET };
    a.tls = { fingerprint256: sims[v].fingerprint };
    return a;
  };
  const brokerRun = (appFile: string, service: string, operation: string, data: Record<string, unknown> = {}): Promise<CliOut> =>
    cli(['run', '--dictionary', 'opnsense', '--appliance', appFile, '--service', service, '--operation', operation, '--data', JSON.stringify(data),
      '--audit-log', files.audit, '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);

  beforeAll(async () => {
    // the jump host forwards to the simulators' ports as well as 22/443 (PermitOpen)
    lab = await startLab({ jumpHosts: 1, applianceTcpPorts: Object.values(PORTS) });
    files = { audit: `${lab.info.dir}/opn-audit/audit.log`, knownHosts: `${lab.info.dir}/opn-known_hosts`, knownCerts: `${lab.info.dir}/opn-known_certs.json` };
    for (const [v, version] of [['v261', '26.1.4'], ['v267', '26.7']] as const) {
      const stateFile = `${lab.info.dir}/opnsense-${v}.json`;
      // nsenter into the appliance's mount namespace starts in /: absolute paths for tsx and the entry point
      const daemon = lab.host('appliance').spawn(`opnsense-${v}`, [process.execPath, '--import', import.meta.resolve('tsx'), resolve('test/simulators/opnsense/main.ts'),
        '--host', LAB_ADDR.appliance, '--port', String(PORTS[v]), '--version', version, '--key', KEY, '--secret', SECRET,
        '--revert-ms', '2000', '--state-file', stateFile, '--fault-marker', MARKER, '--max-life-ms', '900000']);
      sims[v] = { daemon, stateFile, fingerprint: '' };
      const s = await waitFor(`opnsense ${version} simulator`, () => {
        if (!daemon.isRunning()) throw new Error(readFileSync(daemon.logPath, 'utf8'));
        try { return JSON.parse(readFileSync(stateFile, 'utf8')) as OpnsenseState; } catch { return undefined; }
      }, 30_000, 50);
      sims[v].fingerprint = s.fingerprint256;
    }
  });
  afterAll(async () => {
    for (const s of Object.values(sims)) await s.daemon.stop(1_000);
    await lab?.stop();
  });

  describe('the vnf-broker CLI', () => {
    let app261: string;
    let app267: string;
    beforeAll(() => {
      app261 = lab.writeFile('opn-261.json', JSON.stringify(context('v261', `lab-opn-261-${process.pid}`)));
      app267 = lab.writeFile('opn-267.json', JSON.stringify(context('v267', `lab-opn-267-${process.pid}`)));
    });

    it('healthcheck passes on both versions', async () => {
      for (const app of [app261, app267]) {
        const out = await cli(['healthcheck', '--dictionary', 'opnsense', '--appliance', app, '--audit-log', files.audit,
          '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
        expect(out.code, out.stderr + JSON.stringify(out.json)).toBe(0);
        expect((out.json.result as { checks: Array<{ name: string; status: string }> }).checks.map((c) => `${c.name}:${c.status}`)).toEqual(['api:pass', 'firewall_api:pass']);
      }
    });

    for (const v of ['v261', 'v267'] as const) {
      it(`${v}: FIREWALL_RULES create → list shows the stable uuid → delete → list no longer shows it`, async () => {
        const app = v === 'v261' ? app261 : app267;
        const created = await brokerRun(app, 'FIREWALL_RULES', 'create', { action: 'block', protocol: 'TCP', source_net: '198.51.100.0/24', dest_net: '203.0.113.34', dest_port: '8443', description: `cs:cli-${v}` });
        expect(created.code, JSON.stringify(created.json)).toBe(0);
        const uuid = (created.json.result as { rule_uuid: string }).rule_uuid;
        expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
        const s = state(v);
        expect(s.applied.filter[uuid]).toMatchObject({ action: 'block', destination_net: '203.0.113.34', destination_port: '8443' });
        if (v === 'v261') expect(s.savepoints.filter((x) => x.armed)).toEqual([]); // confirmed by cancel_rollback
        const listed = await brokerRun(app, 'FIREWALL_RULES', 'list');
        expect((listed.json.result as { rules: Row[] }).rules.filter((r) => r.description === `cs:cli-${v}`).map((r) => r.uuid)).toEqual([uuid]);
        const deleted = await brokerRun(app, 'FIREWALL_RULES', 'delete', { rule_uuid: uuid });
        expect(deleted.json).toMatchObject({ ok: true, result: { result: 'deleted' } });
        const after = await brokerRun(app, 'FIREWALL_RULES', 'list');
        expect((after.json.result as { rules: Row[] }).rules.map((r) => r.uuid)).not.toContain(uuid);
        expect(state(v).applied.filter[uuid]).toBeUndefined();
      });
    }

    it('a vendor validation error exits 1 with a VnfError naming the field; nothing is saved', async () => {
      const before = state('v261').config.filter;
      const out = await brokerRun(app261, 'FIREWALL_RULES', 'create', { action: 'pass', protocol: 'ICMP', dest_port: '443', description: 'cs:bad' });
      expect(out.code).toBe(1);
      expect(out.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_PARSE_ERROR_PATTERN' } });
      expect((out.json.error as { message: string }).message).toContain('rule.destination_port');
      expect(state('v261').config.filter).toEqual(before);
    });

    it('26.1: a change whose post-apply health check fails is never confirmed; the revert timer restores the pre-change config', async () => {
      const before = state('v261');
      const out = await brokerRun(app261, 'FIREWALL_RULES', 'create', { action: 'pass', description: `${MARKER} cs:breaks-health` });
      expect(out.code).toBe(1);
      expect(out.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS' } });
      const during = state('v261');
      expect(Object.values(during.applied.filter).map((r) => r.description)).toContain(`${MARKER} cs:breaks-health`);
      expect(during.savepoints.filter((x) => x.armed)).toEqual([expect.objectContaining({ component: 'filter', armed: true })]);
      const reverted = await waitFor('the 2 s revert timer', () => {
        const s = state('v261');
        return s.savepoints.every((x) => !x.armed) && s.events.some((e) => e.event === 'filter.revert') ? s : undefined;
      }, 10_000, 100);
      expect(reverted.config.filter).toEqual(before.config.filter);
      expect(reverted.applied.filter).toEqual(before.config.filter);
      const health = await cli(['healthcheck', '--dictionary', 'opnsense', '--appliance', app261, '--audit-log', files.audit,
        '--known-hosts', files.knownHosts, '--known-certs', files.knownCerts]);
      expect(health.code).toBe(0);
    });

    it('26.7: no savepoint; a failed health check runs the documented alternative (revert_backup + apply) at once', async () => {
      const before = state('v267');
      const out = await brokerRun(app267, 'FIREWALL_RULES', 'create', { action: 'pass', description: `${MARKER} cs:breaks-health` });
      expect(out.code).toBe(1);
      expect(out.json).toMatchObject({ ok: false, error: { code: 'VNF_ERR_HTTP_STATUS' } });
      const s = state('v267');
      expect(s.events.map((e) => e.event)).not.toContain('filter.savepoint');
      expect(s.events.map((e) => e.event)).toContain('revert_backup');
      expect(s.config.filter).toEqual(before.config.filter);
      expect(s.applied.filter).toEqual(before.config.filter);
    });
  });

  describe('the API server', () => {
    let api: LabApiServer;
    let pki: Pki;
    let port: number;

    const body = (v: keyof typeof PORTS, service: string, operation: string, data: Record<string, unknown> = {}): object => {
      const a = context(v, `api-opn-${v}`);
      return {
        appliance: { ...a, provider: 'opnsense', jump: a.jump.map(({ private_key_file: f, ...hop }) => ({ ...hop, ...(f ? { private_key: readFileSync(f, 'utf8') } : {}) })) },
        service, operation, data,
      };
    };
    const post = async (b: object): Promise<{ status: number; json: Record<string, unknown> }> => {
      const reply = await call({ port, pki }, 'POST', '/v1/operations', { body: b });
      return { status: reply.status, json: reply.json() };
    };

    beforeAll(async () => {
      api = await startLabApiServer({ opnsense: 'dictionaries/opnsense.yaml' }, 'opnsense-api');
      ({ pki, port } = api);
    });
    afterAll(async () => {
      await api?.close();
    });

    for (const v of ['v261', 'v267'] as const) {
      it(`${v}: POST /v1/operations FIREWALL_RULES create → list → delete → list`, async () => {
        const created = await post(body(v, 'FIREWALL_RULES', 'create', { action: 'reject', protocol: 'UDP', dest_port: '53', description: `cs:api-${v}` }));
        expect(created.status, JSON.stringify(created.json)).toBe(200);
        const report = created.json.result as { ok: boolean; result: { rule_uuid: string } };
        expect(report.ok).toBe(true);
        const uuid = report.result.rule_uuid;
        expect(state(v).applied.filter[uuid]).toMatchObject({ action: 'reject', protocol: 'UDP', destination_port: '53' });
        const listed = await post(body(v, 'FIREWALL_RULES', 'list'));
        expect(((listed.json.result as { result: { rules: Row[] } }).result.rules).filter((r) => r.description === `cs:api-${v}`).map((r) => r.uuid)).toEqual([uuid]);
        const deleted = await post(body(v, 'FIREWALL_RULES', 'delete', { rule_uuid: uuid }));
        expect((deleted.json.result as { result: unknown }).result).toEqual({ version: expect.any(String) as unknown, ...(v === 'v261' ? { revision: expect.any(String) as unknown } : { backup_id: expect.any(String) as unknown }), result: 'deleted' });
        const after = await post(body(v, 'FIREWALL_RULES', 'list'));
        expect(((after.json.result as { result: { rules: Row[] } }).result.rules).map((r) => r.uuid)).not.toContain(uuid);
      });
    }

    it('SOURCE_NAT, PORT_FORWARDING and ROUTES: create → list → delete → gone (26.7, API)', async () => {
      const cases: Array<[string, string, string, Record<string, unknown>, string, string]> = [
        ['SOURCE_NAT', 'create', 'delete', { source_net: '203.0.113.32/28', description: 'cs:snat' }, 'rules', 'source_nat'],
        ['PORT_FORWARDING', 'create', 'delete', { protocol: 'TCP', public_port: '2222', private_ip: LAB_ADDR.client, private_port: '22', description: 'cs:pf' }, 'rules', 'd_nat'],
        ['ROUTES', 'add', 'remove', { prefix: '198.51.100.128/25', gateway: 'WAN_GW', description: 'cs:route' }, 'routes', 'routes'],
      ];
      for (const [service, add, del, data, listKey, component] of cases) {
        const created = await post(body('v267', service, add, data));
        expect(created.status, JSON.stringify(created.json)).toBe(200);
        const id = Object.values((created.json.result as { result: Record<string, string> }).result).find((x) => /^[0-9a-f]{8}-/.test(String(x))) as string;
        expect(Object.keys(state('v267').applied[component as 'routes'])).toContain(id);
        const listed = await post(body('v267', service, 'list'));
        expect((((listed.json.result as { result: Record<string, Row[]> }).result)[listKey] ?? []).map((r) => r.uuid)).toContain(id);
        const removed = await post(body('v267', service, del, service === 'ROUTES' ? { route_uuid: id } : { rule_uuid: id }));
        expect(removed.status, JSON.stringify(removed.json)).toBe(200);
        const after = await post(body('v267', service, 'list'));
        expect((((after.json.result as { result: Record<string, Row[]> }).result)[listKey] ?? []).map((r) => r.uuid)).not.toContain(id);
        expect(Object.keys(state('v267').applied[component as 'routes'])).not.toContain(id);
      }
    });

    it('a vendor error through the API is a VnfError with its code', async () => {
      const out = await post(body('v267', 'ROUTES', 'add', { prefix: '198.51.100.0/24', gateway: 'NO_SUCH_GW' }));
      expect(out.status).not.toBe(200);
      expect(out.json).toMatchObject({ code: 'VNF_ERR_PARSE_ERROR_PATTERN' });
      expect(String(out.json.detail)).toContain('route.gateway');
    });
  });
});
