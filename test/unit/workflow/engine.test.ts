import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog, verifyAuditLog, type AuditEvent, type AuditRecord } from '../../../src/audit/index.js';
import { isVnfError, type VnfError } from '../../../src/errors.js';
import { iosDevice } from '../../helpers/fake-devices.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';
import { parsableHostKey } from '../../simulators/cisco/keys.js';
import { CertFactory } from '../../helpers/tls-fakes.js';
import type { OperationExecutor } from '../../../src/server/types.js';
import { startApiFake, type ApiFake } from './api-fake.js';
import { applianceFor, closePools, dictionaryFrom, makeEngine } from './engine-helpers.js';

const DICT = `
name: test-api
connections:
  api: { type: https, host: "{{get_cs_data.mgmt_ip}}", port: 443, username: "{{get_cs_data.username}}", password: "{{get_cs_data.password}}", verify_ssl: false, timeout: 5 }
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}", port: 22, on_open: ["terminal length 0"], error_patterns: ['^% Invalid'], timeout: 5 }
services:
  Rules:
    data:
      name: { type: string, required: true, pattern: '^[a-z0-9-]+$' }
    create_and_read:
      get_data: [name]
      steps:
        - connection: api
          method: POST
          url: /api/rules
          headers: { Content-Type: application/json }
          body: '{"name": "{{get_data.name}}"}'
          response: { format: json, transform: { uuid: "$.uuid" } }
        - connection: api
          method: GET
          url: /api/rules/current
          response: { format: json, transform: { name: "$.rule.name", enabled: "$.rule.enabled" } }
    status:
      connection: api
      method: GET
      url: /api/status
    notify:
      get_data: [name]
      connection: api
      method: POST
      url: /api/rules
      headers: { Content-Type: application/json }
      body: '{"name": "{{get_data.name}}"}'
      response:
        format: json
        transform: { uuid: "$.uuid" }
        callback:
          action: http
          method: POST
          url: "http://127.0.0.1:{{get_cs_data.hook_port}}/hook"
          headers: { Content-Type: application/json }
          body: '{"rule": "{{get_data.name}}", "at": "{{timestamp}}"}'
    notify_cs:
      connection: api
      method: GET
      url: /api/status
      response:
        format: json
        callback: { action: cloudstack-api, parameters: { command: updateVnfState, api_key: "{{get_cs_data.user_api_key}}", secret_key: "{{get_cs_data.user_secret_key}}" } }
  Cli:
    version:
      connection: cli
      commands: ["show version"]
      response: { format: cli, success_pattern: 'Cisco IOS Software, Version (?<version>\\S+)' }
    nomatch:
      connection: cli
      commands: ["show version"]
      response: { format: cli, success_pattern: 'Juniper' }
    hang:
      connection: cli
      commands: ["show hang"]
`;

const dictionary = dictionaryFrom(DICT);
const certs = new CertFactory();
const cert = certs.selfSigned();
let api: ApiFake;
let hook: ApiFake;
let router: FakeSsh;
let rules: { uuid: string; rule: { name: string; enabled: boolean } } | undefined;

const appliance = (cs: Record<string, unknown> = {}) => applianceFor({ sshPort: router.port, httpsPort: api.port, fingerprint256: cert.fingerprint256,
  cs: { hook_port: hook.port, user_api_key: 'cs-api-key-1', user_secret_key: 'cs-secret-key-1', ...cs } });
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};

beforeAll(async () => {
  api = await startApiFake((req) => {
    if (req.method === 'POST' && req.url === '/api/rules') {
      const body = JSON.parse(req.body) as { name: string };
      rules = { uuid: `uuid-${body.name}`, rule: { name: body.name, enabled: true } };
      return { status: 201, body: { uuid: rules.uuid } };
    }
    if (req.url === '/api/rules/current') return { body: rules };
    if (req.url === '/api/status') return { body: { status: 'ok' } };
    return { status: 404, body: { error: 'not found' } };
  }, cert);
  hook = await startApiFake(() => ({ status: 200, body: { received: true } }));
  router = await startFakeSsh({ hostKey: parsableHostKey(), users: [{ username: 'admin', password: 'Adm1n-pw' }], shell: iosDevice() });
});
afterEach(closePools);
afterAll(async () => {
  await Promise.all([api.close(), hook.close(), router.close()]);
  certs.cleanup();
});

describe('workflow engine: operations', () => {
  it('a multi-step HTTPS operation runs in order and merges the declared results', async () => {
    const { engine } = makeEngine();
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'create_and_read', data: { name: 'web-1' } });
    expect(out.result).toEqual({ uuid: 'uuid-web-1', name: 'web-1', enabled: true });
    expect(out.steps.map((s) => [s.transport, s.status])).toEqual([['https', 201], ['https', 200]]);
    const posts = api.seen.filter((r) => r.method === 'POST');
    expect(JSON.parse(posts.at(-1)!.body)).toEqual({ name: 'web-1' });
    expect(posts.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from('admin:Adm1n-pw').toString('base64')}`);
  });

  it('a step without a response declaration returns its JSON body', async () => {
    const { engine } = makeEngine();
    expect((await engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'status' })).result).toEqual({ status: 'ok' });
  });

  it('non-2xx answers are VNF_ERR_HTTP_STATUS with the status and envelope code, never appliance text', async () => {
    const saved = api.handler;
    api.handler = () => ({ status: 503, body: { error: { code: 'E_LOCKED', message: 'config locked by admin@10.0.0.5' } } });
    try {
      const { engine } = makeEngine();
      const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'status' }));
      expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
      expect(e.details).toEqual({ status: 503, connection: 'api', error_code: 'E_LOCKED' });
      expect(e.message).not.toContain('locked by');
    } finally {
      api.handler = saved;
    }
  });

  it('CLI output parsed with named groups; a pattern that matches nothing is VNF_ERR_PARSE_NO_MATCH', async () => {
    const { engine } = makeEngine();
    expect((await engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'version' })).result).toEqual({ version: '15.9(3)M' });
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'nomatch' }));
    expect(e.code).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('input data is validated before anything is sent', async () => {
    const { engine, audit } = makeEngine();
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'create_and_read', data: { name: 'Bad Name!' } }));
    expect(e.code).toBe('VNF_ERR_DATA_INVALID');
    expect(audit.events).toEqual([]);
  });

  it('the overall deadline stops a command that never returns: VNF_ERR_WORKFLOW_DEADLINE, audited', async () => {
    const { engine, audit } = makeEngine();
    const started = Date.now();
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'hang', deadlineMs: 1_500 }));
    expect(e.code).toBe('VNF_ERR_WORKFLOW_DEADLINE');
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(audit.ofType('operation.end')[0]).toMatchObject({ outcome: 'failure', error_code: 'VNF_ERR_WORKFLOW_DEADLINE' });
  });

  it('an AbortSignal cancels a running operation (VNF_ERR_WORKFLOW_CANCELLED); an aborted signal sends nothing', async () => {
    const controller = new AbortController();
    const audit = new MemoryAudit();
    const watching = { append: (ev: AuditEvent): AuditRecord => {
      const r = audit.append(ev);
      if (ev.type === 'ssh.command' && ev.command === 'show hang' && ev.outcome === 'started') queueMicrotask(() => controller.abort());
      return r;
    } };
    const { engine } = makeEngine({}, watching);
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'hang', signal: controller.signal }));
    expect(e.code).toBe('VNF_ERR_WORKFLOW_CANCELLED');
    const sent = audit.ofType('ssh.command').length;
    const e2 = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'version', signal: controller.signal }));
    expect(e2.code).toBe('VNF_ERR_WORKFLOW_CANCELLED');
    expect(audit.ofType('ssh.command')).toHaveLength(sent);
  });

  it('operations on one appliance are serialised by default; exclusive: false lets reads overlap', async () => {
    const saved = api.handler;
    api.handler = () => ({ body: { status: 'ok' }, delayMs: 60 });
    try {
      const { engine } = makeEngine();
      api.maxInFlight = 0;
      const run = (exclusive?: boolean) => engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'status',
        ...(exclusive === undefined ? {} : { exclusive }) });
      await Promise.all([run(), run(), run()]);
      expect(api.maxInFlight).toBe(1);
      api.maxInFlight = 0;
      await Promise.all([run(false), run(false), run(false)]);
      expect(api.maxInFlight).toBeGreaterThan(1);
    } finally {
      api.handler = saved;
    }
  });

  it('dry run returns the redacted plan and connects to nothing', async () => {
    const { engine, audit } = makeEngine();
    const seen = api.seen.length;
    const connections = router.stats.connections;
    const plan = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'create_and_read', data: { name: 'web-2' }, dryRun: true });
    expect(plan.dry_run).toBe(true);
    expect(plan.steps[0]).toMatchObject({ transport: 'https', method: 'POST', url: `https://127.0.0.1:${api.port}/api/rules`, body: '{"name": "web-2"}',
      headers: { Authorization: 'Basic ***' } });
    expect(JSON.stringify(plan)).not.toContain('Adm1n-pw');
    expect(api.seen.length).toBe(seen);
    expect(router.stats.connections).toBe(connections);
    expect(audit.events).toEqual([]);
  });
});

describe('workflow engine: callbacks', () => {
  it('an http callback is sent from the broker and recorded in the result and the audit log', async () => {
    const { engine, audit } = makeEngine({ now: () => new Date('2025-01-02T03:04:05Z') });
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'notify', data: { name: 'web-3' } });
    expect(out.callback).toEqual({ action: 'http', ok: true, status: 200 });
    expect(JSON.parse(hook.seen.at(-1)!.body)).toEqual({ rule: 'web-3', at: '2025-01-02T03:04:05.000Z' });
    const records = audit.ofType('http.request').filter((e) => e.detail?.callback === 'http');
    expect(records.map((r) => r.outcome)).toEqual(['started', 'success']);
    expect(records[0]?.http?.url).toBe(`http://127.0.0.1:${hook.port}/hook`);
  });

  it('a failing callback is VNF_ERR_CALLBACK_FAILED with the operation result still in the details', async () => {
    const saved = hook.handler;
    hook.handler = () => ({ status: 500, body: { error: 'down' } });
    try {
      const { engine } = makeEngine();
      const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'notify', data: { name: 'web-4' } }));
      expect(e.code).toBe('VNF_ERR_CALLBACK_FAILED');
      expect(e.details).toMatchObject({ result: { uuid: 'uuid-web-4' }, callback: { action: 'http', ok: false, status: 500 } });
    } finally {
      hook.handler = saved;
    }
  });

  it('a cloudstack-api callback without an endpoint fails clearly, never pretends success', async () => {
    const { engine } = makeEngine();
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'notify_cs' }));
    expect(e.code).toBe('VNF_ERR_CALLBACK_FAILED');
    expect(e.details).toMatchObject({ result: { status: 'ok' }, callback: { action: 'cloudstack-api', ok: false, error: { code: 'VNF_ERR_CS_REQUEST_INVALID' } } });
    expect(JSON.stringify(e.details)).not.toContain('cs-secret-key-1');
  });
});

describe('workflow engine: audit log', () => {
  it('every command and request carries the request/job ids and principal; the chain verifies; no secret on disk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-wf-audit-'));
    try {
      const file = join(dir, 'audit.log');
      const log = openAuditLog({ file });
      const { engine } = makeEngine({}, log);
      const ids = { requestId: 'req-42', jobId: 'job-7', principal: { subject: 'CN=cloudstack', fingerprint: 'AB:CD' } };
      await engine.runOperation({ dictionary, appliance: appliance(), service: 'Cli', operation: 'version', ...ids });
      await engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'create_and_read', data: { name: 'web-5' }, ...ids });
      log.close();
      expect((await verifyAuditLog([file])).ok).toBe(true);
      const records = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
      const sent = records.filter((r) => r.type === 'ssh.command' || r.type === 'http.request');
      expect(sent.length).toBeGreaterThanOrEqual(6);
      for (const r of sent) expect(r, JSON.stringify(r)).toMatchObject({ request_id: 'req-42', job_id: 'job-7', principal: { subject: 'CN=cloudstack' }, provider: 'test-api' });
      expect(records.filter((r) => r.type === 'operation.end').map((r) => r.outcome)).toEqual(['success', 'success']);
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain('Adm1n-pw');
      expect(text).not.toContain(Buffer.from('admin:Adm1n-pw').toString('base64'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('workflow engine: the API server contract', () => {
  it('satisfies the server OperationExecutor and runs a request shaped as the server builds it', async () => {
    const { engine } = makeEngine();
    const executor: OperationExecutor = engine;
    const out = await executor.runOperation({ dictionary, appliance: appliance(), principal: { subject: 'CN=cs' }, requestId: 'srv-1',
      signal: new AbortController().signal, service: 'Rules', operation: 'status', data: {} }) as { ok: boolean; result: unknown };
    expect(out).toMatchObject({ ok: true, result: { status: 'ok' } });
  });
});
