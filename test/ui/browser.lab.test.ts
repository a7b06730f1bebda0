// A real browser (Debian's chromium driven by playwright-core, launched from this test process inside
// the broker namespace) opens a UI session link, loads pages, follows a redirect, posts a form and uses
// a WebSocket on the appliance's web UI behind the jump host; a screenshot goes to test/artifacts/.
// Expired, tampered and other-appliance tokens are refused. The browser trusts only the broker's UI
// certificate (by SPKI hash), never "any certificate".
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as PlaywrightCore from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason } from '../lab/topology.js';
import { openSession, startUiLab, type UiLab } from './fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

type Playwright = typeof PlaywrightCore;
type Context = Awaited<ReturnType<Playwright['chromium']['launchPersistentContext']>>;

let playwright: Playwright | undefined;
try {
  playwright = await import('playwright-core');
} catch {
  playwright = undefined;
}

const skip = labSkipReason() ?? (!existsSync(CHROMIUM) ? `${CHROMIUM} not installed (apt-get install chromium)` : !playwright ? 'playwright-core not installed' : undefined);
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

describe.skipIf(skip !== undefined)('web UI access from a real browser (lab)', () => {
  let fx: UiLab;
  let context: Context;
  let profile: string;
  let origin: string;

  beforeAll(async () => {
    fx = await startUiLab();
    origin = `https://127.0.0.1:${fx.uiPort}`;
    const spki = createHash('sha256').update(createPublicKey(fx.pki.server.cert).export({ type: 'spki', format: 'der' })).digest('base64');
    profile = mkdtempSync(join(tmpdir(), 'vnf-ui-chromium-'));
    context = await (playwright as Playwright).chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--ignore-certificate-errors-spki-list=${spki}`],
    });
    context.setDefaultTimeout(15_000);
  });
  afterAll(async () => {
    await context?.close().catch(() => undefined);
    if (profile) rmSync(profile, { recursive: true, force: true });
    await fx?.stop();
  });

  it('opens the link, browses, follows a redirect, posts a form and uses a WebSocket', async () => {
    const s = await openSession(fx, { appliance: fx.appliance(), access: { method: 'https' } });
    const page = await context.newPage();
    const link = await page.goto(`${origin}${s.path}`);
    expect(link?.status()).toBe(200);
    await page.waitForURL(`${origin}/ui/${s.token_id}/`).catch((error: unknown) => { throw new Error(`still at ${page.url()}: ${String(error)}`); });
    expect(await page.textContent('h1')).toBe('Home');
    // the session cookie is HttpOnly: page scripts cannot read it
    expect(String(await page.evaluate('document.cookie'))).not.toContain('vnf_ui');

    await page.click('#next');
    await page.waitForURL(`${origin}/ui/${s.token_id}/page2`);
    expect(await page.textContent('h1')).toBe('Page two');
    // the broker's cookie never reaches the appliance
    expect(await page.textContent('#cookie')).not.toContain('vnf_ui');

    await page.goto(`${origin}/ui/${s.token_id}/`);
    await page.click('#redir');
    await page.waitForURL(`${origin}/ui/${s.token_id}/page2`);
    expect(await page.textContent('h1')).toBe('Page two');

    await page.goto(`${origin}/ui/${s.token_id}/`);
    await page.fill('input[name=hostname]', 'browser-fw');
    await page.click('#submit');
    await page.waitForURL(`${origin}/ui/${s.token_id}/saved?hostname=browser-fw`);
    expect(await page.textContent('#saved')).toBe('browser-fw');

    // runs in the page (a string: the test project has no DOM typings)
    const echoed = await page.evaluate(`new Promise((resolve) => {
      const ws = new WebSocket(location.origin.replace(/^https/, 'wss') + location.pathname.replace(/[^/]*$/, '') + 'ws');
      const timer = setTimeout(() => resolve('timeout'), 10000);
      ws.onopen = () => ws.send('from the browser');
      ws.onmessage = (e) => { clearTimeout(timer); resolve(String(e.data)); ws.close(); };
      ws.onerror = () => { clearTimeout(timer); resolve('error'); };
    })`);
    expect(echoed).toBe('echo:from the browser');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'ui-browser.png'), fullPage: true });
    await page.close();
  });

  it('refuses expired, tampered and other-appliance tokens', async () => {
    const a = await openSession(fx, { appliance: fx.appliance('lab-ui-a'), access: { method: 'https' } }, 'lab-ui-a');
    const b = await openSession(fx, { appliance: fx.appliance('lab-ui-b'), access: { method: 'https' } }, 'lab-ui-b');
    const page = await context.newPage();
    // b's session is open in this browser; its cookie does not open a's session
    await page.goto(`${origin}${b.path}`);
    await page.waitForURL(`${origin}/ui/${b.token_id}/`);
    const cross = await page.goto(`${origin}/ui/${a.token_id}/`);
    expect(cross?.status()).toBe(403);
    expect(await cross?.text()).toContain('VNF_ERR_UI_TOKEN_INVALID');

    const token = a.path.split('/')[2] ?? '';
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const tampered = await page.goto(`${origin}/ui/${Buffer.from(JSON.stringify({ ...payload, exp: (payload.exp as number) + 86_400 })).toString('base64url')}.${sig}/`);
    expect(tampered?.status()).toBe(403);

    const ui = fx.server.ui;
    if (!ui) throw new Error('no UI runtime');
    const { token: short } = ui.tokens.issue({
      appliance: { id: 'lab-ui-a', management: { host: '203.0.113.10' }, credentials: {}, jump: [], cs_data: {} },
      target: { method: 'https', host: '203.0.113.10', port: 443, path: '/' },
      principal: { subject: 'CN=admin-client' }, requestId: 'browser-expiry',
    }, 1);
    await new Promise((r) => setTimeout(r, 1_200));
    const expired = await page.goto(`${origin}/ui/${short}/`);
    expect(expired?.status()).toBe(403);
    expect(await expired?.text()).toContain('VNF_ERR_UI_TOKEN_EXPIRED');
    await page.close();
  });
});
