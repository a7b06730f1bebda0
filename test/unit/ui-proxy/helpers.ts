// Test pieces for the web UI proxy, all on 127.0.0.1: a small multi-page upstream web UI (HTTP or
// HTTPS) with redirects, cookies, a form, a slow and an endless page and a WebSocket echo; a minimal
// WebSocket client; and a raw TCP upstream that answers with a broken header.
import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface Upstream {
  port: number;
  server: Server;
  /** sockets the upstream currently has open */
  open(): number;
  /** resolves when an /endless response's connection closed */
  endlessClosed: Promise<void>;
  requests: { method: string; url: string; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One WebSocket frame (FIN, opcode 1 text / 8 close), masked when `mask`. */
export function wsFrame(text: string, mask: boolean, opcode = 1): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error('test frames are short');
  const key = mask ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  const body = mask ? Buffer.from(payload.map((b, i) => b ^ (key[i % 4] ?? 0))) : payload;
  return Buffer.concat([Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | payload.length]), key, body]);
}

/** Parses one short frame; undefined until complete. */
export function readFrame(buf: Buffer): { text: string; opcode: number; length: number } | undefined {
  if (buf.length < 2) return undefined;
  const opcode = (buf[0] ?? 0) & 0x0f;
  const masked = ((buf[1] ?? 0) & 0x80) !== 0;
  const len = (buf[1] ?? 0) & 0x7f;
  const start = 2 + (masked ? 4 : 0);
  if (buf.length < start + len) return undefined;
  const key = masked ? buf.subarray(2, 6) : undefined;
  const data = Buffer.from(buf.subarray(start, start + len).map((b, i) => (key ? b ^ (key[i % 4] ?? 0) : b)));
  return { text: data.toString('utf8'), opcode, length: start + len };
}

function page(res: ServerResponse, title: string, body: string): void {
  const html = `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`;
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)) }).end(html);
}

/** The body of GET /bulk on startUpstream: 8 MiB of BULK_PATTERN repeated. */
export const BULK_BYTES = 8 * 1024 * 1024;
export const BULK_PATTERN = 'vnf-broker bulk ';

export async function startUpstream(tls?: { cert: string; key: string }, at: { host: string; port: number } = { host: '127.0.0.1', port: 0 }): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const requests: Upstream['requests'] = [];
  let endlessDone: () => void = () => undefined;
  const endlessClosed = new Promise<void>((resolve) => { endlessDone = resolve; });
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const url = new URL(req.url ?? '/', 'http://upstream.invalid');
    switch (url.pathname) {
      case '/':
        page(res, 'Home', '<a id="next" href="/page2">page 2</a> <a id="redir" href="/redirect">redirect</a>'
          + '<form id="f" method="post" action="/form"><input name="hostname" value="fw-1"><button id="submit">Save</button></form>');
        return;
      case '/page2':
        page(res, 'Page two', `<p id="cookie">${(req.headers.cookie ?? '').replace(/[<>&]/g, '')}</p>`);
        return;
      case '/redirect':
        res.writeHead(302, { Location: '/page2' }).end();
        return;
      case '/abs-redirect':
        res.writeHead(302, { Location: `${tls ? 'https' : 'http'}://${req.headers.host ?? ''}/page2?x=1` }).end();
        return;
      case '/elsewhere':
        res.writeHead(302, { Location: 'https://example.org/' }).end();
        return;
      case '/set-cookie':
        res.writeHead(200, { 'Set-Cookie': ['sid=abc123; Path=/; Domain=10.9.9.9; HttpOnly', 'vnf_ui=evil; Path=/'], 'Content-Length': '2' }).end('ok');
        return;
      case '/headers': {
        const text = JSON.stringify(req.headers);
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
        return;
      }
      case '/form': {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          if (req.method === 'POST') {
            res.writeHead(303, { Location: `/saved?hostname=${encodeURIComponent(params.get('hostname') ?? '')}` }).end();
          } else {
            res.writeHead(405).end();
          }
        });
        return;
      }
      case '/saved':
        page(res, 'Saved', `<p id="saved">${(url.searchParams.get('hostname') ?? '').replace(/[<>&]/g, '')}</p>`);
        return;
      case '/bulk': {
        // BULK_BYTES of BULK_PATTERN in 16 KiB writes, with backpressure (a large download)
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(BULK_BYTES) });
        const chunk = Buffer.alloc(16 * 1024, BULK_PATTERN);
        let left = BULK_BYTES / chunk.length;
        const pump = (): void => {
          while (left > 0) {
            left--;
            if (left === 0) res.end(chunk);
            else if (!res.write(chunk)) { res.once('drain', pump); return; }
          }
        };
        pump();
        return;
      }
      case '/slow':
        return; // never answers
      case '/endless': {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        const chunk = Buffer.alloc(16 * 1024, 120);
        const timer = setInterval(() => res.write(chunk), 5);
        res.socket?.once('close', () => { clearInterval(timer); endlessDone(); });
        return;
      }
      default:
        res.writeHead(404, { 'Content-Length': '9' }).end('not found');
    }
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
  server.on(tls ? 'secureConnection' : 'connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    let buf = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let f = readFrame(buf); f; f = readFrame(buf)) {
        buf = buf.subarray(f.length);
        if (f.opcode === 8) { socket.end(wsFrame('', false, 8)); return; }
        socket.write(wsFrame(`echo:${f.text}`, false));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(at.port, at.host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    server,
    open: () => sockets.size,
    endlessClosed,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** An upstream that answers every request with `head` (a raw status line + headers) and closes. */
export async function startRawUpstream(head: string): Promise<{ port: number; close(): Promise<void> }> {
  const server: NetServer = createNetServer((s) => {
    s.on('error', () => s.destroy());
    s.once('data', () => s.end(`${head}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export interface UiReply { status: number; headers: IncomingMessage['headers']; text: string }

/** One request to the UI listener (server TLS only, no client certificate). */
export function uiRequest(port: number, ca: string, path: string, o: { method?: string; cookie?: string; body?: string; headers?: Record<string, string> } = {}): Promise<UiReply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, method: o.method ?? 'GET', ca, agent: false,
      headers: { ...(o.cookie ? { cookie: o.cookie } : {}), ...(o.body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(o.body)) } : {}), ...o.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error('test request timed out')));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** WebSocket over the UI listener: resolves with the upgraded socket (or the refusal status). */
export function wsConnect(port: number, ca: string, path: string, cookie?: string): Promise<{ status: number; socket?: Duplex; send(text: string): void; next(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1', port, path, ca, agent: false,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': Buffer.from('0123456789abcdef').toString('base64'), ...(cookie ? { cookie } : {}) },
    });
    req.setTimeout(15_000, () => req.destroy(new Error('ws test timed out')));
    req.on('response', (res) => { res.resume(); resolve({ status: res.statusCode ?? 0, send: () => undefined, next: () => Promise.reject(new Error('not upgraded')) }); });
    req.on('upgrade', (res, socket) => {
      let buf = Buffer.alloc(0);
      const waiting: ((t: string) => void)[] = [];
      const ready: string[] = [];
      socket.on('error', () => socket.destroy());
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (let f = readFrame(buf); f; f = readFrame(buf)) {
          buf = buf.subarray(f.length);
          const w = waiting.shift();
          if (w) w(f.text); else ready.push(f.text);
        }
      });
      resolve({
        status: res.statusCode ?? 0, socket,
        send: (text) => socket.write(wsFrame(text, true)),
        next: () => new Promise((r, j) => {
          const t = ready.shift();
          if (t !== undefined) { r(t); return; }
          const timer = setTimeout(() => j(new Error('no frame')), 5_000);
          waiting.push((x) => { clearTimeout(timer); r(x); });
        }),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** `name=value` of the first Set-Cookie with that name. */
export function cookieOf(headers: IncomingMessage['headers'], name: string): { pair: string; attrs: string } | undefined {
  for (const c of headers['set-cookie'] ?? []) {
    if (c.startsWith(`${name}=`)) return { pair: c.split(';')[0] ?? '', attrs: c };
  }
  return undefined;
}

export async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
