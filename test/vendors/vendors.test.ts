// The vendor dictionaries (fortigate, routeros, vyos): `validate --strict` is clean, and each runs
// its create → list → delete → list cycle through the engine against its simulator on 127.0.0.1
// (the lab suites test/vendors/*.lab.test.ts do the same through the jump host, the CLI and the
// API). VyOS specifics: the global lock (504) is retried, 1.5 commits with confirm_time and
// confirms after the read-back, 1.4 hides commit failures (the read-back catches them), and an
// unconfirmed commit reverts.
import { execFileSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadDictionaryFile, requireValid, type LoadedDictionary } from '../../src/dictionary/index.js';
import { isVnfError, type VnfError } from '../../src/errors.js';
import { startFortigateSimulator, type FortigateSimulator } from '../simulators/fortigate/index.js';
import { startRouterosSimulator, type RouterosSimulator } from '../simulators/routeros/index.js';
import { startVyosSimulator, type VyosSimulator } from '../simulators/vyos/index.js';
import { applianceFor, closePools, makeEngine } from '../unit/workflow/engine-helpers.js';

const FILES = ['dictionaries/fortigate.yaml', 'dictionaries/routeros.yaml', 'dictionaries/vyos.yaml'];
const load = async (file: string): Promise<LoadedDictionary> => requireValid(await loadDictionaryFile(file, { strict: true }));
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};
afterEach(closePools);

describe('vendor dictionaries: validate --strict', () => {
  it.each(FILES)('%s loads strictly with no errors or warnings', async (file) => {
    const loaded = await loadDictionaryFile(file, { strict: true });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(loaded.diagnostics).toEqual([]);
    expect(readFirstLine(file)).toBe('# yaml-language-server: $schema=./schema.json');
  });

  it('`vnf-broker validate --strict` accepts all three', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', '--strict', ...FILES], { encoding: 'utf8' });
    const json = JSON.parse(out) as { ok: boolean; files: Array<{ name: string; errors: number; warnings: number }> };
    expect(json.ok).toBe(true);
    expect(json.files.map((f) => [f.name, f.errors, f.warnings])).toEqual([['fortigate', 0, 0], ['routeros', 0, 0], ['vyos', 0, 0]]);
  });
});

function readFirstLine(file: string): string {
  return execFileSync('head', ['-n', '1', file], { encoding: 'utf8' }).trim();
}

describe('fortigate.yaml against the FortiOS simulator', () => {
  let sim: FortigateSimulator;
  let dictionary: LoadedDictionary;
  beforeAll(async () => {
    sim = await startFortigateSimulator({ token: 'unit-token' });
    dictionary = await load(FILES[0]!);
  });
  afterAll(async () => { await sim.close(); });
  const run = (service: string, operation: string, data: Record<string, unknown> = {}, token = 'unit-token') => makeEngine().engine.runOperation({
    dictionary, service, operation, data, appliance: applianceFor({ httpsPort: sim.port, fingerprint256: sim.fingerprint256, cs: { api_token: token } }),
  });

  it('create → list → delete → list; a retried create converges on -5; the bearer token is sent', async () => {
    const data = { name: 'u-web', srcintf: 'port1', dstintf: 'port2', protocol: 'tcp', dest_port: 8080, action: 'accept' };
    const created = await run('FIREWALL_RULES', 'create', data);
    const id = (created.result as { policyid: number }).policyid;
    expect(created.result).toMatchObject({ policyid: id, name: 'u-web', action: 'accept' });
    expect((await run('FIREWALL_RULES', 'create', data)).result).toMatchObject({ policyid: id, already: true });
    expect(sim.tables['firewall/policy']!.rows.filter((r) => r.name === 'u-web')).toHaveLength(1);
    expect(((await run('FIREWALL_RULES', 'list')).result as { rules: Array<{ policyid: number }> }).rules.map((r) => r.policyid)).toContain(id);
    await run('FIREWALL_RULES', 'delete', { policyid: id, name: 'u-web' });
    expect(((await run('FIREWALL_RULES', 'list')).result as { rules: Array<{ policyid: number }> }).rules.map((r) => r.policyid)).not.toContain(id);
    expect(sim.tables['firewall.service/custom']!.rows.some((r) => r.name === 'cs-svc-u-web')).toBe(false);
  });

  it('errors: 424 for a bad reference, 401 for a wrong token', async () => {
    const bad = await failure(run('ROUTES', 'add', { prefix: '198.51.100.0/24', next_hop: '203.0.113.1', device: 'port7' }));
    expect(bad.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(bad.details).toMatchObject({ status: 424 });
    const refused = await failure(run('ROUTES', 'list', {}, 'wrong'));
    expect(refused.details).toMatchObject({ status: 401 });
  });
});

describe('routeros.yaml against the RouterOS v7 simulator', () => {
  let sim: RouterosSimulator;
  let dictionary: LoadedDictionary;
  beforeAll(async () => {
    sim = await startRouterosSimulator({ username: 'admin', password: 'Adm1n-pw' });
    dictionary = await load(FILES[1]!);
  });
  afterAll(async () => { await sim.close(); });
  const run = (service: string, operation: string, data: Record<string, unknown> = {}) => makeEngine().engine.runOperation({
    dictionary, service, operation, data, appliance: applianceFor({ httpsPort: sim.port, fingerprint256: sim.fingerprint256 }),
  });

  it('create (PUT, read back by .id) → list → delete (204) → list; a retried create finds its rule by comment', async () => {
    const data = { rule_id: '0b6f5b4e-1c1e-4a4e-9d65-3f0f6f1b2c3d', protocol: 'tcp', dest_port: 22, action: 'drop' };
    const created = await run('FIREWALL_RULES', 'create', data);
    const id = (created.result as { id: string }).id;
    expect(id).toMatch(/^\*[0-9A-F]+$/);
    expect(created.steps.map((s) => s.skipped === true)).toEqual([false, false, false, true]);
    const again = await run('FIREWALL_RULES', 'create', data);
    expect((again.result as { id: string }).id).toBe(id);
    expect(again.steps.map((s) => s.skipped === true)).toEqual([false, true, true, false]);
    expect(sim.menus['ip/firewall/filter']!.rows).toHaveLength(1);
    expect(sim.menus['ip/firewall/filter']!.rows[0]).toMatchObject({ 'dst-port': '22', protocol: 'tcp', chain: 'forward' });
    await run('FIREWALL_RULES', 'delete', { id });
    expect(((await run('FIREWALL_RULES', 'list')).result as { rules: unknown[] }).rules).toEqual([]);
  });

  it('a 400 from RouterOS is VNF_ERR_HTTP_STATUS', async () => {
    const e = await failure(run('ROUTES', 'add', { prefix: '198.51.100.0/24', next_hop: '203.0.113.1', distance: 300 }).catch((x: unknown) => { throw x; }));
    // distance 300 is refused by the dictionary before anything is sent
    expect(e.code).toBe('VNF_ERR_DATA_INVALID');
    const bad = await failure(run('FIREWALL_RULES', 'create', { rule_id: '0b6f5b4e-1c1e-4a4e-9d65-3f0f6f1b2c3e', protocol: 'icmp', dest_port: 22, action: 'drop' }));
    expect(bad.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(bad.details).toMatchObject({ status: 400 });
  });
});

describe('vyos.yaml against the VyOS simulator', () => {
  let sim15: VyosSimulator;
  let sim14: VyosSimulator;
  let dictionary: LoadedDictionary;
  beforeAll(async () => {
    sim15 = await startVyosSimulator({ key: 'unit-key', version: '1.5-rolling-202506120020', commitMs: 300 });
    sim14 = await startVyosSimulator({ key: 'unit-key', version: '1.4.2' });
    dictionary = await load(FILES[2]!);
  });
  afterAll(async () => { await sim15.close(); await sim14.close(); });
  const run = (sim: VyosSimulator, service: string, operation: string, data: Record<string, unknown> = {}, id = 'app-1') => makeEngine().engine.runOperation({
    dictionary, service, operation, data, appliance: applianceFor({ id, httpsPort: sim.port, fingerprint256: sim.fingerprint256, cs: { api_key: 'unit-key' } }),
  });

  it('1.5: create commits with confirm_time, reads back, confirms; list; delete; list', async () => {
    const created = await run(sim15, 'FIREWALL_RULES', 'create', { rule_number: 10, protocol: 'tcp', source_cidr: '198.51.100.0/24', dest_port: 443, action: 'accept', description: 'cs:web' });
    expect(created.result).toMatchObject({ version: '1.5', replaced: false, action: 'accept', rule: { protocol: 'tcp', source: { address: '198.51.100.0/24' }, destination: { port: '443' }, description: 'cs:web' } });
    expect(created.steps.map((s) => s.skipped === true)).toEqual([false, false, false, true, false, false, false]);
    expect(sim15.pendingConfirm()).toBe(false);
    // a retried create replaces the rule in one commit
    const again = await run(sim15, 'FIREWALL_RULES', 'create', { rule_number: 10, protocol: 'tcp', dest_port: 443, action: 'drop' });
    expect(again.result).toMatchObject({ replaced: true, action: 'drop', rule: { protocol: 'tcp', destination: { port: '443' }, action: 'drop' } });
    expect((again.result as { rule: Record<string, unknown> }).rule.source).toBeUndefined();
    expect((await run(sim15, 'FIREWALL_RULES', 'list')).result).toMatchObject({ any: true, rules: { 10: { action: 'drop' } } });
    expect((await run(sim15, 'FIREWALL_RULES', 'delete', { rule_number: 10 })).result).toEqual({ deleted: true });
    expect((await run(sim15, 'FIREWALL_RULES', 'delete', { rule_number: 10 })).result).toEqual({ deleted: false });
    expect((await run(sim15, 'FIREWALL_RULES', 'list')).result).toEqual({ any: false });
  });

  it('the global lock: concurrent operations on two appliance ids (not serialised by the broker) retry the 504', async () => {
    const before = sim15.lockRefusals;
    const outs = await Promise.all([1, 2, 3].map((n) => run(sim15, 'ROUTES', 'add', { prefix: `198.51.100.${n * 16}/28`, next_hop: '203.0.113.1' }, `app-lock-${n}`)));
    expect(sim15.lockRefusals).toBeGreaterThan(before);
    expect(outs.some((o) => o.steps.some((s) => (s.attempts ?? 1) > 1))).toBe(true);
    expect(Object.keys(((await run(sim15, 'ROUTES', 'list')).result as { routes: Record<string, unknown> }).routes).sort()).toEqual(['198.51.100.16/28', '198.51.100.32/28', '198.51.100.48/28']);
    for (const n of [1, 2, 3]) await run(sim15, 'ROUTES', 'remove', { prefix: `198.51.100.${n * 16}/28` });
    expect((await run(sim15, 'ROUTES', 'list')).result).toEqual({ any: false });
  }, 30_000);

  it('1.4: no confirm_time; a commit failure the API hides is caught by the read-back', async () => {
    const created = await run(sim14, 'FIREWALL_RULES', 'create', { rule_number: 20, protocol: 'udp', dest_port: 53, action: 'accept' });
    expect(created.result).toMatchObject({ version: '1.4', action: 'accept' });
    expect(created.steps.map((s) => s.skipped === true)).toEqual([false, false, true, false, false, true, false]);
    // a port with protocol all: the commit fails; 1.4 answers success, the rule is not there
    const e = await failure(run(sim14, 'FIREWALL_RULES', 'create', { rule_number: 21, protocol: 'all', dest_port: 53, action: 'accept' }));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(e.details).toMatchObject({ status: 400 });
    // on 1.5 the commit error itself is reported
    const e15 = await failure(run(sim15, 'FIREWALL_RULES', 'create', { rule_number: 21, protocol: 'all', dest_port: 53, action: 'accept' }));
    expect(e15.details).toMatchObject({ status: 400 });
  });

  it('an unconfirmed commit-confirm reverts (simulator semantics)', async () => {
    const sim = await startVyosSimulator({ key: 'k', version: '1.5', minuteMs: 100, commitMs: 1 });
    try {
      const post = async (path: string, body: unknown): Promise<{ success: boolean; error: string | null }> => {
        const res = await fetchPinned(sim, path, body);
        return res as { success: boolean; error: string | null };
      };
      expect(await post('/configure', { key: 'k', confirm_time: 1, commands: [{ op: 'set', path: ['system', 'host-name', 'changed'] }] })).toMatchObject({ success: true });
      expect(sim.config().system).toEqual({ 'host-name': 'changed' });
      expect(sim.pendingConfirm()).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      expect(sim.config().system).toEqual({ 'host-name': 'vyos' });
      expect(await post('/configure', { key: 'wrong', op: 'confirm' })).toMatchObject({ success: false, error: 'Valid API key is required' });
    } finally {
      await sim.close();
    }
  });
});

/** POST JSON to a simulator on 127.0.0.1, trusting only its own self-signed certificate (pinned by fingerprint). */
async function fetchPinned(sim: { port: number; certPem: string; fingerprint256: string }, path: string, body: unknown): Promise<unknown> {
  const { request } = await import('node:https');
  const checkServerIdentity = (_host: string, cert: { fingerprint256: string }): Error | undefined =>
    (cert.fingerprint256 === sim.fingerprint256 ? undefined : new Error('certificate fingerprint mismatch'));
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: sim.port, path, method: 'POST', ca: sim.certPem, checkServerIdentity, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => { try { resolve(JSON.parse(text)); } catch (e) { reject(e as Error); } });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
