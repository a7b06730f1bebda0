// Test helpers for certs/: temp dirs, a real mTLS server and client on 127.0.0.1 (bounded by a
// timeout), and the openssl CLI for what node-forge cannot do (CRLs) or to cross-check.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';

export function tempDir(prefix = 'vnf-certs-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function openssl(args: string[], cwd: string): string {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
}

export interface MtlsServer {
  port: number;
  /** Why the server refused each handshake, in order: the verify code (CERT_HAS_EXPIRED ...) or the TLS error. */
  rejections: string[];
  /** Peer certificates of accepted connections, as the API would see them. */
  peers: PeerCertificate[];
  close(): Promise<void>;
}

export interface ServerTls { cert: string; key: string; ca: string; crl?: string }

/** An mTLS server like the broker API: requestCert + rejectUnauthorized + a client CA; answers "ok\n". */
export async function startMtlsServer(tls: ServerTls): Promise<MtlsServer> {
  const rejections: string[] = [];
  const peers: PeerCertificate[] = [];
  const sockets = new Set<TLSSocket>();
  const server = createServer({ ...tls, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    peers.push(socket.getPeerCertificate());
    socket.end('ok\n');
  });
  // node verifies the client after the handshake and destroys the socket; the reason is on the socket
  server.on('tlsClientError', (error, socket) => rejections.push(socket.authorizationError?.toString() ?? error.message));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    rejections,
    peers,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export interface ClientTls { ca: string; cert?: string; key?: string; servername?: string; host?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' }

export interface ConnectResult { ok: boolean; error?: string; server?: PeerCertificate }

/** Connects, verifying the server with `ca`; ok only when the server accepted us and said "ok". */
export function tryConnect(port: number, tls: ClientTls, timeoutMs = 5000): Promise<ConnectResult> {
  return new Promise((resolve) => {
    let data = '';
    let server: PeerCertificate | undefined;
    let error: string | undefined;
    const socket = connect({ host: tls.host ?? '127.0.0.1', port, ...tls });
    const timer = setTimeout(() => { error ??= 'timeout'; socket.destroy(); }, timeoutMs);
    socket.on('secureConnect', () => { server = socket.getPeerCertificate(); });
    socket.on('data', (chunk: Buffer) => { data += chunk.toString(); });
    socket.on('error', (e: NodeJS.ErrnoException) => { error ??= e.code ?? e.message; });
    socket.on('close', () => {
      clearTimeout(timer);
      const ok = data === 'ok\n' && error === undefined;
      resolve({ ok, ...(ok ? {} : { error: error ?? 'closed without answer' }), ...(server ? { server } : {}) });
    });
  });
}

/** Waits (bounded) until `list` has at least `n` entries. */
export async function waitFor(list: unknown[], n: number, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (list.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}
