// dictionaries/pfsense.yaml: `validate --strict` clean, and every service run by the real engine
// against the pfSense (pfrest v2) simulator on 127.0.0.1: ids that shift, trackers that do not,
// pending changes applied, convergent deletes, a vendor 400 as a VnfError. No lab.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDictionaryFile, requireValid, type ApplianceContext, type LoadedDictionary } from '../../src/dictionary/index.js';
import { startPfsenseSim, type PfsenseSim } from '../simulators/pfsense/simulator.js';
import { closePools, makeEngine } from '../unit/workflow/engine-helpers.js';

const PATH = 'dictionaries/pfsense.yaml';
const KEY = '3f1c9e7a2b8d4c6e0a5f7b9d1e3c5a7b';

describe('dictionaries/pfsense.yaml', () => {
  let dictionary: LoadedDictionary;
  let sim: PfsenseSim;
  let app: ApplianceContext;
  beforeAll(async () => {
    sim = await startPfsenseSim({ apiKey: KEY });
    app = { id: 'pf-1', management: { host: '127.0.0.1', https_port: sim.port }, credentials: { vnf_api_key: KEY },
      tls: { fingerprint256: sim.fingerprint256 }, jump: [], cs_data: {} };
  });
  afterEach(closePools);
  afterAll(async () => { await sim.close(); });
  const run = async (service: string, operation: string, data: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const { engine } = makeEngine();
    dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
    return (await engine.runOperation({ dictionary, appliance: app, service, operation, data })).result as Record<string, unknown>;
  };

  it('passes `vnf-broker validate --strict` with no warnings', async () => {
    const loaded = await loadDictionaryFile(PATH, { strict: true });
    expect(loaded.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    dictionary = requireValid(loaded);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', '--strict', PATH], { encoding: 'utf8', timeout: 30_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, files: [{ name: 'pfsense', errors: 0, warnings: 0 }] });
  });

  it('health check passes; firewall rules are deleted by tracker although their ids shift', async () => {
    const { engine } = makeEngine();
    dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
    expect((await engine.runHealthchecks({ dictionary, appliance: app })).checks.map((c) => c.status)).toEqual(['pass']);
    const a = await run('FIREWALL_RULES', 'create', { action: 'block', protocol: 'tcp', source: '198.51.100.0/24', dest_port: '22', description: 'cs:a' });
    const b = await run('FIREWALL_RULES', 'create', { action: 'pass', protocol: 'udp', destination: '203.0.113.34', description: 'cs:b' });
    expect([a.id, b.id]).toEqual([0, 1]);
    expect(sim.pending.size).toBe(0); // applied
    expect(sim.applied.rule.map((r) => r.descr)).toEqual(['cs:a', 'cs:b']);
    expect(await run('FIREWALL_RULES', 'delete', { tracker: a.tracker })).toMatchObject({ id: 0, deleted_tracker: a.tracker });
    const listed = (await run('FIREWALL_RULES', 'list')).rules as Array<{ id: number; tracker: number }>;
    expect(listed).toEqual([expect.objectContaining({ id: 0, tracker: b.tracker })]); // b's id shifted 1 → 0
    expect(await run('FIREWALL_RULES', 'delete', { tracker: b.tracker })).toMatchObject({ id: 0, deleted_tracker: b.tracker });
    expect(sim.applied.rule).toEqual([]);
    expect(await run('FIREWALL_RULES', 'delete', { tracker: b.tracker })).toEqual({ already: true });
  });

  it('source NAT, port forwarding and static routes: create → list → delete by their stable key', async () => {
    await run('SOURCE_NAT', 'create', { description: 'cs:snat-1', source: '203.0.113.32/28' });
    expect(((await run('SOURCE_NAT', 'list')).rules as Array<{ descr: string }>).map((r) => r.descr)).toEqual(['cs:snat-1']);
    expect(sim.applied.outbound).toHaveLength(1);
    await run('SOURCE_NAT', 'delete', { description: 'cs:snat-1' });
    expect(sim.applied.outbound).toEqual([]);
    await run('PORT_FORWARDING', 'create', { description: 'cs:pf-1', protocol: 'tcp', public_port: '2222', private_ip: '203.0.113.34', private_port: 22 });
    expect(sim.applied.port_forward).toEqual([expect.objectContaining({ destination_port: '2222', target: '203.0.113.34', local_port: '22' })]);
    await run('PORT_FORWARDING', 'delete', { description: 'cs:pf-1' });
    expect(sim.applied.port_forward).toEqual([]);
    await run('ROUTES', 'add', { prefix: '198.51.100.128/25', gateway: 'WAN_GW' });
    expect(sim.applied.static_route).toEqual([expect.objectContaining({ network: '198.51.100.128/25' })]);
    expect(((await run('ROUTES', 'list')).routes as unknown[])).toHaveLength(1);
    await run('ROUTES', 'remove', { prefix: '198.51.100.128/25' });
    expect(sim.applied.static_route).toEqual([]);
    expect(await run('ROUTES', 'remove', { prefix: '198.51.100.128/25' })).toEqual({ already: true });
  });

  it('a vendor 400 is VNF_ERR_HTTP_STATUS with the status; nothing becomes pending', async () => {
    const err = await run('ROUTES', 'add', { prefix: '198.51.100.0/24', gateway: 'NO_SUCH_GW' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS', details: { status: 400 } });
    expect(sim.config.static_route).toEqual([]);
  });
});
