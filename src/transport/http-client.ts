// HTTP(S) to one appliance origin over any dialer (SSH chain, direct, CONNECT proxy), pooled
// with undici keep-alive. Our connect() times forward/tunnel + TLS itself (undici won't).
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
import { VnfError } from '../errors.js';
import { appendAudit, redactHeaders, redactUrl, sha256Hex, type AuditBinding } from './audit-events.js';
import type { Dialer } from './dialers.js';
import { connectTls, type TlsConnectOptions } from './tls-trust.js';
import { translateHttpError } from './translate-error.js';
import type { HttpRequestSpec, HttpResult, TransportTimeouts } from './types.js';

export interface ApplianceHttpOptions {
  origin: URL;
  dial: Dialer;
  /** for https origins: everything but host/port/dial */
  tls?: Omit<TlsConnectOptions, 'host' | 'port' | 'dial'>;
  timeouts: Pick<TransportTimeouts, 'connectMs' | 'forwardMs' | 'headersMs' | 'bodyMs'>;
  audit: AuditBinding;
  connections?: number;
  keepAliveTimeoutMs?: number;
}

/** Runs p with a deadline; on timeout the late result is cleaned up by `dispose`. */
function withDeadline<T>(p: Promise<T>, ms: number, what: string, dispose: (v: T) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new VnfError('VNF_ERR_NET_TIMEOUT', `${what}: connection not established within ${ms} ms`));
    }, ms);
    p.then((v) => {
      if (done) return dispose(v);
      done = true;
      clearTimeout(timer);
      resolve(v);
    }, (err: unknown) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(err);
    });
  });
}

export class ApplianceHttp {
  private readonly pool: Pool;
  private readonly https: boolean;
  private readonly port: number;
  private readonly host: string;
  connectsMade = 0;

  constructor(private readonly o: ApplianceHttpOptions) {
    this.https = o.origin.protocol === 'https:';
    this.host = o.origin.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(o.origin.port || (this.https ? 443 : 80));
    if (this.https && !o.tls) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'https origin without TLS trust settings');
    this.pool = new Pool(o.origin.origin, {
      connections: o.connections ?? 4,
      headersTimeout: o.timeouts.headersMs,
      bodyTimeout: o.timeouts.bodyMs,
      keepAliveTimeout: o.keepAliveTimeoutMs ?? 30_000,
      connect: (_opts, cb) => {
        this.connectsMade++;
        const what = `${this.https ? 'https' : 'http'}://${this.o.origin.host}`;
        withDeadline(this.openSocket(), o.timeouts.connectMs, what, (s) => s.destroy())
          .then((s) => cb(null, s as Socket), (err: unknown) => cb(err instanceof Error ? err : new Error(String(err)), null));
      },
    });
  }

  private async openSocket(): Promise<Duplex> {
    const dial = (): Promise<Duplex> => this.o.dial(this.host, this.port, Math.min(this.o.timeouts.forwardMs, this.o.timeouts.connectMs));
    if (!this.https || !this.o.tls) return dial();
    return connectTls({ ...this.o.tls, host: this.host, port: this.port, dial });
  }

  async request(req: HttpRequestSpec): Promise<HttpResult> {
    const url = new URL(req.url);
    if (url.origin !== this.o.origin.origin) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `URL origin ${url.origin} is not ${this.o.origin.origin}`);
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? Buffer.from(req.body) : req.body;
    const audited = {
      method: req.method.toUpperCase(),
      url: redactUrl(url),
      headers: redactHeaders(req.headers),
      ...(body ? { body_sha256: sha256Hex(body) } : {}),
    };
    const transport = this.https ? 'https' : 'http';
    appendAudit(this.o.audit, req.audit, { type: 'http.request', transport, outcome: 'started', http: audited });
    const started = Date.now();
    const target = `${req.method.toUpperCase()} ${audited.url}`;
    try {
      const res = await this.pool.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: audited.method as Dispatcher.HttpMethod,
        headers: req.headers ?? {},
        ...(body ? { body } : {}),
        headersTimeout: req.headersTimeoutMs ?? this.o.timeouts.headersMs,
        bodyTimeout: req.bodyTimeoutMs ?? this.o.timeouts.bodyMs,
      });
      const text = await readBody(res.body, req.maxBodyBytes ?? 16 * 1024 * 1024, target);
      const durationMs = Date.now() - started;
      appendAudit(this.o.audit, req.audit, { type: 'http.request', transport, outcome: 'success',
        http: { ...audited, status: res.statusCode }, duration_ms: durationMs, output: text });
      return { status: res.statusCode, headers: res.headers as HttpResult['headers'], body: text, durationMs };
    } catch (err) {
      const e = translateHttpError(err, target);
      appendAudit(this.o.audit, req.audit, { type: 'http.request', transport, outcome: 'failure', http: audited,
        error_code: e.code, duration_ms: Date.now() - started });
      throw e;
    }
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

async function readBody(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number, target: string): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.length;
    if (n > max) {
      body.destroy?.();
      throw new VnfError('VNF_ERR_HTTP_PROTOCOL', `${target}: response body exceeded ${max} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
