import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../../src/certs/index.js';
import { JobStore } from '../../../src/server/index.js';
import { APPLIANCE, call, removeDir, sleepUnlessAborted, startHarness, type Harness } from './harness.js';

const cleanup: Harness[] = [];
afterAll(async () => {
  for (const h of cleanup) {
    await h.close();
    removeDir(h.dir);
  }
});

const ROUTE = { service: 'Routing', operation: 'add_route', data: { network: '198.51.100.0/24', next_hop: '203.0.113.1' } };

describe('server lifecycle', () => {
  it('reload swaps the server certificate for new connections; an open connection keeps working', async () => {
    const h = await startHarness();
    cleanup.push(h);
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: h.pki.ca.certPem, cert: h.pki.admin.cert, key: h.pki.admin.key });
    try {
      const before = await call(h, 'GET', '/v1/openapi.json', { agent });
      expect(before.peerFingerprint).toBe(h.pki.server.fingerprint256);
      const next = await issueCertificate({ ca: h.pki.ca, kind: 'server', cn: 'broker-renewed.test', sans: ['127.0.0.1'] });
      writeFileSync(join(h.dir, 'tls', 'server.pem'), next.certPem);
      writeFileSync(join(h.dir, 'tls', 'server-key.pem'), next.keyPem ?? '');
      h.server.reload();
      const reused = await call(h, 'GET', '/v1/providers', { agent });
      expect(reused.status).toBe(200);
      expect(reused.peerFingerprint).toBe(h.pki.server.fingerprint256); // same connection, old context
      const fresh = await call(h, 'GET', '/v1/providers');
      expect(fresh.status).toBe(200);
      expect(fresh.peerFingerprint).not.toBe(h.pki.server.fingerprint256);
      // a broken key keeps the current material in use
      writeFileSync(join(h.dir, 'tls', 'server-key.pem'), 'not a key');
      expect(() => h.server.reload()).toThrow(/tls/);
      expect((await call(h, 'GET', '/v1/providers')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('unfinished jobs of a previous run are reported as interrupted after a restart', async () => {
    const h = await startHarness();
    await h.close();
    // the previous process crashed with a job running: only its journal remains
    const crashed = JobStore.open(join(h.dir, 'jobs'), 60_000);
    const job = crashed.create({ kind: 'operation', owner: h.pki.admin.fingerprint256, request_id: 'r-1', appliance: 'vm-1' });
    crashed.start(job.id);
    const queued = crashed.create({ kind: 'bootstrap', owner: h.pki.admin.fingerprint256, request_id: 'r-2' });
    const finished = crashed.create({ kind: 'healthchecks', owner: h.pki.admin.fingerprint256, request_id: 'r-3' });
    crashed.succeed(finished.id, { ok: true });
    const restarted = await startHarness({}, h.dir);
    cleanup.push(restarted);
    expect(restarted.server.jobs.interruptedAtOpen).toBe(2);
    for (const id of [job.id, queued.id]) {
      const reply = await call(restarted, 'GET', `/v1/jobs/${id}`);
      expect(reply.json()).toMatchObject({ status: 'interrupted', error: { code: 'VNF_ERR_JOB_INTERRUPTED', retryable: true } });
    }
    expect((await call(restarted, 'GET', `/v1/jobs/${finished.id}`)).json()).toMatchObject({ status: 'succeeded', result: { ok: true } });
    const onDisk = JSON.parse(readFileSync(join(h.dir, 'jobs', `${job.id}.json`), 'utf8')) as { status: string };
    expect(onDisk.status).toBe('interrupted');
  });

  it('finished jobs are dropped after the retention', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const dir = join(cleanup[0]?.dir ?? '/tmp', 'retention-jobs');
    const store = JobStore.open(dir, 1000, () => new Date(now));
    const job = store.create({ kind: 'operation', owner: 'x', request_id: 'r' });
    store.succeed(job.id, 1);
    now += 500;
    expect(store.prune()).toBe(0);
    now += 1000;
    expect(store.prune()).toBe(1);
    expect(store.get(job.id)).toBeUndefined();
    expect(existsSync(join(dir, `${job.id}.json`))).toBe(false);
  });

  it('shutdown drains in-flight work, then aborts the rest (jobs → interrupted) and closes everything', async () => {
    let onCloseCalls = 0;
    const h = await startHarness({ timeouts: { drain_ms: 400 } }, undefined, { onClose: () => { onCloseCalls += 1; } });
    cleanup.push(h);
    h.executor.behaviour = (c) => sleepUnlessAborted(c.kind === 'bootstrap' ? 10_000 : 200, c.request.signal).then(() => ({ done: c.kind }));
    const job = (await call(h, 'POST', '/v1/bootstrap', { body: { appliance: APPLIANCE } })).json();
    await sleep(50);
    const sync = call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE } });
    await sleep(50);
    const ready = async (): Promise<number> => (await fetch(`http://127.0.0.1:${h.metricsPort}/readyz`)).status;
    expect(await ready()).toBe(200);
    const started = Date.now();
    const closing = h.close();
    expect((await sync).json()).toEqual({ result: { done: 'operation' } }); // finished within the drain
    await closing;
    expect(Date.now() - started).toBeLessThan(3000);
    const journal = JSON.parse(readFileSync(join(h.dir, 'jobs', `${String(job.job_id)}.json`), 'utf8')) as { status: string };
    expect(journal.status).toBe('interrupted');
    expect(onCloseCalls).toBe(1);
    await expect(call(h, 'GET', '/v1/providers')).rejects.toThrow();
    await expect(ready()).rejects.toThrow();
  });

  it('serves /healthz, /readyz and Prometheus /metrics on the loopback listener', async () => {
    const h = await startHarness();
    cleanup.push(h);
    await call(h, 'POST', '/v1/operations', { body: { appliance: APPLIANCE, ...ROUTE } });
    await call(h, 'GET', '/v1/nope');
    h.server.metrics.registerGauge('pool_connections', 'Pooled SSH connections.', () => [{ labels: { state: 'idle' }, value: 3 }]);
    const base = `http://127.0.0.1:${h.metricsPort}`;
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ ready: true });
    const res = await fetch(`${base}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('vnf_broker_operations_total{provider="testvnf",service="Routing",operation="add_route",outcome="success"} 1');
    expect(text).toMatch(/vnf_broker_operation_duration_seconds_bucket\{provider="testvnf",service="Routing",operation="add_route",le="\+Inf"\} 1/);
    expect(text).toContain('vnf_broker_http_requests_total{route="unmatched",status="404"} 1');
    expect(text).toContain('vnf_broker_jobs{state="running"} 0');
    expect(text).toContain('vnf_broker_audit_write_failures_total 0');
    expect(text).toContain('vnf_broker_pool_connections{state="idle"} 3');
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('refuses a metrics listener that is not on loopback', async () => {
    await expect(startHarness({ metrics: { listen: '0.0.0.0:0' } })).rejects.toMatchObject({ code: 'VNF_ERR_CONFIG_INVALID' });
  });

  it('a failing audit log refuses reads (503) and counts the failure', async () => {
    const h = await startHarness();
    cleanup.push(h);
    h.audit.close();
    const reply = await call(h, 'GET', '/v1/providers');
    expect(reply.status).toBe(503);
    expect(reply.json().code).toBe('VNF_ERR_AUDIT_WRITE');
    const denied = await call(h, 'GET', '/v1/providers', { identity: h.pki.unmapped });
    expect(denied.status).toBe(503);
    const text = await (await fetch(`http://127.0.0.1:${h.metricsPort}/metrics`)).text();
    expect(Number(/vnf_broker_audit_write_failures_total (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
  });
});
