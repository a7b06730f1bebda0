// The web UI reverse proxy (http-proxy 1.18.1) behind `/ui/{token}/...` and `/ui/{token_id}/...`:
// token → cookie exchange, cookie authentication, header sanitising, path-prefix and Location/cookie
// rewriting, WebSocket upgrades, and containment of http-proxy's known failure modes:
//  - an upstream with an invalid header token / a failing setHeader: per-call callback + `error`
//    listener answer 502 (or destroy the socket when headers were already sent), response headers are
//    re-validated in `proxyRes` before http-proxy copies them;
//  - socket leak on client abort (http-party/node-http-proxy#1586): the upstream request and response
//    are destroyed when the client's response closes unfinished, and a pending WebSocket upgrade when
//    the client socket closes;
//  - onError rethrowing without a listener: there is always an `error` listener, and every web/ws call
//    has its own callback; synchronous throws are caught too.
// Every proxied request is one `http.request` audit record (no bodies, no query strings).
import { randomUUID } from 'node:crypto';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import { ServerResponse as NodeServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import type { Logger } from 'pino';
import type { AuditEvent } from '../../audit/index.js';
import type { ApplianceContext } from '../../dictionary/index.js';
import { VnfError, asVnfError } from '../../errors.js';
import { toProblem, PROBLEM_CONTENT_TYPE } from '../problem.js';
import { ChainAgent } from './agent.js';
import { TOKEN_ID_RE, type UiSession, type UiTarget, type UiTokens } from './tokens.js';

/** Opens a stream to the session's target on the appliance's network (TLS-verified for https). */
export type UiConnector = (appliance: ApplianceContext, target: UiTarget, timeoutMs: number) => Promise<Duplex>;

export interface UiProxyOptions {
  tokens: UiTokens;
  connect: UiConnector;
  /** writes one audit record; throws when it cannot */
  audit: (event: AuditEvent) => void;
  proxyTimeoutMs: number;
  connectTimeoutMs: number;
  logger?: Logger;
}

export const UI_COOKIE = 'vnf_ui';
const PAGE_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };
/** hop-by-hop (RFC 9110 §7.6.1) and proxy headers never forwarded upstream */
const DROP_REQUEST = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'upgrade',
  'forwarded', 'x-real-ip', 'via'];
const DROP_RESPONSE = ['keep-alive', 'proxy-connection', 'proxy-authenticate', 'trailer', 'upgrade', 'alt-svc', 'strict-transport-security'];
const TIMEOUT_CODES = new Set(['VNF_ERR_UI_UPSTREAM_TIMEOUT', 'VNF_ERR_NET_TIMEOUT', 'VNF_ERR_SSH_FORWARD_TIMEOUT', 'VNF_ERR_SSH_TIMEOUT', 'ETIMEDOUT']);

const DENIALS_PER_MINUTE = 120;
const STATUS_TEXT: Record<number, string> = { 403: 'Forbidden', 404: 'Not Found', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

interface Flags { session: UiSession; timedOut: boolean; upgraded: boolean; bytes: number; proxyReq?: ClientRequest }
const flags = new WeakMap<IncomingMessage, Flags>();

function hostHeader(t: UiTarget): string {
  const host = isIP(t.host) === 6 ? `[${t.host}]` : t.host;
  const dflt = t.method === 'https' ? 443 : 80;
  return t.port === dflt ? host : `${host}:${t.port}`;
}

/** `name=value` pairs of the Cookie header(s). */
export function parseCookies(header: string | string[] | undefined): [string, string][] {
  const text = Array.isArray(header) ? header.join('; ') : header ?? '';
  const out: [string, string][] = [];
  for (const part of text.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    out.push([part.slice(0, i).trim(), part.slice(i + 1).trim()]);
  }
  return out;
}

interface ParsedUiPath { segment: string; rest: string; search: string; bare: boolean }

/** `/ui/{segment}/{rest}?{search}`; undefined when the path is not under /ui/. */
export function parseUiPath(url: string): ParsedUiPath | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q);
  const m = /^\/ui\/([^/]+)(\/.*)?$/.exec(path);
  if (!m?.[1]) return undefined;
  const rest = m[2] ?? '/';
  // dot segments (plain or percent-encoded) would leave the session's path prefix on the appliance
  if (/(^|\/)(\.|%2e){1,2}(\/|$)/i.test(rest) || /%2f|%5c|\\/i.test(rest)) {
    throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'dot segments and encoded separators are not allowed in UI paths');
  }
  return { segment: m[1], rest, search, bare: m[2] === undefined };
}

export class UiProxy {
  private readonly proxy: httpProxy;
  private readonly agents = new Map<string, ChainAgent>();
  /** client sockets of WebSocket upgrades → token id */
  private readonly sockets = new Map<Duplex, string>();
  private closed = false;
  private denials = { since: 0, count: 0, dropped: 0 };

  constructor(private readonly o: UiProxyOptions) {
    this.proxy = httpProxy.createProxyServer({
      xfwd: false,
      changeOrigin: false,
      ws: true,
      proxyTimeout: o.proxyTimeoutMs,
      timeout: o.proxyTimeoutMs * 2,
      cookieDomainRewrite: { '*': '' },
      followRedirects: false,
    } as httpProxy.ServerOptions);
    // the catch-all listener: http-proxy rethrows errors when nobody listens
    this.proxy.on('error', (err, req, resOrSocket) => this.fail(err, req, resOrSocket));
    this.proxy.on('proxyReq', (proxyReq, req, res) => this.onProxyReq(proxyReq, req, res));
    this.proxy.on('proxyRes', (proxyRes, req, res) => this.onProxyRes(proxyRes, req, res));
    this.proxy.on('proxyReqWs', (proxyReq, req, socket) => {
      const f = flags.get(req);
      if (f) f.proxyReq = proxyReq;
      proxyReq.once('upgrade', () => { if (f) f.upgraded = true; });
      // a client that goes away before the upgrade completes must not leave the upstream request open
      const abort = (): void => { proxyReq.destroy(); };
      socket.once('close', abort);
      proxyReq.once('upgrade', () => socket.off('close', abort));
      proxyReq.once('error', () => undefined);
    });
  }

  /** Open client sockets (TLS) currently upgraded or proxying (tests count these). */
  get openUpgrades(): number {
    return this.sockets.size;
  }

  private agentFor(session: UiSession): ChainAgent {
    let agent = this.agents.get(session.tokenId);
    if (!agent) {
      agent = new ChainAgent(() => this.o.connect(session.appliance, session.target, this.o.connectTimeoutMs), this.o.connectTimeoutMs);
      this.agents.set(session.tokenId, agent);
    }
    return agent;
  }

  /** Closes a session's upstream connections (revocation, expiry). */
  dropSession(tokenId: string): void {
    this.agents.get(tokenId)?.destroy();
    this.agents.delete(tokenId);
    for (const [socket, id] of this.sockets) if (id === tokenId) socket.destroy();
  }

  close(): void {
    this.closed = true;
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
    for (const s of this.sockets.keys()) s.destroy();
    this.sockets.clear();
    this.proxy.close();
  }

  // ---- authentication --------------------------------------------------------------------------

  /** The session for a request at /ui/{token_id}/...: its cookie must verify and name that id. */
  private authenticate(req: IncomingMessage, tokenId: string): UiSession {
    if (!TOKEN_ID_RE.test(tokenId)) throw new VnfError('VNF_ERR_UI_TOKEN_INVALID', 'no such UI session');
    const candidates = parseCookies(req.headers.cookie).filter(([k]) => k === UI_COOKIE).map(([, v]) => v);
    if (candidates.length === 0) throw new VnfError('VNF_ERR_UI_TOKEN_INVALID', 'no UI session cookie; open the session link again');
    let first: unknown;
    for (const c of candidates) {
      try {
        return this.o.tokens.verify(c, { tokenId }).session;
      } catch (error) {
        first ??= error;
      }
    }
    throw first;
  }

  // ---- HTTP ------------------------------------------------------------------------------------

  handleRequest(req: IncomingMessage, res: ServerResponse): void {
    try {
      this.request(req, res);
    } catch (error) {
      this.fail(error as Error, req, res);
    }
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) throw new VnfError('VNF_ERR_API_SHUTTING_DOWN', 'the broker is shutting down');
    const parsed = parseUiPath(req.url ?? '/');
    if (!parsed) throw new VnfError('VNF_ERR_API_NOT_FOUND', 'not a UI session path');
    if (parsed.segment.includes('.')) {
      this.exchange(req, res, parsed);
      return;
    }
    const session = this.authenticate(req, parsed.segment);
    if (parsed.bare) {
      req.resume();
      res.writeHead(308, { ...PAGE_HEADERS, Location: `/ui/${session.tokenId}/${parsed.search}`, 'Content-Length': '0' }).end();
      return;
    }
    const startedAt = performance.now();
    const requestId = randomUUID();
    const upstreamPath = joinPrefix(session.target.path, parsed.rest);
    const f: Flags = { session, timedOut: false, upgraded: false, bytes: 0 };
    flags.set(req, f);
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      const status = res.headersSent ? res.statusCode : 0;
      this.auditRequest(session, requestId, req.method ?? '?', upstreamPath, status, f.bytes, startedAt, !res.writableFinished);
    };
    res.once('close', record);
    res.once('finish', record);
    this.sanitise(req, session, false);
    req.url = parsed.rest.slice(1) === '' ? `/${parsed.search}` : `${parsed.rest}${parsed.search}`;
    this.proxy.web(req, res, this.targetOptions(session), (err) => this.fail(err, req, res));
  }

  /** /ui/{token}/... → cookie for /ui/{token_id}/ and a redirect to the clean path (the token leaves the address bar). */
  private exchange(req: IncomingMessage, res: ServerResponse, parsed: ParsedUiPath): void {
    req.resume();
    const { session } = this.o.tokens.verify(parsed.segment);
    const token = parsed.segment;
    const maxAge = Math.max(1, Math.floor((session.expiresAt - Date.now()) / 1000));
    const clean = `/ui/${session.tokenId}${parsed.rest}${parsed.search}`;
    const cookie = `${UI_COOKIE}=${token}; Path=/ui/${session.tokenId}/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`;
    // A 200 page that navigates itself, not a 30x: a SameSite=Strict cookie set on a cross-site
    // navigation (a link in the CloudStack UI) is not sent on that navigation's redirects, but it is
    // on a navigation the broker's own page starts. Referrer-Policy keeps the token out of Referer.
    const href = clean.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    const body = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${href}"><title>vnf-broker</title><a href="${href}">Continue to the appliance web UI</a>\n`;
    res.writeHead(200, {
      ...PAGE_HEADERS,
      'Set-Cookie': cookie,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Content-Security-Policy': "default-src 'none'",
    }).end(body);
    this.auditRequest(session, randomUUID(), req.method ?? '?', '(session link)', 200, 0, performance.now(), false);
  }

  private targetOptions(session: UiSession): httpProxy.ServerOptions {
    const t = session.target;
    return {
      target: { protocol: 'http:', host: t.host, port: t.port, path: t.path.replace(/\/$/, '') } as unknown as httpProxy.ServerOptions['target'],
      agent: this.agentFor(session),
      cookiePathRewrite: { '*': `/ui/${session.tokenId}/` },
    };
  }

  /** Incoming headers → upstream: no broker cookie, no hop-by-hop, no client-supplied X-Forwarded-*. */
  private sanitise(req: IncomingMessage, session: UiSession, upgrade: boolean): void {
    const h = req.headers;
    const listed = String(h.connection ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
    for (const name of [...DROP_REQUEST, ...listed]) {
      if (upgrade && (name === 'connection' || name === 'upgrade')) continue;
      delete h[name];
    }
    for (const name of Object.keys(h)) if (name.startsWith('x-forwarded-') || name.startsWith('x-vnf-')) delete h[name];
    const cookies = parseCookies(h.cookie).filter(([k]) => k !== UI_COOKIE);
    if (cookies.length > 0) h.cookie = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
    else delete h.cookie;
    const t = session.target;
    h.host = hostHeader(t);
    const upstreamOrigin = `${t.method}://${hostHeader(t)}`;
    // Origin/Referer point at the broker; CSRF checks of the appliance compare them with its own origin
    if (typeof h.origin === 'string' && h.origin !== 'null') h.origin = upstreamOrigin;
    if (typeof h.referer === 'string') {
      try {
        const ref = new URL(h.referer);
        const p = parseUiPath(ref.pathname);
        h.referer = p && p.segment === session.tokenId ? `${upstreamOrigin}${joinPrefix(t.path, p.rest)}${ref.search}` : `${upstreamOrigin}/`;
      } catch {
        delete h.referer;
      }
    }
    h['x-forwarded-proto'] = 'https';
    h['x-forwarded-prefix'] = `/ui/${session.tokenId}`;
  }

  private onProxyReq(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse): void {
    const f = flags.get(req);
    if (f) f.proxyReq = proxyReq;
    proxyReq.once('timeout', () => { if (f) f.timedOut = true; });
    // #1586: on Node >= 15.5 http-proxy misses a client abort; tear the upstream down ourselves
    res.once('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
  }

  /** Runs before http-proxy copies the response headers: validate, rewrite Location, drop the broker cookie name. */
  private onProxyRes(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse): void {
    const f = flags.get(req);
    const session = f?.session;
    if (f) proxyRes.on('data', (chunk: Buffer) => { f.bytes += chunk.length; });
    res.once('close', () => { if (!res.writableFinished) proxyRes.destroy(); });
    const h = proxyRes.headers;
    for (const name of DROP_RESPONSE) delete h[name];
    for (const [name, value] of Object.entries(h)) {
      try {
        validateHeaderName(name);
        for (const v of Array.isArray(value) ? value : [value ?? '']) validateHeaderValue(name, v);
      } catch {
        delete h[name];
      }
    }
    if (!session) return;
    if (typeof h.location === 'string') h.location = rewriteLocation(h.location, session);
    const setCookie = h['set-cookie'];
    if (setCookie) {
      const kept = setCookie.filter((c) => c.split('=')[0]?.trim() !== UI_COOKIE);
      if (kept.length > 0) h['set-cookie'] = kept;
      else delete h['set-cookie'];
    }
  }

  /**
   * A page of a session asked for an absolute path outside /ui/ (`<a href="/page2">`, a form action, a
   * script fetch): when the Referer names a live session of this listener, answer 307 to the same path
   * under that session's prefix (method and body are kept; the redirected request then authenticates
   * by its cookie). Returns false when the request is not one of these.
   */
  redirectStray(req: IncomingMessage, res: ServerResponse): boolean {
    const referer = req.headers.referer;
    if (typeof referer !== 'string' || !req.url?.startsWith('/') || req.url.startsWith('//')) return false;
    let ref: URL;
    let p: ParsedUiPath | undefined;
    try {
      ref = new URL(referer);
      p = parseUiPath(ref.pathname);
    } catch {
      return false;
    }
    if (ref.host !== req.headers.host) return false;
    if (!p || !TOKEN_ID_RE.test(p.segment) || !this.o.tokens.get(p.segment)) return false;
    req.resume();
    res.writeHead(307, { ...PAGE_HEADERS, Location: `/ui/${p.segment}${req.url}`, 'Content-Length': '0' }).end();
    return true;
  }

  // ---- WebSocket -------------------------------------------------------------------------------

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    try {
      if (this.closed) throw new VnfError('VNF_ERR_API_SHUTTING_DOWN', 'the broker is shutting down');
      const parsed = parseUiPath(req.url ?? '/');
      if (!parsed || parsed.segment.includes('.')) throw new VnfError('VNF_ERR_API_NOT_FOUND', 'not a UI session path');
      const session = this.authenticate(req, parsed.segment);
      const startedAt = performance.now();
      const requestId = randomUUID();
      const upstreamPath = joinPrefix(session.target.path, parsed.rest);
      this.sockets.set(socket, session.tokenId);
      const f: Flags = { session, timedOut: false, upgraded: false, bytes: 0 };
      flags.set(req, f);
      socket.once('close', () => {
        this.sockets.delete(socket);
        const s = socket as Duplex & { bytesWritten?: number };
        this.auditRequest(session, requestId, req.method ?? 'GET', upstreamPath, f.upgraded ? 101 : 0, s.bytesWritten ?? 0, startedAt, !f.upgraded);
      });
      this.sanitise(req, session, true);
      req.url = `${parsed.rest}${parsed.search}`;
      this.proxy.ws(req, socket, head, this.targetOptions(session), (err) => this.fail(err, req, socket));
    } catch (error) {
      this.fail(error as Error, req, socket);
    }
  }

  // ---- errors and audit ------------------------------------------------------------------------

  /** 502/504 (403/404 for auth) as a problem response, or destroy the socket when headers were sent. */
  private fail(err: Error, req: IncomingMessage, target: ServerResponse | Duplex | undefined): void {
    const f = flags.get(req);
    let e = asVnfError(err);
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!(err instanceof VnfError)) {
      e = f?.timedOut || TIMEOUT_CODES.has(code)
        ? new VnfError('VNF_ERR_UI_UPSTREAM_TIMEOUT', 'the appliance web UI did not answer in time', { cause: err })
        : new VnfError('VNF_ERR_UI_UPSTREAM', `the appliance web UI could not be reached (${code.replace(/[^A-Z0-9_]/g, '') || 'error'})`, { cause: err });
    } else if (!e.code.startsWith('VNF_ERR_UI_') && !e.code.startsWith('VNF_ERR_API_')) {
      e = TIMEOUT_CODES.has(e.code)
        ? new VnfError('VNF_ERR_UI_UPSTREAM_TIMEOUT', `the appliance web UI did not answer in time (${e.code})`, { cause: err })
        : new VnfError('VNF_ERR_UI_UPSTREAM', `the appliance web UI could not be reached (${e.code})`, { cause: err });
    }
    if (e.code === 'VNF_ERR_UI_UPSTREAM' || e.code === 'VNF_ERR_UI_UPSTREAM_TIMEOUT') {
      this.o.logger?.warn({ code: e.code, cause: code || (err instanceof VnfError ? err.code : undefined) }, 'web UI proxy error');
    }
    f?.proxyReq?.destroy();
    const requestId = randomUUID();
    if (e.code === 'VNF_ERR_UI_TOKEN_INVALID' || e.code === 'VNF_ERR_UI_TOKEN_EXPIRED') this.auditDenied(req, e.code, requestId);
    const body = `${JSON.stringify(toProblem(e, requestId))}\n`;
    if (target instanceof NodeServerResponse) {
      req.resume();
      if (target.headersSent || target.destroyed) {
        target.destroy();
        return;
      }
      target.writeHead(e.httpStatus, { ...PAGE_HEADERS, 'Content-Type': PROBLEM_CONTENT_TYPE, 'Content-Length': String(Buffer.byteLength(body)), 'X-Request-Id': requestId }).end(body);
      return;
    }
    if (target && !target.destroyed) {
      const s = target as Duplex & { _vnfAnswered?: boolean };
      if (!s._vnfAnswered && !f?.upgraded) {
        s._vnfAnswered = true;
        s.end(`HTTP/1.1 ${e.httpStatus} ${STATUS_TEXT[e.httpStatus] ?? 'Error'}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        setTimeout(() => s.destroy(), 1000).unref();
      } else {
        s.destroy();
      }
    }
  }

  /**
   * A refused link or cookie is an `auth.denied` record. The listener has no client certificates, so
   * anyone who reaches it can cause these: at most DENIALS_PER_MINUTE records a minute, the rest are
   * counted in the application log.
   */
  private auditDenied(req: IncomingMessage, code: string, requestId: string): void {
    const now = Date.now();
    if (now - this.denials.since >= 60_000) {
      if (this.denials.dropped > 0) this.o.logger?.warn({ dropped: this.denials.dropped }, 'UI listener: refused requests beyond the audit rate were not recorded');
      this.denials = { since: now, count: 0, dropped: 0 };
    }
    if (++this.denials.count > DENIALS_PER_MINUTE) {
      this.denials.dropped++;
      return;
    }
    let path = '/ui/?';
    try {
      const p = parseUiPath(req.url ?? '/');
      if (p) path = `/ui/${TOKEN_ID_RE.test(p.segment) ? p.segment : '(link)'}/`;
    } catch {
      // keep '/ui/?'
    }
    try {
      this.o.audit({
        type: 'auth.denied', request_id: requestId, outcome: 'denied', error_code: code,
        detail: { listener: 'ui', method: (req.method ?? '?').slice(0, 16), path, remote: req.socket.remoteAddress ?? '?' },
      });
    } catch (error) {
      this.o.logger?.error({ err: error }, 'audit record of a refused UI request could not be written');
    }
  }

  private auditRequest(session: UiSession, requestId: string, method: string, path: string, status: number, bytes: number, startedAt: number, aborted: boolean): void {
    const a = session.appliance;
    const t = session.target;
    try {
      this.o.audit({
        type: 'http.request',
        request_id: requestId,
        principal: session.principal,
        appliance: { id: a.id, ...(a.name ? { name: a.name } : {}), ...(a.management?.host ? { address: a.management.host } : {}) },
        transport: t.method,
        http: { method: method.slice(0, 16), url: `${t.method}://${hostHeader(t)}${path.slice(0, 512)}`, ...(status ? { status } : {}) },
        outcome: !aborted && status > 0 && status < 400 ? 'success' : 'failure',
        duration_ms: Math.round((performance.now() - startedAt) * 1000) / 1000,
        detail: { ui_session: session.tokenId, bytes, ...(aborted ? { aborted: true } : {}) },
      });
    } catch (error) {
      this.o.logger?.error({ err: error }, 'audit record of a web UI request could not be written');
    }
  }
}

/** `/admin/` + `/x/y` → `/admin/x/y` (the path has no query). */
export function joinPrefix(prefix: string, rest: string): string {
  const p = prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  return `${p}${rest.startsWith('/') ? rest : `/${rest}`}`.split('?')[0] ?? '/';
}

/** Upstream Location → a path under /ui/{token_id}/ (other origins are left alone). */
export function rewriteLocation(location: string, session: UiSession): string {
  const t = session.target;
  const mount = `/ui/${session.tokenId}`;
  const upstream = new URL(`${t.method}://${hostHeader(t)}${t.path}`);
  let url: URL;
  try {
    url = new URL(location, upstream);
  } catch {
    return `${mount}/`;
  }
  if (url.origin !== upstream.origin) return location;
  const prefix = t.path.endsWith('/') ? t.path.slice(0, -1) : t.path;
  const rest = url.pathname.startsWith(`${prefix}/`) || url.pathname === prefix ? url.pathname.slice(prefix.length) || '/' : '/';
  return `${mount}${rest}${url.search}${url.hash}`;
}
