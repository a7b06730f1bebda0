// The fake IOS-XE RESTCONF API (RFC 8040 over HTTPS, basic auth, application/yang-data+json):
// authentication (privilege-15 users, else 401), media types (406/415), JSON parsing (400
// malformed-message), the resource handlers of restconf-native.ts, and every error as
// {"ietf-restconf:errors":{"error":[{error-type, error-tag, error-path?, error-message}]}}.
// Writes change the running-config at once; RESTCONF answers only while `ip http secure-server`
// and `restconf` are configured.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { handleNative } from './restconf-native.js';
import { RestconfError, YANG_JSON, type Reply } from './restconf-types.js';
import type { IosState } from './state.js';

export { maskLength } from './net.js';

export interface RestconfRequest { method: string; url: string; status: number }
export interface FakeRestconf { port: number; requests: RestconfRequest[]; close(): Promise<void> }

function send(res: ServerResponse, reply: Reply): void {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.body === undefined) return void res.end();
  res.setHeader('content-type', YANG_JSON);
  res.end(JSON.stringify(reply.body, null, 2));
}

function authorised(state: IosState, header: string | undefined): boolean {
  const auth = /^Basic (.+)$/.exec(header ?? '');
  const [user, ...pw] = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8').split(':') : [];
  const u = user !== undefined ? state.user(user) : undefined;
  return u !== undefined && u.password === pw.join(':') && u.privilege >= 15;
}

function answer(state: IosState, req: IncomingMessage, raw: string): Reply {
  if (!authorised(state, req.headers.authorization)) {
    throw new RestconfError(401, 'access-denied', 'access denied', undefined, { 'www-authenticate': 'Basic realm="restconf"' }, 'protocol');
  }
  const accept = req.headers.accept ?? '*/*';
  if (!/application\/yang-data\+json|application\/\*|\*\/\*/.test(accept)) throw new RestconfError(406, 'invalid-value', 'unsupported Accept media type');
  let body: unknown;
  if (raw !== '') {
    if (!(req.headers['content-type'] ?? '').startsWith(YANG_JSON)) throw new RestconfError(415, 'invalid-value', 'unsupported Content-Type');
    try { body = JSON.parse(raw); } catch { throw new RestconfError(400, 'malformed-message', 'invalid JSON'); }
  }
  return handleNative(state, req.method ?? 'GET', (req.url ?? '/').split('?')[0]!, body);
}

/** Starts the API with the given certificate (default 127.0.0.1, a free port); users with privilege 15 may use it. */
export async function startRestconf(state: IosState, tls: { cert: string; key: string }, o: { host?: string; port?: number } = {}): Promise<FakeRestconf> {
  const requests: RestconfRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { raw += c; });
    req.on('end', () => {
      let reply: Reply;
      if (!state.httpSecureServer || !state.restconf) {
        reply = { status: 404 }; // the web server answers, the RESTCONF paths are not there
      } else {
        try {
          reply = answer(state, req, raw);
        } catch (e) {
          if (!(e instanceof RestconfError)) throw e;
          reply = e.reply();
        }
      }
      requests.push({ method: req.method ?? 'GET', url: req.url ?? '', status: reply.status });
      state.touch();
      send(res, reply);
    });
  });
  server.on('connection', (s: Socket) => {
    // without `ip http secure-server` nothing listens on 443: the connection is dropped
    if (!state.httpSecureServer) return void s.destroy();
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve); });
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
