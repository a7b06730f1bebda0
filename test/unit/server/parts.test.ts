import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import { IdempotencyStore } from '../../../src/server/idempotency.js';
import { ConcurrencyLimiter } from '../../../src/server/limiter.js';
import { Metrics, toProblem } from '../../../src/server/index.js';

describe('metrics text format', () => {
  it('escapes label values and renders histogram buckets cumulatively', () => {
    const m = new Metrics();
    m.operation({ provider: 'a"b\\c\nd', service: 's', operation: 'o', outcome: 'success' }, 0.02);
    m.operation({ provider: 'p', service: 's', operation: 'o', outcome: 'success' }, 3);
    const text = m.render();
    expect(text).toContain('vnf_broker_operations_total{provider="a\\"b\\\\c\\nd",service="s",operation="o",outcome="success"} 1');
    expect(text).toContain('vnf_broker_operation_duration_seconds_bucket{provider="p",service="s",operation="o",le="2.5"} 0');
    expect(text).toContain('vnf_broker_operation_duration_seconds_bucket{provider="p",service="s",operation="o",le="5"} 1');
    expect(text).toContain('vnf_broker_operation_duration_seconds_sum{provider="p",service="s",operation="o"} 3');
    expect(() => m.registerGauge('bad name', 'x', () => 1)).toThrow();
    m.registerGauge('broken', 'throws', () => { throw new Error('x'); });
    expect(m.render()).not.toContain('vnf_broker_broken');
  });
});

describe('concurrency limiter', () => {
  it('queues in order, times out waiters, and fails them on close', async () => {
    const limiter = new ConcurrencyLimiter(1, 2);
    const release = await limiter.acquire(0);
    await expect(limiter.acquire(0)).rejects.toMatchObject({ code: 'VNF_ERR_POOL_BUSY' });
    await expect(limiter.acquire(20)).rejects.toMatchObject({ code: 'VNF_ERR_POOL_BUSY' });
    const waiting = limiter.acquire();
    release();
    const second = await waiting;
    expect(limiter.inFlight).toBe(1);
    const pending = limiter.acquire();
    limiter.close(new VnfError('VNF_ERR_API_SHUTTING_DOWN', 'bye'));
    await expect(pending).rejects.toMatchObject({ code: 'VNF_ERR_API_SHUTTING_DOWN' });
    second();
    expect(limiter.inFlight).toBe(0);
  });
});

describe('idempotency store', () => {
  it('replays, conflicts, forgets 503 outcomes, and expires', async () => {
    let now = 0;
    const store = new IdempotencyStore(1000, () => now);
    let runs = 0;
    const work = () => { runs += 1; return Promise.resolve({ status: 200, body: { runs } }); };
    expect(store.run('p', 'k', 'h1', work).replayed).toBe(false);
    const again = store.run('p', 'k', 'h1', work);
    expect(again.replayed).toBe(true);
    expect(await again.outcome).toEqual({ status: 200, body: { runs: 1 } });
    expect(() => store.run('p', 'k', 'h2', work)).toThrow(expect.objectContaining({ code: 'VNF_ERR_API_IDEMPOTENCY_CONFLICT' }) as Error);
    expect(store.run('q', 'k', 'h2', work).replayed).toBe(false);
    await store.run('p', 'busy', 'h', () => Promise.resolve({ status: 503 })).outcome;
    await sleep(0);
    expect(store.run('p', 'busy', 'h', work).replayed).toBe(false);
    now = 5000;
    expect(store.run('p', 'k', 'h2', work).replayed).toBe(false);
  });
});

describe('problem responses', () => {
  it('never reveal internal causes and pass only scalar details', () => {
    const internal = toProblem(new Error('ENOENT /etc/secret'), 'r1');
    expect(internal).toMatchObject({ status: 500, code: 'VNF_ERR_BROKER_INTERNAL', request_id: 'r1' });
    expect(JSON.stringify(internal)).not.toContain('secret');
    const p = toProblem(new VnfError('VNF_ERR_DATA_INVALID', 'bad', { details: [{ field: 'a', problem: 'x', nested: { v: 1 } }] }), 'r2');
    expect(p.errors).toEqual([{ field: 'a', problem: 'x' }]);
    expect(p.type).toBe('urn:vnf-broker:problem:VNF_ERR_DATA_INVALID');
  });
});
