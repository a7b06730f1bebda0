// TLS material generated at test time (openssl CLI), an HTTPS/HTTP appliance API on 127.0.0.1,
// and a tiny HTTP CONNECT proxy (the lab uses tinyproxy).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair { cert: string; key: string; fingerprint256: string }

const openssl = (args: string[], cwd: string): void => { execFileSync('openssl', args, { cwd, stdio: 'pipe' }); };
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export class CertFactory {
  private readonly dir = mkdtempSync(join(tmpdir(), 'vnf-tls-'));
  private n = 0;

  selfSigned(sans = 'DNS:appliance.test,IP:127.0.0.1'): CertPair {
    const id = `ss${this.n++}`;
    openssl(['req', '-x509', ...EC, '-keyout', `${id}.key`, '-out', `${id}.pem`, '-days', '2', '-subj', '/CN=appliance', '-addext', `subjectAltName=${sans}`], this.dir);
    return this.read(id);
  }

  /** A CA and a leaf it signed for `sans`. */
  caSigned(sans: string): { ca: string; leaf: CertPair } {
    const id = `ca${this.n++}`;
    openssl(['req', '-x509', ...EC, '-keyout', `${id}.key`, '-out', `${id}.pem`, '-days', '2', '-subj', '/CN=Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign'], this.dir);
    openssl(['req', '-new', ...EC, '-keyout', `${id}-leaf.key`, '-out', `${id}-leaf.csr`, '-subj', '/CN=leaf'], this.dir);
    writeFileSync(join(this.dir, `${id}.ext`), `subjectAltName=${sans}\n`);
    openssl(['x509', '-req', '-in', `${id}-leaf.csr`, '-CA', `${id}.pem`, '-CAkey', `${id}.key`, '-CAcreateserial',
      '-days', '2', '-out', `${id}-leaf.pem`, '-extfile', `${id}.ext`], this.dir);
    return { ca: readFileSync(join(this.dir, `${id}.pem`), 'utf8'), leaf: this.read(`${id}-leaf`) };
  }

  cleanup(): void { rmSync(this.dir, { recursive: true, force: true }); }

  private read(id: string): CertPair {
    const cert = readFileSync(join(this.dir, `${id}.pem`), 'utf8');
    return { cert, key: readFileSync(join(this.dir, `${id}.key`), 'utf8'), fingerprint256: new X509Certificate(cert).fingerprint256 };
  }
}

export interface FakeApi {
  port: number;
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
  /** TCP connections accepted (keep-alive reuse keeps this low) */
  connections: number;
  server: HttpServer | HttpsServer;
  close(): Promise<void>;
}

function serve(server: HttpServer | HttpsServer, api: FakeApi): Promise<FakeApi> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => { api.connections++; sockets.add(s); s.once('close', () => sockets.delete(s)); });
  api.server = server;
  api.close = () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => { api.port = (server.address() as AddressInfo).port; r(api); }));
}

function handler(api: FakeApi) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      api.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ result: 'ok', method: req.method, url: req.url, n: api.requests.length }));
    });
  };
}

export function startApi(tls?: CertPair): Promise<FakeApi> {
  const api = { requests: [], connections: 0 } as unknown as FakeApi;
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler(api)) : createHttpServer(handler(api));
  return serve(server, api);
}

export interface FakeProxy { port: number; connects: string[]; close(): Promise<void> }

/** CONNECT-only proxy; refuses targets other than 127.0.0.1 (and everything when `refuse`). */
export function startConnectProxy(o: { refuse?: boolean } = {}): Promise<FakeProxy> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => { res.statusCode = 405; res.end(); });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    connects.push(target);
    sockets.add(client);
    client.on('error', () => client.destroy());
    const m = /^127\.0\.0\.1:(\d+)$/.exec(target);
    if (o.refuse || !m) return void client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    const upstream = netConnect(Number(m[1]), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r({
    port: (server.address() as AddressInfo).port,
    connects,
    close: () => new Promise((done) => { for (const s of sockets) s.destroy(); server.close(() => done()); }),
  })));
}
