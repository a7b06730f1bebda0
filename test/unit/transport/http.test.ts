import type { Server as HttpsServer } from 'node:https';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../../src/dictionary/appliance-model.js';
import { MemoryKnownCerts } from '../../../src/transport/known-certs.js';
import { MemoryKnownHosts } from '../../../src/transport/known-hosts.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { newUserKey, startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';
import { CertFactory, startApi, startConnectProxy, type CertPair, type FakeApi, type FakeProxy } from '../../helpers/tls-fakes.js';

const certs = new CertFactory();
const jumpKey = newUserKey();
let jump: FakeSsh;
let selfSigned: CertPair;
let pinnedApi: FakeApi;
let plainApi: FakeApi;
let proxy: FakeProxy;
const pools: ConnectionPool[] = [];
const apis: FakeApi[] = [];

function appliance(extra: Partial<ApplianceContext> = {}, withJump = true): ApplianceContext {
  return {
    id: 'app-http', name: 'fw-1', management: { host: '127.0.0.1' }, credentials: { username: 'admin', api_secret: 's3cr3t-api' },
    jump: withJump ? [{ host: '127.0.0.1', port: jump.port, username: 'vnfjump', private_key: jumpKey.privateKey }] : [],
    cs_data: {}, ...extra,
  };
}

function pool(audit = new MemoryAudit(), extra: Partial<ConstructorParameters<typeof ConnectionPool>[0]> = {}): ConnectionPool & { audit: MemoryAudit } {
  const p = new ConnectionPool({ audit, knownHosts: new MemoryKnownHosts(), knownCerts: new MemoryKnownCerts(), timeouts: { connectMs: 3_000, forwardMs: 2_000 }, ...extra });
  pools.push(p);
  return Object.assign(p, { audit });
}

beforeAll(async () => {
  jump = await startFakeSsh({ users: [{ username: 'vnfjump', publicKey: jumpKey.publicKey }], forwarding: 'allow' });
  selfSigned = certs.selfSigned();
  pinnedApi = await startApi(selfSigned);
  plainApi = await startApi();
  proxy = await startConnectProxy();
});
afterEach(async () => { await Promise.all(pools.splice(0).map((p) => p.close())); await Promise.all(apis.splice(0).map((a) => a.close())); });
afterAll(async () => {
  await Promise.all([jump.close(), pinnedApi.close(), plainApi.close(), proxy.close()]);
  certs.cleanup();
});

describe('HTTP(S) to appliances', () => {
  it('HTTPS over the SSH chain with a pinned certificate, keep-alive reused', async () => {
    const p = pool();
    const a = appliance({ tls: { fingerprint256: selfSigned.fingerprint256 } });
    const forwards = jump.stats.forwards;
    const conns = pinnedApi.connections;
    for (let i = 0; i < 5; i++) {
      const r = await p.http(a, { method: 'GET', url: `https://127.0.0.1:${pinnedApi.port}/api/status?i=${i}`, verifySsl: false });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ result: 'ok', url: `/api/status?i=${i}` });
    }
    // one probe handshake (cert fetched as trust anchor) + kept-alive connections (undici's pool
    // may open a second while the first finishes its response), far fewer than requests
    expect(pinnedApi.connections - conns).toBeLessThanOrEqual(3);
    expect(jump.stats.forwards - forwards).toBe(pinnedApi.connections - conns);
    expect(p.audit.ofType('hostkey.learned').find((e) => e.detail?.kind === 'tls')).toMatchObject({ detail: { kind: 'tls', reason: 'pinned', fingerprint256: selfSigned.fingerprint256 } });
  });

  it('audits each request before sending (redacted headers, body digest) and its result after', async () => {
    const p = pool();
    const a = appliance({ tls: { fingerprint256: selfSigned.fingerprint256 } });
    await p.http(a, {
      method: 'POST', url: `https://127.0.0.1:${pinnedApi.port}/api/rule?apikey=abc123`,
      headers: { authorization: 'Basic c2VjcmV0', 'content-type': 'application/json' }, body: '{"rule":1}',
      audit: { request_id: 'req-9' },
    });
    const recs = p.audit.ofType('http.request');
    expect(recs.map((r) => r.outcome)).toEqual(['started', 'success']);
    expect(recs[0]).toMatchObject({
      transport: 'https', request_id: 'req-9', path: [`vnfjump@127.0.0.1:${jump.port}`, `127.0.0.1:${pinnedApi.port}`],
      http: { method: 'POST', headers: { authorization: '[redacted]', 'content-type': 'application/json' } },
    });
    expect(recs[0]?.http?.url).toContain('apikey=%5Bredacted%5D');
    expect(recs[0]?.http?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(recs[1]).toMatchObject({ http: { status: 200 } });
    expect(recs[0]?.secrets).toContain('s3cr3t-api');
  });

  it('a failing audit sink means the request is never sent', async () => {
    const p = pool();
    const before = pinnedApi.requests.length;
    p.audit.failing = true;
    await expect(p.http(appliance({ tls: { fingerprint256: selfSigned.fingerprint256 } }),
      { method: 'GET', url: `https://127.0.0.1:${pinnedApi.port}/x` })).rejects.toMatchObject({ code: 'VNF_ERR_AUDIT_WRITE' });
    expect(pinnedApi.requests.length).toBe(before);
  });

  it('TOFU learns the certificate; a changed certificate is refused and audited', async () => {
    const api = await startApi(certs.selfSigned());
    apis.push(api);
    const p = pool();
    const a = appliance();
    const url = `https://127.0.0.1:${api.port}/a`;
    expect((await p.http(a, { method: 'GET', url })).status).toBe(200);
    expect(p.audit.ofType('hostkey.learned').filter((e) => e.detail?.kind === 'tls')).toHaveLength(1);
    // the appliance now presents another certificate; a new pool shares the same known-certs store
    const other = certs.selfSigned();
    (api.server as HttpsServer).setSecureContext({ cert: other.cert, key: other.key });
    const p2 = pool(new MemoryAudit(), { knownCerts: (p as unknown as { knownCerts: MemoryKnownCerts }).knownCerts });
    const before = api.requests.length;
    await expect(p2.http(a, { method: 'GET', url })).rejects.toMatchObject({ code: 'VNF_ERR_TLS_CERT_CHANGED' });
    expect(api.requests.length).toBe(before);
    expect(p2.audit.ofType('hostkey.rejected')[0]).toMatchObject({ detail: { kind: 'tls', reason: 'changed', fingerprint256: other.fingerprint256 } });
  });

  it('pin mismatch and strict policy without pin → VNF_ERR_TLS_VERIFY, nothing sent', async () => {
    const before = pinnedApi.requests.length;
    const p = pool();
    await expect(p.http(appliance({ tls: { fingerprint256: 'AA:'.repeat(31) + 'AA' } }), { method: 'GET', url: `https://127.0.0.1:${pinnedApi.port}/` }))
      .rejects.toMatchObject({ code: 'VNF_ERR_TLS_VERIFY' });
    const strict = pool(new MemoryAudit(), { hostKeyPolicy: 'strict' });
    await expect(strict.http(appliance(), { method: 'GET', url: `https://127.0.0.1:${pinnedApi.port}/` })).rejects.toMatchObject({ code: 'VNF_ERR_TLS_VERIFY' });
    expect(pinnedApi.requests.length).toBe(before);
  });

  it('CA verification: right name passes, wrong name is refused', async () => {
    const good = certs.caSigned('DNS:appliance.test');
    const api = await startApi(good.leaf);
    apis.push(api);
    const p = pool();
    const url = `https://127.0.0.1:${api.port}/ca`;
    expect((await p.http(appliance({ tls: { ca: good.ca, servername: 'appliance.test' } }), { method: 'GET', url })).status).toBe(200);
    const p2 = pool();
    await expect(p2.http(appliance({ tls: { ca: good.ca, servername: 'wrong.test' } }), { method: 'GET', url })).rejects.toMatchObject({ code: 'VNF_ERR_TLS_VERIFY' });
    // verify_ssl true with no CA configured: the system store does not trust a private CA
    const p3 = pool();
    await expect(p3.http(appliance(), { method: 'GET', url, verifySsl: true })).rejects.toMatchObject({ code: 'VNF_ERR_TLS_VERIFY' });
    expect(api.requests).toHaveLength(1);
  });

  it('through an HTTP CONNECT proxy: plain HTTP and pinned HTTPS', async () => {
    const p = pool();
    const a = appliance({ http_proxy: `http://127.0.0.1:${proxy.port}`, tls: { fingerprint256: selfSigned.fingerprint256 } }, false);
    expect((await p.http(a, { method: 'GET', url: `http://127.0.0.1:${plainApi.port}/p` })).status).toBe(200);
    expect((await p.http(a, { method: 'GET', url: `https://127.0.0.1:${pinnedApi.port}/p` })).status).toBe(200);
    expect(proxy.connects).toContain(`127.0.0.1:${plainApi.port}`);
    expect(proxy.connects).toContain(`127.0.0.1:${pinnedApi.port}`);
    const refused = await startConnectProxy({ refuse: true });
    try {
      const p2 = pool();
      await expect(p2.http(appliance({ id: 'other', http_proxy: `http://127.0.0.1:${refused.port}` }, false), { method: 'GET', url: `http://127.0.0.1:${plainApi.port}/` }))
        .rejects.toMatchObject({ code: 'VNF_ERR_HTTP_PROXY' });
    } finally {
      await refused.close();
    }
  });

  it('headers timeout → VNF_ERR_HTTP_TIMEOUT', async () => {
    const api = await startApi();
    apis.push(api);
    api.server.removeAllListeners('request');
    api.server.on('request', () => undefined); // never answers
    const p = pool();
    await expect(p.http(appliance(), { method: 'GET', url: `http://127.0.0.1:${api.port}/slow`, headersTimeoutMs: 300 }))
      .rejects.toMatchObject({ code: 'VNF_ERR_HTTP_TIMEOUT' });
  });
});
