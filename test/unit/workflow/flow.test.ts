// Multi-step flow over the HTTPS fake: save_as → {{steps.NAME.FIELD}}, when: with version helpers,
// response.already (convergence), expected_status, retry on a busy answer, on_failure compensation.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isVnfError, type VnfError } from '../../../src/errors.js';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { startApiFake, type ApiFake, type Handler } from './api-fake.js';
import { applianceFor, closePools, dictionaryFrom, makeEngine } from './engine-helpers.js';

const DICT = `
name: flow-test
connections:
  api: { type: https, host: "{{get_cs_data.mgmt_ip}}", port: 443, username: "{{get_cs_data.username}}", password: "{{get_cs_data.password}}", verify_ssl: false, timeout: 5 }
services:
  Rules:
    data:
      name: { type: string, required: true }
    create_read:
      steps:
        - save_as: created
          method: PUT
          url: /rest/rules
          body: '{"name": "{{get_data.name}}"}'
          response: { transform: { id: "$['.id']" } }
        - url: "/rest/rules/{{steps.created.id}}"
          response: { transform: { name: "$.name", id: "$['.id']" } }
    branch_on_saved:
      steps:
        - save_as: found
          url: /api/lookup
          response: { transform: { exists: "$.exists", version: "$.version" } }
        - method: POST
          url: /api/apply
          body: '{"mode": "{{#if steps.found.exists}}replace{{else}}create{{/if}}", "new": "{{#if (version_gte steps.found.version ''1.5'')}}yes{{else}}no{{/if}}"}'
    create_idempotent:
      method: POST
      url: /restconf/data/acl
      body: '{"name": "{{get_data.name}}"}'
      response:
        expected_status: [201, 204]
        already:
          - { status: 409, json: { "$['ietf-restconf:errors'].error[0]['error-tag']": data-exists } }
          - { status: 500, json: { "$.error": -5 } }
    create_busy:
      method: POST
      url: /retrieve
      body: '{"op": "set", "name": "{{get_data.name}}"}'
      retry: { on_status: [503, 504], on_output: 'configuration is locked', attempts: 3, interval: 0.05 }
      response: { transform: { ok: "$.success" } }
    add_rule:
      steps:
        - save_as: ver
          url: /api/core/firmware/status
          response: { transform: { version: "$.product_version" } }
        - save_as: sp
          when: "version_lt steps.ver.version '26.7'"
          method: POST
          url: /api/firewall/filter/savepoint
          response: { transform: { revision: "$.revision" } }
        - method: POST
          url: /api/firewall/filter/add_rule
          body: '{"rule": {"description": "{{get_data.name}}"}}'
          response: { transform: { uuid: "$.uuid" } }
        - when: steps.sp.revision
          method: POST
          url: "/api/firewall/filter/apply/{{steps.sp.revision}}"
        - when: "version_gte steps.ver.version '26.7'"
          method: POST
          url: /api/firewall/filter/apply
        - when: steps.sp.revision
          method: POST
          url: "/api/firewall/filter/cancel_rollback/{{steps.sp.revision}}"
    apply_checked:
      steps:
        - save_as: backup
          method: POST
          url: /api/core/backup/this
          response: { transform: { id: "$.id" } }
        - method: POST
          url: /api/firewall/filter/apply
          on_failure:
            - method: POST
              url: "/api/core/backup/revert_backup/{{steps.backup.id}}"
        - url: /api/health
    echo_object:
      steps:
        - save_as: first
          url: /api/object
        - url: "/api/echo/{{steps.first.nested}}"
    echo_json:
      steps:
        - save_as: first
          url: /api/object
        - method: POST
          url: /api/echo
          body: '{"description": "{{steps.first.text}}", "count": {{steps.first.count}}}'
`;

const dictionary = dictionaryFrom(DICT);
const certs = new CertFactory();
const cert = certs.selfSigned();
let api: ApiFake;
const appliance = () => applianceFor({ httpsPort: api.port, fingerprint256: cert.fingerprint256 });
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};
const run = (operation: string, data: Record<string, unknown> = { name: 'web' }) =>
  makeEngine().engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation, data });
const serve = (h: Handler): void => {
  api.handler = h;
  api.seen.length = 0;
};

beforeAll(async () => {
  api = await startApiFake(() => ({ status: 404 }), cert);
});
afterEach(closePools);
afterAll(async () => {
  await api.close();
  certs.cleanup();
});

describe('steps: a later step uses what an earlier one saved', () => {
  it('a create returning an id, then a read-back by that id (percent-encoded in the URL)', async () => {
    serve((req) => req.method === 'PUT' ? { status: 201, body: { '.id': '*1A/x' } } : { body: { '.id': '*1A/x', name: 'web' } });
    const out = await run('create_read');
    expect(api.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['PUT /rest/rules', 'GET /rest/rules/*1A%2Fx']);
    expect(out.result).toEqual({ id: '*1A/x', name: 'web' });
    expect(out.steps[0]).toMatchObject({ save_as: 'created', status: 201 });
  });

  it('a condition in a body on a saved value is decided with the real value, not the plan placeholder', async () => {
    serve((req) => req.url === '/api/lookup' ? { body: { exists: false, version: '1.4.2' } } : { body: {} });
    await run('branch_on_saved');
    expect(JSON.parse(api.seen[1]!.body)).toEqual({ mode: 'create', new: 'no' });
    serve((req) => req.url === '/api/lookup' ? { body: { exists: true, version: '1.5.0' } } : { body: {} });
    await run('branch_on_saved');
    expect(JSON.parse(api.seen[1]!.body)).toEqual({ mode: 'replace', new: 'yes' });
  });

  it('a saved value lands JSON-escaped in a body; numbers stay numbers', async () => {
    serve((req) => req.url === '/api/object' ? { body: { text: 'a"b}, "x": {"y', count: 3 } } : { body: { ok: true } });
    await run('echo_json');
    expect(JSON.parse(api.seen[1]!.body)).toEqual({ description: 'a"b}, "x": {"y', count: 3 });
  });

  it('a saved object or list is refused where it would be printed, before that step is sent', async () => {
    serve(() => ({ body: { nested: { a: 1 } } }));
    const e = await failure(run('echo_object'));
    expect(e.code).toBe('VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(e.message).toContain('steps.first.nested');
    expect(e.message).toContain('an object');
    expect(api.seen).toHaveLength(1);
  });

  it('dry run shows placeholders for values of earlier steps, marks them deferred, sends nothing', async () => {
    serve(() => ({ status: 500 }));
    const plan = await makeEngine().engine.runOperation({ dictionary, appliance: appliance(), service: 'Rules', operation: 'add_rule', data: { name: 'w' }, dryRun: true });
    expect(plan.steps[0]).toMatchObject({ save_as: 'ver', method: 'GET' });
    expect(plan.steps[1]).toMatchObject({ save_as: 'sp', when: "version_lt steps.ver.version '26.7'" });
    expect(plan.steps[3]).toMatchObject({ deferred: true, when: 'steps.sp.revision', url: `https://127.0.0.1:${api.port}/api/firewall/filter/apply/<steps.sp.revision>` });
    expect(api.seen).toHaveLength(0);
  });
});

describe('when: version branching', () => {
  const opnsense = (version: string): Handler => (req) => {
    if (req.url === '/api/core/firmware/status') return { body: { product_version: version } };
    if (req.url === '/api/firewall/filter/savepoint') return { body: { status: 'ok', revision: '1718.25' } };
    if (req.url === '/api/firewall/filter/add_rule') return { body: { result: 'saved', uuid: 'u-1' } };
    return { body: { status: 'ok' } };
  };

  it('26.1: savepoint → apply(revision) → cancel_rollback; the plain apply is skipped', async () => {
    serve(opnsense('26.1.9_2'));
    const out = await run('add_rule');
    expect(api.seen.map((r) => r.url)).toEqual(['/api/core/firmware/status', '/api/firewall/filter/savepoint', '/api/firewall/filter/add_rule',
      '/api/firewall/filter/apply/1718.25', '/api/firewall/filter/cancel_rollback/1718.25']);
    expect(out.steps.map((s) => s.skipped ?? false)).toEqual([false, false, false, false, true, false]);
    expect(out.result).toEqual({ version: '26.1.9_2', revision: '1718.25', uuid: 'u-1' });
  });

  it('26.7 (no savepoint): the savepoint steps are skipped and apply takes no revision', async () => {
    serve(opnsense('26.7'));
    const out = await run('add_rule');
    expect(api.seen.map((r) => r.url)).toEqual(['/api/core/firmware/status', '/api/firewall/filter/add_rule', '/api/firewall/filter/apply']);
    expect(out.steps.filter((s) => s.skipped).map((s) => s.save_as ?? '-')).toEqual(['sp', '-', '-']);
    expect(out.result).toEqual({ version: '26.7', uuid: 'u-1' });
  });

  it('a version that is not one is an error, not a silent branch', async () => {
    serve(opnsense('unknown'));
    const e = await failure(run('add_rule'));
    expect(e.message).toContain('steps.ver.version is not a version');
    expect(api.seen).toHaveLength(1);
  });
});

describe('response.expected_status and response.already', () => {
  it('409 data-exists converges: the step succeeds with {already: true}', async () => {
    serve(() => ({ status: 409, body: { 'ietf-restconf:errors': { error: [{ 'error-tag': 'data-exists', 'error-message': 'object exists' }] } } }));
    const out = await run('create_idempotent');
    expect(out.result).toEqual({ already: true });
    expect(out.steps[0]).toMatchObject({ status: 409, already: true });
  });

  it('500 with internal error -5 converges too; another 500 fails', async () => {
    serve(() => ({ status: 500, body: { status: 'error', http_status: 500, error: -5 } }));
    expect((await run('create_idempotent')).result).toEqual({ already: true });
    serve(() => ({ status: 500, body: { status: 'error', error: -3 } }));
    const e = await failure(run('create_idempotent'));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(e.details).toMatchObject({ status: 500 });
  });

  it('a 2xx outside expected_status is an error; a listed one is parsed', async () => {
    serve(() => ({ status: 200, body: { ok: true } }));
    const e = await failure(run('create_idempotent'));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(e.message).toContain('expected 201, 204');
    serve(() => ({ status: 201, body: { ok: true } }));
    expect((await run('create_idempotent')).result).toEqual({ ok: true });
  });
});

describe('retry on a busy appliance', () => {
  it('a 503 is retried, then the step succeeds; attempts are reported', async () => {
    serve((_req, n) => (n < 3 ? { status: 503, body: { success: false } } : { body: { success: true } }));
    const out = await run('create_busy');
    expect(api.seen).toHaveLength(3);
    expect(out.steps[0]).toMatchObject({ attempts: 3, status: 200 });
    expect(out.result).toEqual({ ok: true });
  });

  it('a busy answer recognised by its output (200 with a lock message) is retried too', async () => {
    serve((_req, n) => (n === 1 ? { body: { success: false, error: 'configuration is locked by another session' } } : { body: { success: true } }));
    expect((await run('create_busy')).steps[0]).toMatchObject({ attempts: 2 });
  });

  it('when every attempt is busy the last answer decides: VNF_ERR_HTTP_STATUS 504', async () => {
    serve(() => ({ status: 504 }));
    const e = await failure(run('create_busy'));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(api.seen).toHaveLength(3);
  });

  it('the wait between attempts ends at the run deadline', async () => {
    const slow = dictionaryFrom(DICT.replace('interval: 0.05', 'interval: 30'));
    serve(() => ({ status: 503 }));
    const started = Date.now();
    const e = await failure(makeEngine().engine.runOperation({ dictionary: slow, appliance: appliance(), service: 'Rules', operation: 'create_busy', data: { name: 'x' }, deadlineMs: 400 }));
    expect(e.code).toBe('VNF_ERR_WORKFLOW_DEADLINE');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(api.seen).toHaveLength(1);
  });
});

describe('on_failure compensation', () => {
  it('a failing later step runs the compensation with the saved value; the error keeps its code and says what ran', async () => {
    serve((req) => {
      if (req.url === '/api/core/backup/this') return { body: { id: 'config-1718.xml' } };
      if (req.url === '/api/health') return { status: 502 };
      return { body: { status: 'ok' } };
    });
    const e = await failure(run('apply_checked'));
    expect(e.code).toBe('VNF_ERR_HTTP_STATUS');
    expect(api.seen.map((r) => r.url)).toEqual(['/api/core/backup/this', '/api/firewall/filter/apply', '/api/health', '/api/core/backup/revert_backup/config-1718.xml']);
    expect(e.details).toMatchObject({ status: 502, failed_step: 3, compensation: [{ step: 2, ok: true, steps: [{ status: 200 }] }] });
  });

  it('no compensation runs when the steps succeed, or when the failing step is the one that declares it', async () => {
    serve(() => ({ body: { id: 'b1' } }));
    await run('apply_checked');
    expect(api.seen).toHaveLength(3);
    serve((req) => (req.url === '/api/firewall/filter/apply' ? { status: 500 } : { body: { id: 'b1' } }));
    const e = await failure(run('apply_checked'));
    expect(api.seen).toHaveLength(2);
    expect(e.details).not.toHaveProperty('compensation');
  });
});
