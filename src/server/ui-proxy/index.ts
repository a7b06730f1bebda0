// Web UI access (README "Web UI access"): session tokens, the http-proxy based reverse proxy and its
// server-TLS listener, wired together as one runtime the API server starts and closes.
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { AuditEvent, AuditPrincipal } from '../../audit/index.js';
import type { BrokerConfig, UiConfig } from '../../config/index.js';
import type { ApplianceContext } from '../../dictionary/index.js';
import { VnfError } from '../../errors.js';
import { startUiListener, type UiListener } from './listener.js';
import { UiProxy, type UiConnector } from './proxy.js';
import { loadOrCreateTokenKey, UiTokens, type UiSession, type UiTarget } from './tokens.js';

export { UiProxy, parseCookies, parseUiPath, rewriteLocation, joinPrefix, UI_COOKIE, type UiConnector, type UiProxyOptions } from './proxy.js';
export { UiTokens, loadOrCreateTokenKey, TOKEN_ID_RE, type UiSession, type UiTarget, type UiTokenPayload } from './tokens.js';
export { ChainAgent, asSocketLike } from './agent.js';
export { startUiListener, UI_SOCKET_WRITE_HIGH_WATER_MARK, type UiListener } from './listener.js';

/** What `pool.stream()` offers (ConnectionPool satisfies it). */
export interface StreamPool {
  stream(a: ApplianceContext, host: string, port: number, opts?: { tls?: boolean; verifySsl?: boolean; timeoutMs?: number }): Promise<Duplex>;
}

/** The connector over the transport pool: same jump chain / CONNECT proxy and TLS trust as pool.http. */
export function poolUiConnector(pool: StreamPool): UiConnector {
  return (a, t, timeoutMs) => pool.stream(a, t.host, t.port, { tls: t.method === 'https', timeoutMs });
}

export interface UiRuntimeDeps {
  config: BrokerConfig & { ui: UiConfig };
  /** throws when the record cannot be written */
  audit: (event: AuditEvent) => void;
  connect?: UiConnector;
  logger?: Logger;
  now?: () => number;
}

export interface OpenedSession {
  url: string;
  token_id: string;
  expires_at: string;
}

export class UiRuntime {
  readonly tokens: UiTokens;
  readonly proxy: UiProxy;
  private listener: UiListener | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly d: UiRuntimeDeps) {
    const ui = d.config.ui;
    this.tokens = new UiTokens(loadOrCreateTokenKey(ui.token_key_file), join(d.config.state_dir, 'ui', 'revoked.json'), d.now);
    const connect: UiConnector = d.connect ?? (() => Promise.reject(new VnfError('VNF_ERR_UI_UPSTREAM', 'no transport is wired to the web UI proxy')));
    this.proxy = new UiProxy({
      tokens: this.tokens, connect, audit: d.audit, logger: d.logger,
      proxyTimeoutMs: ui.proxy_timeout_ms, connectTimeoutMs: d.config.timeouts.connect_ms,
    } as ConstructorParameters<typeof UiProxy>[0]);
    this.timer = setInterval(() => this.expire(), 15_000);
    this.timer.unref();
  }

  get ui(): UiConfig {
    return this.d.config.ui;
  }

  /** ui.public_url, else https://<bound address> (a wildcard address becomes `localhost`) */
  private baseUrl(): string {
    if (this.ui.public_url) return this.ui.public_url;
    const host = this.ui.listen.host;
    const port = this.listener?.address.port ?? this.ui.listen.port;
    const name = host === '0.0.0.0' || host === '::' ? 'localhost' : isIP(host) === 6 ? `[${host}]` : host;
    return `https://${name}:${port}`;
  }

  async start(): Promise<UiListener> {
    this.listener = await startUiListener(this.ui, this.d.config.tls.min_version, this.proxy, this.d.logger);
    return this.listener;
  }

  open(appliance: ApplianceContext, target: UiTarget, lifetimeS: number, principal: AuditPrincipal, requestId: string): OpenedSession {
    const { token, session } = this.tokens.issue({ appliance, target, principal, requestId }, lifetimeS);
    try {
      this.record(session, 'opened', requestId);
    } catch (error) {
      this.tokens.revoke(session.tokenId);
      throw error;
    }
    return { url: `${this.baseUrl()}/ui/${token}/`, token_id: session.tokenId, expires_at: new Date(session.expiresAt).toISOString() };
  }

  /** Revokes (creator or admin); the record is written first: no record, no revocation. */
  revoke(tokenId: string, principal: AuditPrincipal, admin: boolean, requestId: string): void {
    const session = this.tokens.get(tokenId);
    if (!session || (!admin && session.principal.fingerprint !== principal.fingerprint)) {
      throw new VnfError('VNF_ERR_UI_SESSION_NOT_FOUND', 'no such UI session');
    }
    this.record(session, 'revoked', requestId, principal);
    this.tokens.revoke(tokenId);
    this.proxy.dropSession(tokenId);
  }

  /** Expired sessions: audit and close their upstream connections and WebSockets. */
  expire(): void {
    for (const s of this.tokens.prune()) {
      try { this.record(s, 'expired'); } catch (error) { this.d.logger?.error({ err: error }, 'UI session expiry could not be audited'); }
      this.proxy.dropSession(s.tokenId);
    }
  }

  private record(s: UiSession, action: 'opened' | 'revoked' | 'expired', requestId?: string, by?: AuditPrincipal): void {
    const a = s.appliance;
    this.d.audit({
      type: 'ui.session',
      ...(requestId ? { request_id: requestId } : {}),
      principal: by ?? s.principal,
      appliance: { id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.management?.host ? { address: a.management.host } : {}) },
      transport: s.target.method,
      outcome: 'success',
      detail: {
        action, token_id: s.tokenId, target: { ...s.target }, expires_at: new Date(s.expiresAt).toISOString(),
        ...(by && by.fingerprint !== s.principal.fingerprint ? { created_by: s.principal.subject } : {}),
      },
    });
  }

  reload(): void {
    this.listener?.reload();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.proxy.close();
    await this.listener?.close();
  }
}
