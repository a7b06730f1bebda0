import { Agent } from 'node:https';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APPLIANCE, call, removeDir, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness({ limits: { max_body_bytes: 8192 } }); });
afterAll(async () => { await h.close(); removeDir(h.dir); });

const VALID = { appliance: APPLIANCE, service: 'Routing', operation: 'add_route', data: { network: '198.51.100.0/24', next_hop: '203.0.113.1' }, dry_run: true };

/** Mutations of a valid body: a field replaced by arbitrary JSON, deep in the appliance or the data. */
const mutated = fc.record({
  path: fc.constantFrom(['service'], ['operation'], ['data'], ['data', 'network'], ['appliance'], ['appliance', 'management'], ['appliance', 'credentials', 'password'], ['appliance', 'jump'], ['appliance', 'provider'], ['async'], ['dry_run'], ['appliance', 'cs_data']),
  value: fc.jsonValue({ maxDepth: 4 }),
}).map(({ path, value }) => {
  const body = structuredClone(VALID) as Record<string, unknown>;
  let target = body;
  for (const seg of path.slice(0, -1)) target = (target[seg] ??= {}) as Record<string, unknown>;
  target[path[path.length - 1] ?? 'x'] = value;
  return JSON.stringify(body);
});

const bodies = fc.oneof(
  fc.constant(JSON.stringify(VALID)),
  fc.string({ maxLength: 200 }),
  fc.json({ maxDepth: 5 }),
  mutated,
  mutated.map((s) => s.slice(0, Math.max(1, Math.floor(s.length / 2)))),
  fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1')),
);

describe('fuzzing the operations route', () => {
  it('300 random and mutated bodies: never a crash, never a 5xx other than 503', async () => {
    const statuses = new Map<number, number>();
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: h.pki.ca.certPem, cert: h.pki.admin.cert, key: h.pki.admin.key });
    await fc.assert(fc.asyncProperty(bodies, fc.constantFrom('/v1/operations', '/v1/healthchecks', '/v1/bootstrap'), async (body, path) => {
      const reply = await call(h, 'POST', path, { body, contentType: 'application/json', agent });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
      expect(reply.status >= 500 && reply.status !== 503).toBe(false);
      if (reply.status >= 400) expect(reply.json().request_id).toBe(reply.headers['x-request-id']);
      expect(reply.text).not.toContain('s3cret-pw');
    }), { numRuns: 300, seed: 20261123 }).finally(() => agent.destroy());
    // the server is still healthy and some inputs got through validation
    expect((await call(h, 'GET', '/v1/providers')).status).toBe(200);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
  }, 60_000);
});
