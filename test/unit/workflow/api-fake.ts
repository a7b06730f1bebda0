// A programmable HTTP(S) endpoint on 127.0.0.1 for engine tests: each request is answered by the
// test's handler (status, JSON body, optional server-side delay); requests are recorded.
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface Seen { method: string; url: string; headers: IncomingMessage['headers']; body: string }
export interface Reply { status?: number; body?: unknown; delayMs?: number; contentType?: string }
export type Handler = (req: Seen, n: number) => Reply;

export interface ApiFake { port: number; seen: Seen[]; inFlight: number; maxInFlight: number; handler: Handler; close(): Promise<void> }

export async function startApiFake(handler: Handler, tls?: { cert: string; key: string }): Promise<ApiFake> {
  const sockets = new Set<Socket>();
  const api = { seen: [] as Seen[], inFlight: 0, maxInFlight: 0, handler } as ApiFake;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const seen: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      api.seen.push(seen);
      api.inFlight++;
      api.maxInFlight = Math.max(api.maxInFlight, api.inFlight);
      const r = api.handler(seen, api.seen.length);
      const answer = (): void => {
        api.inFlight--;
        res.statusCode = r.status ?? 200;
        if (r.body === undefined) return void res.end();
        res.setHeader('content-type', r.contentType ?? 'application/json');
        res.end(typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
      };
      if (r.delayMs) setTimeout(answer, r.delayMs);
      else answer();
    });
  };
  const server = tls ? createHttps({ cert: tls.cert, key: tls.key }, onRequest) : createHttp(onRequest);
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.port = (server.address() as AddressInfo).port;
  api.close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return api;
}
