// The web UI proxy end to end on 127.0.0.1: the API opens a session, the UI listener exchanges the
// link for a cookie and proxies (through ConnectionPool.stream) to local upstream web UIs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog, type AuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { configFromObject } from '../../../src/config/index.js';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { createServer, poolUiConnector, type BrokerServer } from '../../../src/server/index.js';
import { ConnectionPool, MemoryKnownCerts, MemoryKnownHosts } from '../../../src/transport/index.js';
import { call, FakeExecutor, SERVER_TLS, testPki, writeServerTls, type Pki } from '../server/harness.js';
import { BULK_BYTES, BULK_PATTERN, cookieOf, startRawUpstream, startUpstream, uiRequest, until, wsConnect, type Upstream } from './helpers.js';

let pki: Pki;
let dir: string;
let audit: AuditLog;
let pool: ConnectionPool;
let server: BrokerServer;
let api: { port: number; pki: Pki };
let uiPort: number;
let plain: Upstream;
let secure: Upstream;

const appliance = (id = 'vm-1', extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id, name: `fw-${id}`, management: { host: '127.0.0.1' }, credentials: { username: 'admin', password: 'ui-s3cret-pw' }, ...extra,
});

interface Opened { url: string; token_id: string; expires_at: string; path: string; cookie: string }

async function open(access: Record<string, unknown>, o: { id?: string; extra?: Record<string, unknown>; identity?: Pki['admin'] } = {}): Promise<Opened> {
  const id = o.id ?? 'vm-1';
  const res = await call(api, 'POST', `/v1/appliances/${id}/ui-sessions`, { body: { appliance: appliance(id, o.extra), access }, ...(o.identity ? { identity: o.identity } : {}) });
  expect(res.status, res.text).toBe(201);
  const body = res.json() as { url: string; token_id: string; expires_at: string };
  const path = new URL(body.url).pathname;
  const link = await uiRequest(uiPort, pki.ca.certPem, path);
  expect(link.status).toBe(200);
  const cookie = cookieOf(link.headers, 'vnf_ui');
  expect(cookie).toBeDefined();
  return { ...body, path, cookie: cookie?.pair ?? '' };
}

function records(): AuditRecord[] {
  return readFileSync(audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
}

beforeAll(async () => {
  pki = await testPki();
  plain = await startUpstream();
  secure = await startUpstream({ cert: pki.server.cert, key: pki.server.key });
  dir = mkdtempSync(join(tmpdir(), 'vnf-ui-'));
  writeServerTls(dir, pki);
  const config = configFromObject({
    listen: '127.0.0.1:0',
    state_dir: dir,
    tls: SERVER_TLS,
    clients: [
      { match: { cn: 'admin-client' }, roles: ['admin'] },
      { match: { fingerprint256: pki.operator.fingerprint256 }, roles: ['operator'] },
      { match: { cn: 'auditor-client' }, roles: ['auditor'] },
    ],
    metrics: { enabled: false },
    timeouts: { connect_ms: 3000 },
    ui: { listen: '127.0.0.1:0', proxy_timeout_ms: 1000, max_lifetime_s: 1800 },
  }, 'ui-test-config', dir);
  audit = openAuditLog({ file: config.audit.file });
  pool = new ConnectionPool({ audit, knownHosts: new MemoryKnownHosts(), knownCerts: new MemoryKnownCerts(), reconnect: { attempts: 1 } });
  server = createServer({ config, registry: await DictionaryRegistry.fromDirectory(config.dictionaries_dir), audit, executor: new FakeExecutor(), uiConnector: poolUiConnector(pool) });
  const addresses = await server.start();
  api = { port: addresses.api.port, pki };
  uiPort = addresses.ui?.port ?? 0;
  expect(uiPort).toBeGreaterThan(0);
});

afterAll(async () => {
  await server?.close();
  await pool?.close();
  await plain?.close();
  await secure?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('POST /v1/appliances/{id}/ui-sessions', () => {
  it('answers a signed link, audits the opening without credentials, and checks roles and input', async () => {
    const res = await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { body: { appliance: appliance(), access: { method: 'http', port: plain.port } } });
    expect(res.status).toBe(201);
    const body = res.json() as { url: string; token_id: string; expires_at: string };
    expect(body.url).toMatch(new RegExp(`^https://127\\.0\\.0\\.1:${uiPort}/ui/[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}/$`));
    expect(body.token_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(800_000);
    expect(body.url).not.toContain('ui-s3cret-pw');
    const opened = records().find((r) => r.type === 'ui.session' && (r.detail as { token_id?: string }).token_id === body.token_id);
    expect(opened).toMatchObject({ principal: { subject: expect.stringContaining('admin-client') }, appliance: { id: 'vm-1' }, detail: { action: 'opened' } });
    expect(readFileSync(audit.file, 'utf8')).not.toContain('ui-s3cret-pw');

    expect((await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { identity: pki.auditor, body: { appliance: appliance(), access: { method: 'http' } } })).status).toBe(403);
    const mismatch = await call(api, 'POST', '/v1/appliances/vm-2/ui-sessions', { body: { appliance: appliance(), access: { method: 'http' } } });
    expect(mismatch.status).toBe(400);
    const tooLong = await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { body: { appliance: appliance(), access: { method: 'http' }, lifetime_s: 3600 } });
    expect(tooLong.json()).toMatchObject({ status: 400, code: 'VNF_ERR_API_BAD_REQUEST' });
    const dots = await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { body: { appliance: appliance(), access: { method: 'http', path: '/a/../b' } } });
    expect(dots.status).toBe(400);
    const files = await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { body: { appliance: appliance('vm-1', { tls: { ca_file: '/etc/passwd' } }), access: { method: 'https' } } });
    expect(files.json()).toMatchObject({ code: 'VNF_ERR_APPLIANCE_INVALID' });
    const doc = (await call(api, 'GET', '/v1/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/appliances/{id}/ui-sessions', '/v1/ui-sessions/{token_id}']));
  });
});

describe('UI listener', () => {
  it('exchanges the link for a path-scoped HttpOnly/Secure/SameSite=Strict cookie and a clean URL', async () => {
    const res = await call(api, 'POST', '/v1/appliances/vm-1/ui-sessions', { body: { appliance: appliance(), access: { method: 'http', port: plain.port } } });
    const body = res.json() as { url: string; token_id: string };
    const path = new URL(body.url).pathname;
    const link = await uiRequest(uiPort, pki.ca.certPem, `${path}page2?x=1`);
    expect(link.status).toBe(200);
    expect(link.text).toContain(`url=/ui/${body.token_id}/page2?x=1`);
    expect(link.headers['referrer-policy']).toBe('no-referrer');
    const cookie = cookieOf(link.headers, 'vnf_ui');
    expect(cookie?.attrs).toContain(`Path=/ui/${body.token_id}/`);
    expect(cookie?.attrs).toMatch(/HttpOnly/);
    expect(cookie?.attrs).toMatch(/Secure/);
    expect(cookie?.attrs).toMatch(/SameSite=Strict/);
    const page = await uiRequest(uiPort, pki.ca.certPem, `/ui/${body.token_id}/page2`, { cookie: cookie?.pair ?? '' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Page two');
    const bare = await uiRequest(uiPort, pki.ca.certPem, `/ui/${body.token_id}`, { cookie: cookie?.pair ?? '' });
    expect(bare.status).toBe(308);
    expect(bare.headers.location).toBe(`/ui/${body.token_id}/`);
    expect((await uiRequest(uiPort, pki.ca.certPem, '/')).status).toBe(404);
  });

  it('refuses a missing cookie, a tampered link, and another session\'s or appliance\'s cookie', async () => {
    const a = await open({ method: 'http', port: plain.port });
    const b = await open({ method: 'http', port: plain.port }, { id: 'vm-2' });
    const none = await uiRequest(uiPort, pki.ca.certPem, `/ui/${a.token_id}/`);
    expect(none.status).toBe(403);
    expect(JSON.parse(none.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_INVALID' });
    const token = a.path.split('/')[2] ?? '';
    const tampered = `${token.slice(0, 5)}${token[5] === 'x' ? 'y' : 'x'}${token.slice(6)}`;
    const bad = await uiRequest(uiPort, pki.ca.certPem, `/ui/${tampered}/`);
    expect(bad.status).toBe(403);
    expect(bad.headers['set-cookie']).toBeUndefined();
    const cross = await uiRequest(uiPort, pki.ca.certPem, `/ui/${a.token_id}/`, { cookie: b.cookie });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_INVALID' });
    expect((await uiRequest(uiPort, pki.ca.certPem, `/ui/${b.token_id}/`, { cookie: b.cookie })).status).toBe(200);
    const denied = records().filter((r) => r.type === 'auth.denied' && (r.detail as { listener?: string }).listener === 'ui');
    expect(denied.some((r) => r.error_code === 'VNF_ERR_UI_TOKEN_INVALID' && (r.detail as { path?: string }).path === `/ui/${a.token_id}/`)).toBe(true);
    expect(denied.some((r) => (r.detail as { path?: string }).path === '/ui/(link)/')).toBe(true);
    expect(JSON.stringify(denied)).not.toContain(tampered);
  });

  it('rewrites Location headers and cookie paths under /ui/{token_id}/ and drops a Set-Cookie for the broker cookie', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const get = (p: string): ReturnType<typeof uiRequest> => uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}${p}`, { cookie: s.cookie });
    expect((await get('/redirect')).headers.location).toBe(`/ui/${s.token_id}/page2`);
    expect((await get('/abs-redirect')).headers.location).toBe(`/ui/${s.token_id}/page2?x=1`);
    expect((await get('/elsewhere')).headers.location).toBe('https://example.org/');
    const cookies = (await get('/set-cookie')).headers['set-cookie'] ?? [];
    expect(cookies).toHaveLength(1);
    expect(cookies[0]).toContain(`Path=/ui/${s.token_id}/`);
    expect(cookies[0]).not.toMatch(/Domain=/i);
  });

  it('redirects an absolute-path request from a session page back under the session prefix (Referer), and nothing else', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const stray = await uiRequest(uiPort, pki.ca.certPem, '/form?a=1', { method: 'POST', body: 'hostname=x', headers: { Referer: `https://127.0.0.1:${uiPort}/ui/${s.token_id}/` } });
    expect(stray.status).toBe(307);
    expect(stray.headers.location).toBe(`/ui/${s.token_id}/form?a=1`);
    expect((await uiRequest(uiPort, pki.ca.certPem, '/page2', { headers: { Referer: `https://evil.example/ui/${s.token_id}/` } })).status).toBe(404);
    expect((await uiRequest(uiPort, pki.ca.certPem, '/page2', { headers: { Referer: `https://127.0.0.1:${uiPort}/ui/AAAAAAAAAAAAAAAAAAAAAA/` } })).status).toBe(404);
    expect((await uiRequest(uiPort, pki.ca.certPem, '//evil.example/', { headers: { Referer: `https://127.0.0.1:${uiPort}/ui/${s.token_id}/` } })).status).toBe(404);
  });

  it('refuses dot segments and encoded separators that would leave the session\'s path prefix', async () => {
    const s = await open({ method: 'http', port: plain.port, path: '/app/' });
    for (const p of ['/../page2', '/a/%2e%2e/page2', '/a%2fb', '/.%2E/x']) {
      const res = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}${p}`, { cookie: s.cookie });
      expect(res.status, p).toBe(400);
    }
    const seen = plain.requests.length;
    expect((await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/x/y`, { cookie: s.cookie })).status).toBe(404);
    expect(plain.requests.at(seen)?.url).toBe('/app/x/y');
  });

  it('sanitises the request headers it forwards', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const res = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/headers`, {
      cookie: `${s.cookie}; app=1`,
      headers: { 'X-Forwarded-For': '192.0.2.66', 'X-Forwarded-Host': 'evil.example', Forwarded: 'for=1.2.3.4', 'Proxy-Authorization': 'Basic eA==', Origin: `https://127.0.0.1:${uiPort}`, 'X-Test': 'kept' },
    });
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen.cookie).toBe('app=1');
    expect(seen['x-forwarded-for']).toBeUndefined();
    expect(seen['x-forwarded-host']).toBeUndefined();
    expect(seen.forwarded).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen['x-forwarded-proto']).toBe('https');
    expect(seen.host).toBe(`127.0.0.1:${plain.port}`);
    expect(seen.origin).toBe(`http://127.0.0.1:${plain.port}`);
    expect(seen['x-test']).toBe('kept');
  });

  it('posts a form and follows the redirect', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const posted = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/form`, { method: 'POST', cookie: s.cookie, body: 'hostname=fw-2' });
    expect(posted.status).toBe(303);
    expect(posted.headers.location).toBe(`/ui/${s.token_id}/saved?hostname=fw-2`);
    const saved = await uiRequest(uiPort, pki.ca.certPem, posted.headers.location ?? '', { cookie: s.cookie });
    expect(saved.text).toContain('<p id="saved">fw-2</p>');
  });

  it('proxies WebSocket upgrades (and refuses them without the cookie)', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const ws = await wsConnect(uiPort, pki.ca.certPem, `/ui/${s.token_id}/ws`, s.cookie);
    expect(ws.status).toBe(101);
    ws.send('hello');
    expect(await ws.next()).toBe('echo:hello');
    ws.send('again');
    expect(await ws.next()).toBe('echo:again');
    ws.socket?.destroy();
    const refused = await wsConnect(uiPort, pki.ca.certPem, `/ui/${s.token_id}/ws`);
    expect(refused.status).toBe(403);
  });

  it('reaches an HTTPS web UI with the certificate learned on first use, and refuses a wrong pin', async () => {
    const s = await open({ method: 'https', port: secure.port }, { id: 'vm-tls' });
    const page = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/page2`, { cookie: s.cookie });
    expect(page.status).toBe(200);
    expect(page.text).toContain('Page two');
    expect(records().some((r) => r.type === 'hostkey.learned' && r.appliance?.id === 'vm-tls' && (r.detail as { kind?: string }).kind === 'tls')).toBe(true);
    const pinned = await open({ method: 'https', port: secure.port }, { id: 'vm-pin', extra: { tls: { fingerprint256: Array(32).fill('AB').join(':') } } });
    const refused = await uiRequest(uiPort, pki.ca.certPem, `/ui/${pinned.token_id}/`, { cookie: pinned.cookie });
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.text)).toMatchObject({ code: 'VNF_ERR_UI_UPSTREAM' });
    expect(refused.text).toContain('VNF_ERR_TLS_VERIFY');
  });

  it('writes one http.request record per proxied request (principal, appliance, method, path, status, bytes; no query, no body)', async () => {
    const s = await open({ method: 'http', port: plain.port });
    await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/page2?secret=hunter2`, { cookie: s.cookie });
    expect(await until(() => records().some((r) => r.type === 'http.request' && (r.detail as { ui_session?: string }).ui_session === s.token_id && r.http?.url.endsWith('/page2') === true))).toBe(true);
    const rec = records().find((r) => r.type === 'http.request' && (r.detail as { ui_session?: string }).ui_session === s.token_id && r.http?.url.endsWith('/page2') === true);
    expect(rec).toMatchObject({
      principal: { subject: expect.stringContaining('admin-client') },
      appliance: { id: 'vm-1', address: '127.0.0.1' },
      transport: 'http',
      http: { method: 'GET', url: `http://127.0.0.1:${plain.port}/page2`, status: 200 },
      outcome: 'success',
    });
    expect((rec?.detail as { bytes: number }).bytes).toBeGreaterThan(50);
    expect(typeof rec?.duration_ms).toBe('number');
    expect(readFileSync(audit.file, 'utf8')).not.toContain('hunter2');
  });

  it('streams a large HTTPS response intact and records its size', async () => {
    const s = await open({ method: 'https', port: secure.port });
    const reply = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/bulk`, { cookie: s.cookie });
    expect(reply.status).toBe(200);
    expect(reply.text.length).toBe(BULK_BYTES);
    expect(reply.text).toBe(BULK_PATTERN.repeat(BULK_BYTES / BULK_PATTERN.length));
    const bulk = (): AuditRecord | undefined => records().find((r) => r.type === 'http.request' && (r.detail as { ui_session?: string }).ui_session === s.token_id && r.http?.url.endsWith('/bulk') === true);
    expect(await until(() => bulk() !== undefined)).toBe(true);
    expect(bulk()).toMatchObject({ http: { url: `https://127.0.0.1:${secure.port}/bulk`, status: 200 }, outcome: 'success', detail: { bytes: BULK_BYTES } });
  });

  it('revocation (creator or admin) refuses the cookie and closes open WebSockets', async () => {
    const s = await open({ method: 'http', port: plain.port }, { identity: pki.operator });
    const ws = await wsConnect(uiPort, pki.ca.certPem, `/ui/${s.token_id}/ws`, s.cookie);
    expect(ws.status).toBe(101);
    const closed = new Promise<void>((resolve) => ws.socket?.once('close', () => resolve()));
    const other = await open({ method: 'http', port: plain.port });
    expect((await call(api, 'DELETE', `/v1/ui-sessions/${other.token_id}`, { identity: pki.operator })).status).toBe(404);
    expect((await call(api, 'DELETE', `/v1/ui-sessions/${s.token_id}`, { identity: pki.operator })).status).toBe(204);
    await closed;
    const after = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/`, { cookie: s.cookie });
    expect(after.status).toBe(403);
    expect(JSON.parse(after.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_EXPIRED' });
    expect((await call(api, 'DELETE', `/v1/ui-sessions/${s.token_id}`, { identity: pki.operator })).status).toBe(404);
    expect((await call(api, 'DELETE', `/v1/ui-sessions/${other.token_id}`)).status).toBe(204);
    expect(records().some((r) => r.type === 'ui.session' && (r.detail as { action?: string; token_id?: string }).action === 'revoked' && (r.detail as { token_id?: string }).token_id === s.token_id)).toBe(true);
  });
});

describe('http-proxy 1.18.1 failure modes are contained', () => {
  it.each([
    ['a control character in a header value', 'HTTP/1.1 200 OK\r\nX-Bad: a\u0001b'],
    ['a space in a header name', 'HTTP/1.1 200 OK\r\nBad Name: v'],
    ['a NUL in a Location header', 'HTTP/1.1 302 Found\r\nLocation: /a\u0000b'],
    ['two different Content-Lengths', 'HTTP/1.1 200 OK\r\nContent-Length: 7'],
  ])('an upstream sending an invalid header (%s) gets 502, and the process keeps serving', async (_name, head) => {
    const raw = await startRawUpstream(head);
    try {
      const s = await open({ method: 'http', port: raw.port }, { id: 'vm-raw' });
      const res = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/`, { cookie: s.cookie });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'VNF_ERR_UI_UPSTREAM' });
      const ok = await open({ method: 'http', port: plain.port });
      expect((await uiRequest(uiPort, pki.ca.certPem, `/ui/${ok.token_id}/`, { cookie: ok.cookie })).status).toBe(200);
    } finally {
      await raw.close();
    }
  });

  it('a client abort mid-response closes the upstream request and leaks no socket', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const before = plain.open();
    await new Promise<void>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: uiPort, path: `/ui/${s.token_id}/endless`, ca: pki.ca.certPem, agent: false, headers: { cookie: s.cookie } }, (res) => {
        let got = 0;
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 64 * 1024) { req.destroy(); resolve(); }
        });
      });
      req.on('error', () => undefined);
      req.setTimeout(10_000, () => reject(new Error('no data')));
      req.end();
    });
    await plain.endlessClosed;
    expect(await until(() => plain.open() <= before)).toBe(true);
    expect(await until(() => records().some((r) => r.type === 'http.request' && (r.detail as { ui_session?: string; aborted?: boolean }).ui_session === s.token_id && (r.detail as { aborted?: boolean }).aborted === true))).toBe(true);
  });

  it('an unreachable upstream is a 502 through the per-call callback; the proxy always has an error listener', async () => {
    const raw = await startRawUpstream('HTTP/1.1 200 OK');
    const port = raw.port;
    await raw.close();
    const s = await open({ method: 'http', port }, { id: 'vm-gone' });
    const res = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/`, { cookie: s.cookie });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VNF_ERR_UI_UPSTREAM' });
    const inner = (server.ui?.proxy as unknown as { proxy: { listenerCount(e: string): number } }).proxy;
    expect(inner.listenerCount('error')).toBeGreaterThanOrEqual(2);
    const ws = await wsConnect(uiPort, pki.ca.certPem, `/ui/${s.token_id}/ws`, s.cookie);
    expect(ws.status).not.toBe(101);
  });

  it('an upstream that does not answer in time is a 504', async () => {
    const s = await open({ method: 'http', port: plain.port });
    const started = Date.now();
    const res = await uiRequest(uiPort, pki.ca.certPem, `/ui/${s.token_id}/slow`, { cookie: s.cookie });
    expect(res.status).toBe(504);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VNF_ERR_UI_UPSTREAM_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
