// The appliance's HTTPS management API: real nginx with a self-signed certificate made at
// lab start, static JSON documents, a basic-auth area and an /echo endpoint.
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { run, waitFor, readText } from './proc.js';
import type { Daemon } from './proc.js';
import type { LabHost } from './netns.js';
import type { TlsCert } from './keys.js';

export interface HttpsInfo {
  port: number;
  cert: TlsCert;
  /** basic-auth credentials for /api/secure/ */
  apiUser: string;
  apiPassword: string;
  /** documents served, path → JSON value */
  documents: Readonly<Record<string, unknown>>;
  accessLogPath: string;
}

export class LabHttps {
  private daemon: Daemon | undefined;

  constructor(readonly host: LabHost, readonly dir: string, readonly info: HttpsInfo) {}

  static async create(host: LabHost, cert: TlsCert, hostname: string, apiPassword: string): Promise<LabHttps> {
    const dir = `${host.dir}/${host.role}-nginx`;
    const www = `${dir}/www`;
    mkdirSync(`${www}/api/secure`, { recursive: true });
    mkdirSync(`${dir}/tmp`, { recursive: true });
    const documents: Record<string, unknown> = {
      '/api/status.json': { status: 'ok', hostname, version: '1.0.0' },
      '/api/interfaces.json': { interfaces: [{ name: 'eth0', address: '203.0.113.10/28', up: true }] },
      '/api/secure/info.json': { secret_area: true, hostname },
    };
    for (const [path, value] of Object.entries(documents)) writeFileSync(`${www}${path}`, JSON.stringify(value) + '\n');
    const apiUser = 'vnfapi';
    const hash = (await run(['openssl', 'passwd', '-apr1', apiPassword])).stdout.trim();
    writeFileSync(`${dir}/htpasswd`, `${apiUser}:${hash}\n`);
    // workers run as nobody: they must traverse to the documents and the password file
    await run(['chmod', '-R', 'a+rX', dir]);
    const info: HttpsInfo = { port: 443, cert, apiUser, apiPassword, documents, accessLogPath: `${dir}/access.log` };
    const server = new LabHttps(host, dir, info);
    writeFileSync(`${dir}/nginx.conf`, server.config());
    return server;
  }

  private config(): string {
    const d = this.dir;
    const echo = '{"method":"$request_method","uri":"$request_uri","host":"$host",' +
      '"content_type":"$content_type","content_length":"$content_length","authorization":"$http_authorization"}\\n';
    return `user nobody nogroup;
worker_processes 1;
daemon off;
pid ${d}/nginx.pid;
error_log ${d}/error.log info;
events { worker_connections 512; }
http {
  access_log ${d}/access.log;
  client_body_temp_path ${d}/tmp/body;
  proxy_temp_path ${d}/tmp/proxy;
  fastcgi_temp_path ${d}/tmp/fastcgi;
  uwsgi_temp_path ${d}/tmp/uwsgi;
  scgi_temp_path ${d}/tmp/scgi;
  types { application/json json; text/plain txt; }
  default_type application/json;
  keepalive_timeout 120s;
  keepalive_requests 100000;
  server {
    listen ${this.info.port} ssl;
    server_name _;
    ssl_certificate ${this.info.cert.certPath};
    ssl_certificate_key ${this.info.cert.keyPath};
    root ${d}/www;
    location = /echo { return 200 '${echo}'; }
    location /api/secure/ { auth_basic "vnf-appliance"; auth_basic_user_file ${d}/htpasswd; }
  }
}
`;
  }

  async start(): Promise<void> {
    const daemon = this.host.spawn('nginx', ['/usr/sbin/nginx', '-c', `${this.dir}/nginx.conf`, '-e', `${this.dir}/error.log`]);
    this.daemon = daemon;
    await waitFor('nginx', () => {
      if (!daemon.isRunning()) throw new Error(`nginx exited: ${readText(`${this.dir}/error.log`).slice(-500)}`);
      return existsSync(`${this.dir}/nginx.pid`);
    }, 10_000, 10);
  }

  async stop(): Promise<void> {
    await this.daemon?.stop(2_000);
  }
}
