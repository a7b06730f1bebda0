// dictionaries/opnsense.yaml: `validate --strict` clean, and every service run by the real engine
// against the OPNsense simulator on 127.0.0.1 (26.1 savepoint flow and 26.7 backup flow), no lab.
import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadDictionaryFile, requireValid, type ApplianceContext, type LoadedDictionary } from '../../src/dictionary/index.js';
import { isVnfError } from '../../src/errors.js';
import { startOpnsenseSim, type OpnsenseSim } from '../simulators/opnsense/simulator.js';
import { closePools, makeEngine } from '../unit/workflow/engine-helpers.js';

const PATH = 'dictionaries/opnsense.yaml';
const KEY = 'w86XNZob/8Oq8aC5r0kbNarNtdpoQU781fyoeaOBQsBwkXUt';
const SECRET = 'XeD26XVrJ5ilAc/EmglCRC+0j2e57tRsjHwFepOseySWLM53pJASeTA3';
const MARKER = 'sim-fault:unhealthy';

const appliance = (sim: OpnsenseSim, id: string): ApplianceContext => ({
  id, name: 'opnsense-1', management: { host: '127.0.0.1', https_port: sim.port },
  credentials: { vnf_api_key: KEY, vnf_api_secret: SECRET }, tls: { fingerprint256: sim.fingerprint256 }, jump: [], cs_data: {},
});

describe('dictionaries/opnsense.yaml', () => {
  let dictionary: LoadedDictionary;
  const sims: OpnsenseSim[] = [];
  const start = async (version: string, revertMs = 60_000): Promise<OpnsenseSim> => {
    const sim = await startOpnsenseSim({ version, apiKey: KEY, apiSecret: SECRET, revertMs, faultMarker: MARKER });
    sims.push(sim);
    return sim;
  };
  afterEach(closePools);
  afterAll(async () => { await Promise.all(sims.map((s) => s.close())); });

  it('passes `vnf-broker validate --strict` with no warnings', async () => {
    const loaded = await loadDictionaryFile(PATH, { strict: true });
    expect(loaded.diagnostics.filter((d) => d.severity === 'warning')).toEqual([]);
    dictionary = requireValid(loaded);
    expect(Object.keys(dictionary.dictionary.services)).toEqual(['FIREWALL_RULES', 'SOURCE_NAT', 'PORT_FORWARDING', 'ROUTES', 'Firewall']);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', '--strict', PATH], { encoding: 'utf8', timeout: 30_000 });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, files: [{ name: 'opnsense', errors: 0, warnings: 0 }] });
  });

  for (const version of ['26.1.4', '26.7']) {
    it(`${version}: health checks; firewall, source NAT, port forwarding and routes create → list → delete`, async () => {
      dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
      const sim = await start(version);
      const { engine } = makeEngine();
      const app = appliance(sim, `opn-${version}`);
      const run = (service: string, operation: string, data: Record<string, unknown> = {}) =>
        engine.runOperation({ dictionary, appliance: app, service, operation, data });
      const health = await engine.runHealthchecks({ dictionary, appliance: app });
      expect(health.checks.map((c) => `${c.name}:${c.status}`)).toEqual(['api:pass', 'firewall_api:pass']);

      const created = await run('FIREWALL_RULES', 'create', { action: 'block', protocol: 'TCP', source_net: '198.51.100.0/24', dest_net: '203.0.113.5', dest_port: '8443', description: 'cs:rule-1' });
      const uuid = (created.result as { rule_uuid: string }).rule_uuid;
      expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(sim.applied.filter[uuid]).toMatchObject({ action: 'block', destination_port: '8443', description: 'cs:rule-1' });
      if (version === '26.1.4') {
        expect(sim.events.map((e) => e.event)).toEqual(expect.arrayContaining(['filter.savepoint', 'filter.apply', 'filter.cancel_rollback']));
        expect(sim.state().savepoints).toEqual([]);
      } else {
        expect(sim.events.map((e) => e.event)).not.toContain('filter.savepoint');
      }
      const listed = await run('FIREWALL_RULES', 'list');
      expect((listed.result as { rules: Array<{ uuid: string }> }).rules.map((r) => r.uuid)).toEqual([uuid]);
      const deleted = await run('FIREWALL_RULES', 'delete', { rule_uuid: uuid });
      expect(deleted.result).toMatchObject({ result: 'deleted' });
      expect(sim.applied.filter).toEqual({});
      const again = await run('FIREWALL_RULES', 'delete', { rule_uuid: uuid });
      expect(again.result).toMatchObject({ already: true });

      const snat = await run('SOURCE_NAT', 'create', { source_net: '203.0.113.32/28', description: 'cs:snat-1' });
      const snatId = (snat.result as { rule_uuid: string }).rule_uuid;
      expect(sim.applied.source_nat[snatId]).toMatchObject({ source_net: '203.0.113.32/28', target: 'wanip' });
      expect(((await run('SOURCE_NAT', 'list')).result as { rules: Array<{ uuid: string }> }).rules.map((r) => r.uuid)).toEqual([snatId]);
      await run('SOURCE_NAT', 'delete', { rule_uuid: snatId });
      expect(sim.applied.source_nat).toEqual({});

      const pf = await run('PORT_FORWARDING', 'create', { protocol: 'TCP', public_port: '2222', private_ip: '203.0.113.34', private_port: '22', description: 'cs:pf-1' });
      const pfId = (pf.result as { rule_uuid: string }).rule_uuid;
      expect(sim.applied.d_nat[pfId]).toMatchObject({ destination_port: '2222', target: '203.0.113.34', local_port: '22' });
      expect(((await run('PORT_FORWARDING', 'list')).result as { rules: Array<{ uuid: string }> }).rules.map((r) => r.uuid)).toEqual([pfId]);
      await run('PORT_FORWARDING', 'delete', { rule_uuid: pfId });
      expect(sim.applied.d_nat).toEqual({});

      const route = await run('ROUTES', 'add', { prefix: '198.51.100.128/25', gateway: 'WAN_GW', description: 'cs:route-1' });
      const routeId = (route.result as { route_uuid: string }).route_uuid;
      expect(sim.applied.routes[routeId]).toMatchObject({ network: '198.51.100.128/25', gateway: 'WAN_GW' });
      expect(((await run('ROUTES', 'list')).result as { routes: Array<{ uuid: string }> }).routes.map((r) => r.uuid)).toEqual([routeId]);
      await run('ROUTES', 'remove', { route_uuid: routeId });
      expect(sim.applied.routes).toEqual({});
    });
  }

  it('a validation failure ({"result":"failed"}) is a VnfError naming the field; nothing is applied', async () => {
    dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
    const sim = await start('26.1.4');
    const { engine } = makeEngine();
    const err = await engine.runOperation({ dictionary, appliance: appliance(sim, 'opn-bad'), service: 'ROUTES', operation: 'add',
      data: { prefix: '198.51.100.0/24', gateway: 'NO_SUCH_GW' } }).then(() => undefined, (e: unknown) => e);
    expect(isVnfError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'VNF_ERR_PARSE_ERROR_PATTERN' });
    expect((err as Error).message).toContain('route.gateway');
    expect(sim.config.routes).toEqual({});
  });

  it('26.1: a change whose health check fails is not confirmed and the revert timer restores the config', async () => {
    dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
    const sim = await start('26.1.4', 500);
    const { engine } = makeEngine();
    const err = await engine.runOperation({ dictionary, appliance: appliance(sim, 'opn-revert'), service: 'FIREWALL_RULES', operation: 'create',
      data: { action: 'pass', description: `${MARKER} breaks the box` } }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS' });
    expect(Object.keys(sim.applied.filter)).toHaveLength(1); // applied, not confirmed
    for (let i = 0; i < 40 && Object.keys(sim.config.filter).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(sim.config.filter).toEqual({});
    expect(sim.applied.filter).toEqual({});
    expect(sim.events.map((e) => e.event)).toContain('filter.revert');
  });

  it('26.7: the failed health check runs the on_failure backup revert and re-applies', async () => {
    dictionary ??= requireValid(await loadDictionaryFile(PATH, { strict: true }));
    const sim = await start('26.7');
    const { engine } = makeEngine();
    const err = await engine.runOperation({ dictionary, appliance: appliance(sim, 'opn-backup'), service: 'FIREWALL_RULES', operation: 'create',
      data: { action: 'pass', description: `${MARKER} breaks the box` } }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_HTTP_STATUS' });
    expect((err as { details: { compensation: Array<{ ok: boolean }> } }).details.compensation).toEqual([expect.objectContaining({ ok: true })]);
    expect(sim.config.filter).toEqual({});
    expect(sim.applied.filter).toEqual({});
    expect(sim.events.map((e) => e.event)).toContain('revert_backup');
  });
});
