// End to end: dictionaries loaded by the real loader (the verbatim seed and the shipped samples),
// rendered by renderOperation and by the `vnf-broker render` command.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import renderCommand from '../../../src/cli/commands/render.js';
import { loadDictionaryFile, requireValid } from '../../../src/dictionary/index.js';
import { redactedPlan, renderOperation } from '../../../src/workflow/render-plan.js';
import { appliance } from './render-fixtures.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SEED = join(ROOT, 'test/fixtures/dictionaries/seed/cisco-ios-xe-v3.yaml');
const SAMPLES = ['cisco-ios-xe.yaml', 'opnsense.yaml', 'routeros.yaml'].map((f) => join(ROOT, 'dictionaries', f));
const route = { network: '198.51.100.0', subnet_mask: '255.255.255.0', next_hop: '203.0.113.1' };

let dir: string;
let applianceFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vnf-render-'));
  applianceFile = join(dir, 'appliance.yaml');
  writeFileSync(applianceFile, [
    'id: 40788551-cde4-4bf0-b1ad-893b596b3284',
    'name: edge-001',
    'management: { host: 198.51.100.10 }',
    'credentials: { username: admin, password: "Pa55-w0rd!x" }',
    'cs_data: { vnf_api_key: "api-KEY-7d1e", vnf_api_secret: "api-SECRET-91f0" }',
    '',
  ].join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loaded dictionaries', () => {
  it('the verbatim seed renders Routing.add_static_route to the expected IOS commands', async () => {
    const loaded = requireValid(await loadDictionaryFile(SEED));
    const out = renderOperation({ dictionary: loaded, appliance: appliance(), service: 'Routing', operation: 'add_static_route', data: route });
    expect(redactedPlan(out)).toEqual({
      steps: [{
        connection: 'primary', transport: 'ssh',
        commands: ['configure terminal', 'router 198.51.100.0', 'ip route 198.51.100.0 255.255.255.0 203.0.113.1', 'exit'],
      }],
    });
    expect(out.connections.primary).toMatchObject({ host: '198.51.100.10', username: 'admin', password: 'Sup3r$ecret-pw' });
  });

  it('every template of the shipped samples compiles', async () => {
    for (const file of SAMPLES) {
      const loaded = requireValid(await loadDictionaryFile(file));
      expect(loaded.templateSites.length, file).toBeGreaterThan(0);
      expect(loaded.diagnostics, file).toEqual([]);
    }
  });
});

describe('vnf-broker render (handler)', () => {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  });
  afterEach(() => { vi.restoreAllMocks(); });

  it('prints the steps for a dictionary file', async () => {
    const code = await renderCommand(['--dictionary', SEED, '--appliance', applianceFile, '--service', 'Routing', '--operation', 'add_static_route', '--data', JSON.stringify(route)]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      steps: [{ connection: 'primary', transport: 'ssh', commands: ['configure terminal', 'router 198.51.100.0', 'ip route 198.51.100.0 255.255.255.0 203.0.113.1', 'exit'] }],
    });
  });

  it('takes a registry name and @file data, and prints no secret', async () => {
    const dataFile = join(dir, 'rule.json');
    writeFileSync(dataFile, JSON.stringify({ action: 'pass', dest_ip: '203.0.113.7', dest_port: '443', description: 'web' }));
    const code = await renderCommand(['--dictionary', 'opnsense', '--appliance', applianceFile, '--service', 'Firewall', '--operation', 'create', '--data', `@${dataFile}`]);
    expect(code).toBe(0);
    const plan = JSON.parse(out) as { steps: { url: string; headers: Record<string, string>; body: string }[] };
    expect(plan.steps[0]?.url).toBe('https://198.51.100.10:443/api/firewall/filter/add_rule');
    expect(plan.steps[0]?.headers.Authorization).toBe('Basic ***');
    expect(JSON.parse(plan.steps[0]?.body ?? '')).toMatchObject({ rule: { action: 'pass', destination_net: '203.0.113.7', destination_port: '443' } });
    const token = Buffer.from('api-KEY-7d1e:api-SECRET-91f0').toString('base64');
    for (const secret of ['api-KEY-7d1e', 'api-SECRET-91f0', 'Pa55-w0rd!x', token]) expect(out).not.toContain(secret);
  });
});

describe('vnf-broker render (process)', () => {
  const MAIN = join(ROOT, 'src/cli/main.ts');
  const cli = (...args: string[]): { status: number | null; stdout: string; stderr: string } => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'render', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const base = (): string[] => ['--dictionary', SEED, '--appliance', applianceFile, '--service', 'Routing', '--operation', 'add_static_route'];

  it('exit 1 with the code on stderr for an unsafe value; no stack trace, no value', () => {
    const r = cli(...base(), '--data', JSON.stringify({ ...route, next_hop: '203.0.113.1\nreload in 1' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(r.stderr).toContain('get_data.next_hop');
    expect(r.stderr).not.toContain('reload');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exit 1 for invalid data and unknown operations', () => {
    expect(cli(...base(), '--data', '{"colour":"red"}')).toMatchObject({ status: 1, stderr: expect.stringContaining('VNF_ERR_DATA_INVALID') });
    const r = cli('--dictionary', SEED, '--appliance', applianceFile, '--service', 'Routing', '--operation', 'nope');
    expect(r).toMatchObject({ status: 1, stderr: expect.stringContaining('VNF_ERR_DICT_OPERATION_NOT_FOUND') });
  });

  it('exit 2 for usage errors and unreadable --data', () => {
    expect(cli('--dictionary', SEED)).toMatchObject({ status: 2, stderr: expect.stringContaining('VNF_ERR_CLI_USAGE') });
    const bad = cli(...base(), '--data', '{"network": "secret-ish');
    expect(bad).toMatchObject({ status: 2, stderr: expect.stringContaining('VNF_ERR_INPUT_UNREADABLE') });
    expect(bad.stderr).not.toContain('secret-ish');
    expect(cli(...base(), '--data', `@${join(dir, 'missing.json')}`)).toMatchObject({ status: 2 });
  });
});
