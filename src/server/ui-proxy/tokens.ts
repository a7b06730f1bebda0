// Web UI session tokens: `base64url(payload).base64url(HMAC-SHA256(key, payload))`, short-lived and bound
// to one appliance and one target (method/host/port/path prefix). The appliance context (credentials,
// jump chain) never goes into the token: it is kept server-side, keyed by the token id. Revocations
// are kept in memory and in a state file so that a restart does not bring a revoked token back.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditPrincipal } from '../../audit/index.js';
import type { ApplianceContext } from '../../dictionary/index.js';
import { VnfError } from '../../errors.js';
import { ensureDir, writeDurable } from '../persist.js';

export interface UiTarget {
  method: 'http' | 'https';
  host: string;
  port: number;
  /** path prefix on the appliance, always starting and ending with '/' */
  path: string;
}

export interface UiTokenPayload {
  v: 1;
  /** token id (also the cookie path segment) */
  tid: string;
  /** appliance id */
  aid: string;
  t: UiTarget;
  /** expiry, seconds since the epoch */
  exp: number;
}

/** What the broker keeps per session (never sent to the browser). */
export interface UiSession {
  tokenId: string;
  appliance: ApplianceContext;
  target: UiTarget;
  principal: AuditPrincipal;
  createdAt: number;
  expiresAt: number;
  requestId: string;
}

export const TOKEN_ID_RE = /^[A-Za-z0-9_-]{22}$/;
const MAX_TOKEN_LENGTH = 2048;

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Reads the HMAC key file, or creates it (32 random bytes, mode 0600) when it does not exist. */
export function loadOrCreateTokenKey(file: string): Buffer {
  if (!existsSync(file)) {
    ensureDir(dirname(file), 0o700);
    writeDurable(file, randomBytes(32).toString('base64'), 0o600);
    try { chmodSync(file, 0o600); } catch { /* best effort */ }
  }
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (error) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `ui.token_key_file ${file} cannot be read`, { cause: error });
  }
  const text = raw.toString('utf8').trim();
  const key = /^[A-Za-z0-9+/=\s]+$/.test(text) && text.length >= 44 ? Buffer.from(text, 'base64') : raw;
  if (key.length < 32) throw new VnfError('VNF_ERR_CONFIG_INVALID', `ui.token_key_file ${file}: the key must be at least 32 bytes`);
  return key;
}

export class UiTokens {
  private readonly sessions = new Map<string, UiSession>();
  /** token id → expiry (s); kept until the token would have expired anyway */
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly key: Buffer,
    /** revocation list file; undefined = memory only (tests) */
    private readonly revokedFile?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (revokedFile && existsSync(revokedFile)) {
      try {
        const list = JSON.parse(readFileSync(revokedFile, 'utf8')) as Record<string, number>;
        for (const [tid, exp] of Object.entries(list)) if (TOKEN_ID_RE.test(tid) && typeof exp === 'number') this.revoked.set(tid, exp);
      } catch (error) {
        throw new VnfError('VNF_ERR_BROKER_INTERNAL', `UI revocation list ${revokedFile} cannot be read`, { cause: error });
      }
    }
  }

  private mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(`vnf-broker-ui-v1.${payload}`).digest();
  }

  /** Issues a token and records its session server-side. */
  issue(s: Omit<UiSession, 'tokenId' | 'createdAt' | 'expiresAt'>, lifetimeS: number): { token: string; session: UiSession } {
    const createdAt = this.now();
    const tokenId = randomBytes(16).toString('base64url');
    const exp = Math.floor(createdAt / 1000) + lifetimeS;
    const payload: UiTokenPayload = { v: 1, tid: tokenId, aid: s.appliance.id, t: s.target, exp };
    const body = b64u(JSON.stringify(payload));
    const token = `${body}.${b64u(this.mac(body))}`;
    const session: UiSession = { ...s, tokenId, createdAt, expiresAt: exp * 1000 };
    this.prune();
    this.sessions.set(tokenId, session);
    return { token, session };
  }

  /**
   * Checks signature, shape, expiry, revocation and the server-side session; `expect` binds it to a
   * token id (the cookie's path) and/or an appliance. Throws VNF_ERR_UI_TOKEN_INVALID / _EXPIRED.
   */
  verify(token: string, expect: { tokenId?: string; applianceId?: string } = {}): { payload: UiTokenPayload; session: UiSession } {
    const invalid = (why: string): never => { throw new VnfError('VNF_ERR_UI_TOKEN_INVALID', `UI session token ${why}`); };
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) invalid('is malformed');
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m?.[1] || !m[2]) return invalid('is malformed');
    const given = Buffer.from(m[2], 'base64url');
    const want = this.mac(m[1]);
    if (given.length !== want.length || !timingSafeEqual(given, want)) invalid('has a bad signature');
    let payload: UiTokenPayload;
    try {
      payload = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as UiTokenPayload;
    } catch {
      return invalid('is malformed');
    }
    if (payload?.v !== 1 || typeof payload.tid !== 'string' || !TOKEN_ID_RE.test(payload.tid) || typeof payload.aid !== 'string'
      || typeof payload.exp !== 'number' || typeof payload.t !== 'object' || payload.t === null) invalid('is malformed');
    if (expect.tokenId !== undefined && expect.tokenId !== payload.tid) invalid('belongs to another session');
    if (expect.applianceId !== undefined && expect.applianceId !== payload.aid) invalid('belongs to another appliance');
    if (payload.exp * 1000 <= this.now()) throw new VnfError('VNF_ERR_UI_TOKEN_EXPIRED', 'UI session has expired');
    if (this.revoked.has(payload.tid)) throw new VnfError('VNF_ERR_UI_TOKEN_EXPIRED', 'UI session was revoked');
    const session = this.sessions.get(payload.tid);
    if (!session) throw new VnfError('VNF_ERR_UI_TOKEN_EXPIRED', 'UI session is no longer known to the broker');
    if (session.appliance.id !== payload.aid) invalid('belongs to another appliance');
    return { payload, session };
  }

  get(tokenId: string): UiSession | undefined {
    return this.sessions.get(tokenId);
  }

  /** Revokes a session (memory + state file); false when no such live session. */
  revoke(tokenId: string): UiSession | undefined {
    const session = this.sessions.get(tokenId);
    if (!session) return undefined;
    this.sessions.delete(tokenId);
    this.revoked.set(tokenId, Math.ceil(session.expiresAt / 1000));
    this.persist();
    return session;
  }

  /** Drops expired sessions and revocations; returns the sessions that expired (for the audit). */
  prune(): UiSession[] {
    const now = this.now();
    const expired: UiSession[] = [];
    for (const [tid, s] of this.sessions) {
      if (s.expiresAt <= now) {
        this.sessions.delete(tid);
        expired.push(s);
      }
    }
    let changed = false;
    for (const [tid, exp] of this.revoked) {
      if (exp * 1000 <= now) {
        this.revoked.delete(tid);
        changed = true;
      }
    }
    if (changed) this.persist();
    return expired;
  }

  get size(): number {
    return this.sessions.size;
  }

  private persist(): void {
    if (!this.revokedFile) return;
    ensureDir(dirname(this.revokedFile), 0o700);
    writeDurable(this.revokedFile, `${JSON.stringify(Object.fromEntries(this.revoked))}\n`, 0o600);
  }
}
