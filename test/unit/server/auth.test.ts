import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, removeDir, startHarness, type Harness, type Identity } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); removeDir(h.dir); });

function auditRecords(): Record<string, unknown>[] {
  return readFileSync(h.config.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** A raw TLS connection: resolves 'refused' when the server rejects it, 'ok' when a request gets an answer. */
function tryHandshake(identity: Identity | null): Promise<'ok' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1', port: h.port, ca: h.pki.ca.certPem, servername: 'localhost',
      ...(identity ? { cert: identity.cert, key: identity.key } : {}),
    });
    let data = '';
    socket.on('secureConnect', () => socket.write('GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    socket.on('data', (d: Buffer) => { data += d.toString(); });
    socket.on('error', () => resolve('refused'));
    socket.on('close', () => resolve(data.startsWith('HTTP/1.1') ? 'ok' : 'refused'));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

async function metricsText(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${h.metricsPort}/metrics`)).text();
}

describe('mTLS', () => {
  it('refuses a handshake without a client certificate, from another CA, or expired; counts them', async () => {
    const before = Number(/vnf_broker_tls_handshake_failures_total (\d+)/.exec(await metricsText())?.[1]);
    expect(await tryHandshake(null)).toBe('refused');
    expect(await tryHandshake(h.pki.foreign)).toBe('refused');
    expect(await tryHandshake(h.pki.expired)).toBe('refused');
    expect(await tryHandshake(h.pki.admin)).toBe('ok');
    const after = Number(/vnf_broker_tls_handshake_failures_total (\d+)/.exec(await metricsText())?.[1]);
    expect(after - before).toBe(3);
  });

  it('an unmapped identity gets 403 and an auth.denied record', async () => {
    const reply = await call(h, 'GET', '/v1/providers', { identity: h.pki.unmapped });
    expect(reply.status).toBe(403);
    expect(reply.headers['content-type']).toBe('application/problem+json');
    const problem = reply.json();
    expect(problem).toMatchObject({ status: 403, code: 'VNF_ERR_AUTH_FORBIDDEN', request_id: reply.headers['x-request-id'] });
    const denied = auditRecords().find((r) => r.type === 'auth.denied' && r.request_id === problem.request_id);
    expect(denied).toMatchObject({ outcome: 'denied', principal: { subject: 'nobody', fingerprint: h.pki.unmapped.fingerprint256 }, detail: { reason: 'unmapped', path: '/v1/providers' } });
  });

  it('unmapped identities learn nothing about routes (403 before 404)', async () => {
    expect((await call(h, 'GET', '/no/such/route', { identity: h.pki.unmapped })).status).toBe(403);
  });

  it('an operator cannot change providers; the denial is audited', async () => {
    const reply = await call(h, 'PUT', '/v1/providers/x', { identity: h.pki.operator, body: 'name: x\n', contentType: 'application/yaml' });
    expect(reply.status).toBe(403);
    expect(auditRecords().some((r) => r.type === 'auth.denied' && r.request_id === reply.headers['x-request-id'] && (r.detail as { reason: string }).reason === 'role')).toBe(true);
    expect((await call(h, 'DELETE', '/v1/providers/testvnf', { identity: h.pki.operator })).status).toBe(403);
    expect((await call(h, 'GET', '/v1/providers', { identity: h.pki.operator })).status).toBe(200);
  });

  it('an auditor only reads the audit log (and the OpenAPI document)', async () => {
    expect((await call(h, 'GET', '/v1/audit', { identity: h.pki.auditor })).status).toBe(200);
    expect((await call(h, 'GET', '/v1/openapi.json', { identity: h.pki.auditor })).status).toBe(200);
    expect((await call(h, 'GET', '/v1/providers', { identity: h.pki.auditor })).status).toBe(403);
    expect((await call(h, 'POST', '/v1/operations', { identity: h.pki.auditor, body: {} })).status).toBe(403);
    expect((await call(h, 'GET', '/v1/audit', { identity: h.pki.operator })).status).toBe(403);
  });

  it('writes one api.request record per request with principal, method, path, status and request id', async () => {
    const reply = await call(h, 'GET', '/v1/providers/testvnf', { identity: h.pki.operator });
    expect(reply.status).toBe(200);
    const id = reply.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const records = auditRecords().filter((r) => r.request_id === id);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ type: 'api.request', outcome: 'success', principal: { subject: 'operator-client' }, detail: { method: 'GET', path: '/v1/providers/testvnf', status: 200 } });
  });

  it('the audit query is itself audited and filters by type and principal', async () => {
    const reply = await call(h, 'GET', '/v1/audit?type=auth.denied&principal=nobody', { identity: h.pki.auditor });
    expect(reply.status).toBe(200);
    const body = reply.json() as { records: { type: string; principal: { subject: string } }[]; truncated: boolean };
    expect(body.records.length).toBeGreaterThan(0);
    expect(body.records.every((r) => r.type === 'auth.denied' && r.principal.subject === 'nobody')).toBe(true);
    const read = auditRecords().find((r) => r.type === 'audit.read' && r.request_id === reply.headers['x-request-id']);
    expect(read).toMatchObject({ principal: { subject: 'auditor-client' }, detail: { filter: { principal: 'nobody', types: ['auth.denied'] } } });
    expect((await call(h, 'GET', '/v1/audit?since=yesterday', { identity: h.pki.auditor })).status).toBe(400);
    expect((await call(h, 'GET', '/v1/audit?bogus=1', { identity: h.pki.auditor })).status).toBe(400);
    expect((await call(h, 'GET', '/v1/audit?type=nope', { identity: h.pki.auditor })).status).toBe(400);
  });

  it('audit query honours since/until and limit', async () => {
    const future = await call(h, 'GET', '/v1/audit?since=2999-01-01', { identity: h.pki.auditor });
    expect((future.json() as { records: unknown[] }).records).toEqual([]);
    const limited = await call(h, 'GET', '/v1/audit?limit=2', { identity: h.pki.admin });
    expect(limited.json()).toMatchObject({ truncated: true });
    expect((limited.json() as { records: unknown[] }).records).toHaveLength(2);
  });
});
