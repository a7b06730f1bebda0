import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../../src/dictionary/index.js';
import { loadOrCreateTokenKey, UiTokens, type UiTarget } from '../../../src/server/ui-proxy/index.js';

const appliance = (id: string): ApplianceContext => ({ id, management: { host: '203.0.113.10' }, credentials: { username: 'admin', password: 'pw-secret' }, jump: [], cs_data: {} });
const target: UiTarget = { method: 'https', host: '203.0.113.10', port: 443, path: '/' };
const principal = { subject: 'CN=admin', fingerprint: 'AA:BB' };
const key = Buffer.alloc(32, 7);

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'vnf-ui-tokens-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('UI session tokens', () => {
  it('sign → verify; the token carries no credentials and the session stays server-side', () => {
    const tokens = new UiTokens(key);
    const { token, session } = tokens.issue({ appliance: appliance('vm-1'), target, principal, requestId: 'r1' }, 600);
    const { payload, session: found } = tokens.verify(token, { applianceId: 'vm-1', tokenId: session.tokenId });
    expect(payload).toMatchObject({ v: 1, aid: 'vm-1', tid: session.tokenId, t: target });
    expect(found.appliance.credentials.password).toBe('pw-secret');
    const decoded = Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8');
    expect(decoded).not.toContain('pw-secret');
    expect(decoded).not.toContain('admin');
  });

  it('refuses tampered payloads and signatures, and tokens signed with another key', () => {
    const tokens = new UiTokens(key);
    const { token } = tokens.issue({ appliance: appliance('vm-1'), target, principal, requestId: 'r1' }, 600);
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, exp: (payload.exp as number) + 10_000 })).toString('base64url');
    expect(codeOf(() => tokens.verify(`${forged}.${sig}`))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    expect(codeOf(() => tokens.verify(`${body}.${flipped}`))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    expect(codeOf(() => tokens.verify('garbage'))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    expect(codeOf(() => tokens.verify(`${body}.${sig}x`))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    const other = new UiTokens(Buffer.alloc(32, 8));
    expect(codeOf(() => other.verify(token))).toBe('VNF_ERR_UI_TOKEN_INVALID');
  });

  it('binds a token to one appliance and one session id', () => {
    const tokens = new UiTokens(key);
    const a = tokens.issue({ appliance: appliance('vm-1'), target, principal, requestId: 'r1' }, 600);
    const b = tokens.issue({ appliance: appliance('vm-2'), target, principal, requestId: 'r2' }, 600);
    expect(codeOf(() => tokens.verify(a.token, { applianceId: 'vm-2' }))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    expect(codeOf(() => tokens.verify(a.token, { tokenId: b.session.tokenId }))).toBe('VNF_ERR_UI_TOKEN_INVALID');
    expect(tokens.verify(b.token, { applianceId: 'vm-2' }).session.appliance.id).toBe('vm-2');
  });

  it('expires, and prune() reports the expired sessions once', () => {
    let now = 1_700_000_000_000;
    const tokens = new UiTokens(key, undefined, () => now);
    const { token, session } = tokens.issue({ appliance: appliance('vm-1'), target, principal, requestId: 'r1' }, 60);
    now += 59_000;
    expect(tokens.verify(token).session.tokenId).toBe(session.tokenId);
    now += 1_000;
    expect(codeOf(() => tokens.verify(token))).toBe('VNF_ERR_UI_TOKEN_EXPIRED');
    expect(tokens.prune().map((s) => s.tokenId)).toEqual([session.tokenId]);
    expect(tokens.prune()).toEqual([]);
  });

  it('revocation is remembered in the state file across a restart', () => {
    const file = join(dir, 'ui', 'revoked.json');
    const tokens = new UiTokens(key, file);
    const { token, session } = tokens.issue({ appliance: appliance('vm-1'), target, principal, requestId: 'r1' }, 600);
    expect(tokens.revoke(session.tokenId)?.tokenId).toBe(session.tokenId);
    expect(codeOf(() => tokens.verify(token))).toBe('VNF_ERR_UI_TOKEN_EXPIRED');
    expect(tokens.revoke(session.tokenId)).toBeUndefined();
    const again = new UiTokens(key, file);
    expect(codeOf(() => again.verify(token))).toBe('VNF_ERR_UI_TOKEN_EXPIRED');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('creates a 0600 key file of 32 random bytes, reuses it, and refuses short keys', () => {
    const file = join(dir, 'ui', 'token.key');
    const k1 = loadOrCreateTokenKey(file);
    expect(k1.length).toBe(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateTokenKey(file).equals(k1)).toBe(true);
    const short = join(dir, 'short.key');
    writeFileSync(short, 'too short');
    expect(codeOf(() => loadOrCreateTokenKey(short))).toBe('VNF_ERR_CONFIG_INVALID');
  });
});
