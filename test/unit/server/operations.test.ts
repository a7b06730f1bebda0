import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import type { OperationRequest } from '../../../src/server/index.js';
import { APPLIANCE, call, removeDir, sleepUnlessAborted, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ limits: { max_concurrent_operations: 2, queue_wait_ms: 200, max_body_bytes: 4096 } }); });
afterAll(async () => { await h.close(); removeDir(h.dir); });
beforeEach(() => {
  h.executor.calls = [];
  h.executor.behaviour = (c) => Promise.resolve({ ok: true, kind: c.kind });
});

const ROUTE = { service: 'Routing', operation: 'add_route', data: { network: '198.51.100.0/24', next_hop: '203.0.113.1', auth_key: 'topsecret-key' } };

async function waitForJob(id: string, done = (s: string) => s !== 'queued' && s !== 'running'): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const job = (await call(h, 'GET', `/v1/jobs/${id}`)).json();
    if (done(String(job.status))) return job;
    await sleep(20);
  }
  throw new Error('job did not finish');
}

describe('operations API', () => {
  it('dry_run returns the rendered plan with secrets redacted and calls no executor', async () => {
    const reply = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE, dry_run: true } });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ dry_run: true, steps: [{ connection: 'cli', transport: 'ssh', commands: ['ip route 198.51.100.0/24 203.0.113.1', 'key ***'] }] });
    const http = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, service: 'Objects', operation: 'create', data: { name: 'a' }, dry_run: true } });
    expect(http.text).not.toContain('apisecret-456');
    expect(http.json()).toMatchObject({ steps: [{ transport: 'https', method: 'POST', url: 'https://203.0.113.10:443/api/objects', headers: { Authorization: 'Basic ***' } }] });
    expect(h.executor.calls).toHaveLength(0);
  });

  it('runs synchronously through the executor with validated data', async () => {
    const reply = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE } });
    expect(reply.status).toBe(200);
    expect(reply.json()).toEqual({ result: { ok: true, kind: 'operation' } });
    expect(h.executor.calls).toHaveLength(1);
    const req = h.executor.calls[0]?.request as OperationRequest;
    expect(req).toMatchObject({ service: 'Routing', operation: 'add_route', data: ROUTE.data, principal: { subject: 'admin-client' }, requestId: reply.headers['x-request-id'] });
    expect(req.appliance.id).toBe('vm-1');
    expect(req.dictionary.dictionary.name).toBe('testvnf');
    expect(req.signal).toBeInstanceOf(AbortSignal);
  });

  it('reports executor failures as problems without leaking causes', async () => {
    h.executor.behaviour = () => Promise.reject(new VnfError('VNF_ERR_SSH_AUTH', 'SSH authentication was refused by 203.0.113.10'));
    const reply = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE } });
    expect(reply.status).toBe(502);
    expect(reply.json()).toMatchObject({ code: 'VNF_ERR_SSH_AUTH', type: 'urn:vnf-broker:problem:VNF_ERR_SSH_AUTH' });
    h.executor.behaviour = () => Promise.reject(new Error('boom at /secret/path with s3cret-pw'));
    const internal = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE } });
    expect(internal.status).toBe(500);
    expect(internal.text).not.toMatch(/boom|s3cret|stack|at /);
  });

  it('runs async as a job: 202, then queued/running → succeeded with the result', async () => {
    let release!: () => void;
    h.executor.behaviour = () => new Promise((resolve) => { release = () => resolve({ rule_id: 42 }); });
    const reply = await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE, async: true } });
    expect(reply.status).toBe(202);
    const jobId = String(reply.json().job_id);
    expect(reply.headers.location).toBe(`/v1/jobs/${jobId}`);
    const running = await waitForJob(jobId, (s) => s === 'running');
    expect(running).toMatchObject({ kind: 'operation', appliance: 'vm-1', provider: 'testvnf', service: 'Routing', operation: 'add_route' });
    release();
    const done = await waitForJob(jobId);
    expect(done).toMatchObject({ status: 'succeeded', result: { rule_id: 42 } });
    expect(done.owner).toBeUndefined();
    expect(h.executor.calls[0]?.request.jobId).toBe(jobId);
  });

  it('a failed job carries the error code; other clients cannot see it', async () => {
    h.executor.behaviour = () => Promise.reject(new VnfError('VNF_ERR_HEALTHCHECK_FAILED', 'check version did not pass'));
    const reply = await call(h, 'POST', '/v1/healthchecks', { identity: h.pki.operator, body: { appliance: APPLIANCE, async: true } });
    const job = await (async () => {
      for (let i = 0; i < 100; i++) {
        const j = (await call(h, 'GET', `/v1/jobs/${String(reply.json().job_id)}`, { identity: h.pki.operator })).json();
        if (j.status === 'failed') return j;
        await sleep(20);
      }
      throw new Error('no failure');
    })();
    expect(job).toMatchObject({ kind: 'healthchecks', error: { code: 'VNF_ERR_HEALTHCHECK_FAILED', retryable: true } });
    // the admin sees every job; the auditor has no access to jobs
    expect((await call(h, 'GET', `/v1/jobs/${String(job.id)}`)).status).toBe(200);
    expect((await call(h, 'GET', `/v1/jobs/${String(job.id)}`, { identity: h.pki.auditor })).status).toBe(403);
    expect((await call(h, 'GET', '/v1/jobs/00000000-0000-0000-0000-000000000000')).json()).toMatchObject({ status: 404, code: 'VNF_ERR_JOB_NOT_FOUND' });
  });

  it('health checks run synchronously; bootstrap is always a job', async () => {
    const health = await call(h, 'POST', '/v1/healthchecks', { body: { appliance: APPLIANCE } });
    expect(health.json()).toEqual({ result: { ok: true, kind: 'healthchecks' } });
    const boot = await call(h, 'POST', '/v1/bootstrap', { body: { appliance: APPLIANCE } });
    expect(boot.status).toBe(202);
    expect(await waitForJob(String(boot.json().job_id))).toMatchObject({ kind: 'bootstrap', status: 'succeeded' });
  });

  it('Idempotency-Key: the same body runs once (also while running); another body is 409', async () => {
    h.executor.behaviour = async () => { await sleep(150); return { n: h.executor.calls.length }; };
    const headers = { 'Idempotency-Key': 'op-1' };
    const body = { appliance: APPLIANCE, ...ROUTE };
    const [a, b] = await Promise.all([call(h, 'POST', '/v1/operations', { body, headers }), call(h, 'POST', '/v1/operations', { body, headers })]);
    const c = await call(h, 'POST', '/v1/operations', { body, headers });
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(b.json()).toEqual(a.json());
    expect(c.json()).toEqual(a.json());
    expect(c.headers['idempotent-replayed']).toBe('true');
    expect(h.executor.calls).toHaveLength(1);
    const conflict = await call(h, 'POST', '/v1/operations', { body: { ...body, data: { ...ROUTE.data, next_hop: '203.0.113.2' } }, headers });
    expect(conflict.status).toBe(409);
    expect(conflict.json().code).toBe('VNF_ERR_API_IDEMPOTENCY_CONFLICT');
    // keys are per principal: the operator's 'op-1' is a different key
    expect((await call(h, 'POST', '/v1/operations', { body, headers, identity: h.pki.operator })).status).toBe(200);
    expect(h.executor.calls).toHaveLength(2);
  });

  it('Idempotency-Key on an async job returns the same job id', async () => {
    const headers = { 'Idempotency-Key': 'job-1' };
    const body = { appliance: APPLIANCE, ...ROUTE, async: true };
    const first = await call(h, 'POST', '/v1/operations', { body, headers });
    const second = await call(h, 'POST', '/v1/operations', { body, headers });
    expect(second.json().job_id).toBe(first.json().job_id);
    await waitForJob(String(first.json().job_id));
    expect(h.executor.calls).toHaveLength(1);
  });

  it('answers malformed input with the right 4xx problem', async () => {
    const post = (body: unknown, extra: { contentType?: string } = {}): ReturnType<typeof call> => call(h, 'POST', '/v1/operations', { body: body as string, ...extra });
    const cases: [Promise<Awaited<ReturnType<typeof call>>>, number, string][] = [
      [post('{"appliance": ', { contentType: 'application/json' }), 400, 'VNF_ERR_API_BAD_REQUEST'],
      [post({ appliance: APPLIANCE, service: 3, operation: 'x' }), 400, 'VNF_ERR_API_BAD_REQUEST'],
      [post({ appliance: APPLIANCE, ...ROUTE, extra: 1 }), 400, 'VNF_ERR_API_BAD_REQUEST'],
      [post('x'.repeat(5000), { contentType: 'application/json' }), 413, 'VNF_ERR_API_BODY_TOO_LARGE'],
      [post('{}', { contentType: 'text/plain' }), 415, 'VNF_ERR_API_MEDIA_TYPE'],
      [post({ appliance: { ...APPLIANCE, provider: 'nope' }, ...ROUTE }), 404, 'VNF_ERR_DICT_NOT_FOUND'],
      [post({ appliance: APPLIANCE, ...ROUTE, service: 'Nope' }), 404, 'VNF_ERR_DICT_SERVICE_NOT_FOUND'],
      [post({ appliance: APPLIANCE, ...ROUTE, operation: 'nope' }), 404, 'VNF_ERR_DICT_OPERATION_NOT_FOUND'],
      [post({ appliance: APPLIANCE, ...ROUTE, data: { network: 'not-a-cidr', next_hop: '203.0.113.1' } }), 400, 'VNF_ERR_DATA_INVALID'],
      [post({ appliance: { id: 'x', provider: 'testvnf', management: {} }, ...ROUTE }), 400, 'VNF_ERR_APPLIANCE_INVALID'],
      [post({ appliance: { ...APPLIANCE, credentials: { private_key_file: '/etc/shadow' } }, ...ROUTE }), 400, 'VNF_ERR_APPLIANCE_INVALID'],
      [call(h, 'GET', '/v1/nothing'), 404, 'VNF_ERR_API_NOT_FOUND'],
      [call(h, 'DELETE', '/v1/operations'), 405, 'VNF_ERR_API_METHOD_NOT_ALLOWED'],
    ];
    for (const [pending, status, code] of cases) {
      const reply = await pending;
      expect({ status: reply.status, code: reply.json().code }).toEqual({ status, code });
      expect(reply.headers['content-type']).toBe('application/problem+json');
      expect(reply.json().request_id).toBe(reply.headers['x-request-id']);
    }
    const invalid = await post({ appliance: APPLIANCE, ...ROUTE, data: { network: 'not-a-cidr', next_hop: '203.0.113.1' } });
    expect(invalid.json().errors).toEqual([{ field: 'network', problem: expect.any(String) as unknown }]);
    expect(invalid.text).not.toContain('not-a-cidr');
    expect((await call(h, 'DELETE', '/v1/operations')).headers.allow).toBe('POST');
    expect(h.executor.calls).toHaveLength(0);
  });

  it('limits operations in flight: 503 VNF_ERR_POOL_BUSY after the short queue', async () => {
    h.executor.behaviour = (c) => sleepUnlessAborted(600, c.request.signal).then(() => ({}));
    const body = { appliance: APPLIANCE, ...ROUTE };
    const replies = await Promise.all([1, 2, 3].map(() => call(h, 'POST', '/v1/operations', { body })));
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 503]);
    expect(replies.find((r) => r.status === 503)?.json()).toMatchObject({ code: 'VNF_ERR_POOL_BUSY', retryable: true });
    expect(h.executor.calls).toHaveLength(2);
  });
});
