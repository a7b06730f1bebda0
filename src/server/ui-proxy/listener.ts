// The web UI listener: server TLS only (browsers carry no client certificate), `/ui/...` only.
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { UiConfig } from '../../config/index.js';
import { VnfError } from '../../errors.js';
import type { UiProxy } from './proxy.js';

export interface UiListener {
  readonly address: AddressInfo;
  readonly server: Server;
  /** re-reads ui cert/key (SIGHUP) */
  reload(): void;
  close(): Promise<void>;
}

/**
 * Write buffer of a browser connection before the proxy stops reading the appliance's response.
 * Node (20) gives TLS server sockets a 16 KiB high-water mark and no option to change it
 * (`highWaterMark` of https.createServer reaches only the raw TCP socket). The appliance's response
 * arrives as TLS records of 16 KiB plaintext, so at 16 KiB every res.write() of a proxied body
 * returned false: http-proxy's pipe paused the upstream response, its TLS socket and the SSH channel
 * after each record and resumed them on 'drain' a few ticks later, and each record went out in its
 * own TLS write (one syscall, one wake-up of the client). With room for a few records the pipe keeps
 * flowing and the records of a read are written together (README "Performance", UI proxy).
 */
export const UI_SOCKET_WRITE_HIGH_WATER_MARK = 256 * 1024;

/** Raises the write high-water mark of an accepted TLS socket (there is no public setter). */
export function raiseWriteHighWaterMark(socket: TLSSocket, bytes: number): void {
  const state = (socket as unknown as { _writableState?: { highWaterMark?: unknown } })._writableState;
  if (state && typeof state.highWaterMark === 'number' && state.highWaterMark < bytes) state.highWaterMark = bytes;
}

function material(ui: UiConfig): { cert: string; key: string } {
  try {
    return { cert: readFileSync(ui.cert_file, 'utf8'), key: readFileSync(ui.key_file, 'utf8') };
  } catch (error) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `ui: the certificate or key cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
  }
}

export async function startUiListener(ui: UiConfig, minVersion: 'TLSv1.2' | 'TLSv1.3', proxy: UiProxy, logger?: Logger): Promise<UiListener> {
  const server = createHttpsServer({
    ...material(ui),
    minVersion,
    requestTimeout: 300_000,
    headersTimeout: 20_000,
    keepAliveTimeout: 5_000,
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.prependListener('secureConnection', (s: TLSSocket) => raiseWriteHighWaterMark(s, UI_SOCKET_WRITE_HIGH_WATER_MARK));
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => logger?.debug({ code: error.code }, 'UI listener: TLS handshake failed'));
  server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? '').startsWith('/ui/')) {
      proxy.handleRequest(req, res);
      return;
    }
    try {
      if (proxy.redirectStray(req, res)) return;
    } catch {
      // never let a stray request take the listener down; answer 404 below
    }
    if (res.headersSent) return;
    req.resume();
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' })
      .end('not found: open the link from POST /v1/appliances/{id}/ui-sessions\n');
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => proxy.handleUpgrade(req, socket, head));
  const address = await new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.listen(ui.listen.port, ui.listen.host, () => {
      server.off('error', reject);
      server.on('error', (err) => logger?.error({ err }, 'UI listener error'));
      resolve(server.address() as AddressInfo);
    });
  });
  return {
    address,
    server,
    reload() {
      server.setSecureContext({ ...material(ui), minVersion });
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        setTimeout(resolve, 2_000).unref();
      });
    },
  };
}
