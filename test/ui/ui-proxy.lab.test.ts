// Web UI access against the real lab: a multi-page HTTPS web UI with a WebSocket endpoint runs in
// the appliance's namespace; the broker reaches it only through the jump host (SSH direct-tcpip),
// with the appliance's certificate pinned. Tokens that are expired, tampered with or for another
// appliance are refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason } from '../lab/topology.js';
import { cookieOf, uiRequest, until, wsConnect } from '../unit/ui-proxy/helpers.js';
import { openSession, startUiLab, type UiLab } from './fixture.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

describe.skipIf(skip !== undefined)('web UI access through the jump host (lab)', () => {
  let fx: UiLab;
  let ca: string;

  beforeAll(async () => {
    fx = await startUiLab();
    ca = fx.pki.ca.certPem;
  });
  afterAll(async () => {
    await fx?.stop();
  });

  async function session(id = 'lab-ui-1', extra: Record<string, unknown> = {}): Promise<{ token_id: string; cookie: string; path: string }> {
    const s = await openSession(fx, { appliance: fx.appliance(id, extra), access: { method: 'https' } }, id);
    const link = await uiRequest(fx.uiPort, ca, s.path);
    expect(link.status).toBe(200);
    return { ...s, cookie: cookieOf(link.headers, 'vnf_ui')?.pair ?? '' };
  }

  it('loads pages, follows a redirect, posts a form and uses a WebSocket through the jump chain', async () => {
    const s = await session();
    const get = (p: string, o: Parameters<typeof uiRequest>[3] = {}): ReturnType<typeof uiRequest> => uiRequest(fx.uiPort, ca, p, { cookie: s.cookie, ...o });
    const home = await get(`/ui/${s.token_id}/`);
    expect(home.status).toBe(200);
    expect(home.text).toContain('<h1>Home</h1>');
    const redirect = await get(`/ui/${s.token_id}/redirect`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe(`/ui/${s.token_id}/page2`);
    expect((await get(redirect.headers.location ?? '')).text).toContain('<h1>Page two</h1>');
    const abs = await get(`/ui/${s.token_id}/abs-redirect`);
    expect(abs.headers.location).toBe(`/ui/${s.token_id}/page2?x=1`);
    const posted = await get(`/ui/${s.token_id}/form`, { method: 'POST', body: 'hostname=lab-fw' });
    expect(posted.status).toBe(303);
    expect((await get(posted.headers.location ?? '')).text).toContain('<p id="saved">lab-fw</p>');
    const ws = await wsConnect(fx.uiPort, ca, `/ui/${s.token_id}/ws`, s.cookie);
    expect(ws.status).toBe(101);
    ws.send('through the jump');
    expect(await ws.next()).toBe('echo:through the jump');
    ws.socket?.destroy();

    // every proxied request is audited against the appliance and the API principal
    expect(await until(() => fx.records().filter((r) => r.type === 'http.request' && (r.detail as { ui_session?: string }).ui_session === s.token_id).some((r) => r.http?.status === 101))).toBe(true);
    const recs = fx.records().filter((r) => r.type === 'http.request' && (r.detail as { ui_session?: string }).ui_session === s.token_id);
    expect(recs.find((r) => r.http?.method === 'POST')).toMatchObject({ appliance: { id: 'lab-ui-1', address: '203.0.113.10' }, http: { url: 'https://203.0.113.10/form', status: 303 }, transport: 'https' });
    expect(recs.every((r) => r.principal?.subject.includes('admin-client'))).toBe(true);
    expect(recs.some((r) => r.http?.status === 101)).toBe(true);
    // the pinned certificate was checked and recorded; nothing learned by TOFU for another cert
    expect(fx.records().some((r) => r.type === 'hostkey.learned' && r.appliance?.id === 'lab-ui-1' && (r.detail as { reason?: string }).reason === 'pinned')).toBe(true);
    // one pooled jump chain carried it all
    expect(fx.pool.stats().jumpChains).toBe(1);
  });

  it('refuses an expired, a tampered and another appliance\'s token', async () => {
    const a = await session('lab-ui-1');
    const b = await session('lab-ui-2');
    // other appliance: b's cookie on a's path
    const cross = await uiRequest(fx.uiPort, ca, `/ui/${a.token_id}/`, { cookie: b.cookie });
    expect(cross.status).toBe(403);
    expect(JSON.parse(cross.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_INVALID' });
    // tampered link
    const token = a.path.split('/')[2] ?? '';
    const body = token.split('.')[0] ?? '';
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { aid: string };
    const forged = `${Buffer.from(JSON.stringify({ ...payload, aid: 'lab-ui-2' })).toString('base64url')}.${token.split('.')[1] ?? ''}`;
    const tampered = await uiRequest(fx.uiPort, ca, `/ui/${forged}/`);
    expect(tampered.status).toBe(403);
    expect(JSON.parse(tampered.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_INVALID' });
    // expired: a one-second session
    const ui = fx.server.ui;
    if (!ui) throw new Error('no UI runtime');
    const { token: short, session: shortSession } = ui.tokens.issue({
      appliance: { id: 'lab-ui-1', management: { host: '203.0.113.10' }, credentials: {}, jump: [], cs_data: {} },
      target: { method: 'https', host: '203.0.113.10', port: 443, path: '/' },
      principal: { subject: 'CN=admin-client' }, requestId: 'lab-expiry',
    }, 1);
    await new Promise((r) => setTimeout(r, 1_200));
    const expired = await uiRequest(fx.uiPort, ca, `/ui/${short}/`);
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.text)).toMatchObject({ code: 'VNF_ERR_UI_TOKEN_EXPIRED' });
    ui.expire();
    expect(fx.records().some((r) => r.type === 'ui.session' && (r.detail as { action?: string; token_id?: string }).action === 'expired' && (r.detail as { token_id?: string }).token_id === shortSession.tokenId)).toBe(true);
  });

  it('a pin that does not match the appliance certificate is a 502, never an unverified connection', async () => {
    const s = await session('lab-ui-badpin', { tls: { fingerprint256: Array(32).fill('0F').join(':') } });
    const res = await uiRequest(fx.uiPort, ca, `/ui/${s.token_id}/`, { cookie: s.cookie });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VNF_ERR_UI_UPSTREAM' });
    expect(res.text).toContain('VNF_ERR_TLS_VERIFY');
  });
});
