// The HTTPS listener the vendor API simulators share: the request body read as text (bounded at
// 1 MiB), one handler per request, a 500 with the error when the handler throws, and a close() that
// drops keep-alive connections so a test's teardown never waits for them.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const MAX_BODY = 1 << 20;

export type BodyHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface SimulatorListener { port: number; close(): Promise<void> }

export async function listenHttps(tls: { cert: string; key: string }, host: string, port: number, handle: BodyHandler): Promise<SimulatorListener> {
  const fail = (res: ServerResponse, e: unknown): void => { if (!res.headersSent) res.writeHead(500); res.end(String(e)); };
  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    let text = '';
    let size = 0;
    req.setEncoding('utf8');
    req.on('data', (c: string) => { size += c.length; if (size <= MAX_BODY) text += c; });
    req.on('end', () => {
      try { Promise.resolve(handle(req, res, text)).catch((e: unknown) => { fail(res, e); }); } catch (e) { fail(res, e); }
    });
  });
  server.on('connection', (s: Socket) => { sockets.add(s); s.once('close', () => sockets.delete(s)); });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(port, host, resolve); });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}
