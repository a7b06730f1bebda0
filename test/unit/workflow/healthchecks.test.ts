import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LoadedDictionary } from '../../../src/dictionary/index.js';
import { isVnfError } from '../../../src/errors.js';
import { iosDevice } from '../../helpers/fake-devices.js';
import { startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';
import { parsableHostKey, parsableUserKey } from '../../simulators/cisco/keys.js';
import { startApiFake, type ApiFake } from './api-fake.js';
import { applianceFor, closePools, dictionaryFrom, makeEngine } from './engine-helpers.js';

let api: ApiFake;
let router: FakeSsh;
let jump: FakeSsh;
let closedPort: number;
let dictionary: LoadedDictionary;
const jumpKey = parsableUserKey();
let healthy = 0;

const appliance = () => applianceFor({ sshPort: router.port, httpPort: api.port });

beforeAll(async () => {
  // the API answers 503 until `healthy` requests have been seen, like an appliance still booting
  api = await startApiFake((_req, n) => (n <= healthy ? { status: 503, body: { state: 'booting' } } : { body: { state: 'ready' } }));
  router = await startFakeSsh({ hostKey: parsableHostKey(), users: [{ username: 'admin', password: 'Adm1n-pw' }], shell: iosDevice() });
  jump = await startFakeSsh({ hostKey: parsableHostKey(), users: [{ username: 'vnfjump', publicKey: jumpKey.publicKey }], forwarding: 'allow' });
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  dictionary = dictionaryFrom(`
name: hc
connections:
  api: { type: http, host: "{{get_cs_data.mgmt_ip}}", port: 80, timeout: 2 }
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}", port: 22, on_open: ["terminal length 0"], timeout: 2 }
healthchecks:
  - { name: api, connection: api, method: GET, url: /health, expected_status: 200, expected_output: '"ready"', retries: 3, interval: 0.05 }
  - { name: cli, connection: cli, command: show version, expected_output: 'Version \\d+', timeout: 5 }
  - { name: api_port, type: tcp, connection: api }
  - { name: closed_port, type: tcp, port: ${closedPort}, timeout: 2 }
`);
});
afterEach(closePools);
afterAll(async () => { await Promise.all([api.close(), router.close(), jump.close()]); });

describe('health checks', () => {
  it('retries a check at its interval until the appliance is up; reports every check', async () => {
    healthy = api.seen.length + 2;
    const { engine, audit } = makeEngine();
    const out = await engine.runHealthchecks({ dictionary, appliance: appliance(), requestId: 'hc-1' });
    expect(out.checks.map((c) => [c.name, c.type, c.status, c.attempts])).toEqual([
      ['api', 'http', 'pass', 3], ['cli', 'ssh', 'pass', 1], ['api_port', 'tcp', 'pass', 1], ['closed_port', 'tcp', 'fail', 1]]);
    expect(out.checks[3]?.error?.code).toBe('VNF_ERR_NET_CONNECT');
    expect(out.ok).toBe(false);
    expect(audit.ofType('operation.end')[0]).toMatchObject({ operation: 'healthchecks', outcome: 'failure', error_code: 'VNF_ERR_HEALTHCHECK_FAILED' });
    expect(audit.ofType('http.request').every((e) => e.request_id === 'hc-1')).toBe(true);
  });

  it('a check that never passes fails after retries + 1 attempts with the last error', async () => {
    healthy = Number.MAX_SAFE_INTEGER;
    try {
      const { engine } = makeEngine();
      const out = await engine.runHealthchecks({ dictionary, appliance: appliance() });
      expect(out.checks[0]).toMatchObject({ name: 'api', status: 'fail', attempts: 4, error: { code: 'VNF_ERR_HEALTHCHECK_FAILED', message: 'expected HTTP 200, got 503' } });
    } finally {
      healthy = 0;
    }
  });

  it('retry waits are abortable: the run deadline ends a long interval at once', async () => {
    const slow = dictionaryFrom(`
name: hc-slow
connections:
  api: { type: http, host: "{{get_cs_data.mgmt_ip}}", port: 80, timeout: 2 }
healthchecks:
  - { name: api, connection: api, url: /health, retries: 5, interval: 60 }
`);
    healthy = Number.MAX_SAFE_INTEGER;
    try {
      const { engine } = makeEngine();
      const started = Date.now();
      const e = await engine.runHealthchecks({ dictionary: slow, appliance: appliance(), deadlineMs: 300 }).then(() => undefined, (x: unknown) => x);
      expect(isVnfError(e) && e.code).toBe('VNF_ERR_WORKFLOW_DEADLINE');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      healthy = 0;
    }
  });

  it('a tcp check connects through the jump chain (pool.tcpProbe forwards from the last hop)', async () => {
    const { engine, pool } = makeEngine();
    const viaJump = { ...appliance(), jump: [{ host: '127.0.0.1', port: jump.port, username: 'vnfjump', private_key: jumpKey.privateKey }] };
    const forwards = jump.stats.forwards;
    const out = await engine.runHealthchecks({ dictionary: dictionaryFrom(`
name: hc-tcp
connections:
  api: { type: http, host: "{{get_cs_data.mgmt_ip}}", port: 80 }
healthchecks:
  - { name: api_port, type: tcp, connection: api }
`), appliance: viaJump });
    expect(out.checks[0]).toMatchObject({ status: 'pass', attempts: 1 });
    expect(jump.stats.forwards).toBe(forwards + 1);
    const refused = await pool.tcpProbe(viaJump, '127.0.0.1', closedPort, 2_000).then(() => undefined, (x: unknown) => x);
    expect(isVnfError(refused) && refused.code).toBe('VNF_ERR_SSH_FORWARD');
  });

  it('dry run lists what each check would send and connects to nothing', async () => {
    const { engine, audit } = makeEngine();
    const seen = api.seen.length;
    const out = await engine.runHealthchecks({ dictionary, appliance: appliance(), dryRun: true });
    expect(out.checks.map((c) => c.step ?? c.target)).toEqual([
      expect.objectContaining({ transport: 'http', method: 'GET', url: `http://127.0.0.1:${api.port}/health` }),
      expect.objectContaining({ transport: 'ssh', commands: ['show version'] }),
      { host: '127.0.0.1', port: api.port }, { host: '127.0.0.1', port: closedPort }]);
    expect(api.seen.length).toBe(seen);
    expect(audit.events).toEqual([]);
  });
});
