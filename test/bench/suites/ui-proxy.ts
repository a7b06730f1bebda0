// DESIGN §5 "bulk transfer through the UI proxy ≥ 0.9× the throughput of an `ssh -L` tunnel" (lab,
// inside the broker netns). One large random file (64 MiB; 16 MiB with --quick) is written at bench time
// into the document root of the appliance's nginx (203.0.113.10:443, behind one OpenSSH jump host) and
// downloaded by the same node https client code through two contenders, interleaved per iteration:
// - the broker's UI proxy: createServer + the real executor's pool (createExecutor of `serve`), the UI
//   listener on 127.0.0.1, a UI session opened via the mTLS API, GET /ui/{token_id}/... with its cookie;
// - OpenSSH: `ssh -F <lab config> -N -L 127.0.0.1:P:203.0.113.10:443 jump1` (stopped by its PID).
// Each contender holds one keep-alive connection; throughput = bytes / (request start .. last byte).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { openAuditLog } from '../../../src/audit/index.js';
import { createExecutor } from '../../../src/cli/commands/serve.js';
import { configFromObject } from '../../../src/config/index.js';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { createServer } from '../../../src/server/index.js';
import type { LabInfo } from '../../lab/lab.js';
import { startLab } from '../../lab/topology.js';
import { apiClient, benchPki, brokerStateDir } from '../api-fixture.js';
import { median, registerSuite, result, type BenchResult } from '../harness.js';
import { SshTunnel } from './transport-baselines.js';

const MiB = 1024 * 1024;

/** One HTTPS endpoint as the client sees it: where to connect, whom to trust, which name the cert must carry. */
interface Endpoint {
  port: number;
  /** the trusted CA (or the self-signed certificate itself) */
  ca: string;
  /** the identity the server certificate must prove (an IP SAN) */
  certHost: string;
  path: string;
  headers: Record<string, string>;
  /** one keep-alive connection per contender */
  agent: Agent;
}

interface Fetched { status: number; bytes: number; ms: number; sha256?: string }

/** GET endpoint.path, counting (and optionally hashing) the body; the same code for both contenders. */
function download(e: Endpoint, hash = false): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const digest = hash ? createHash('sha256') : undefined;
    const req = httpsRequest({
      host: '127.0.0.1', port: e.port, path: e.path, method: 'GET', agent: e.agent, ca: e.ca, headers: e.headers,
      checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(e.certHost, cert),
    }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => { bytes += chunk.length; digest?.update(chunk); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0, ...(digest ? { sha256: digest.digest('hex') } : {}) }));
      res.on('error', reject);
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`GET ${e.path} on :${e.port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The appliance context for a UI session: the jump hop with its key inline and host key pinned, the web UI cert pinned. */
function uiAppliance(info: LabInfo, id: string): Record<string, unknown> {
  const jump = info.jumps[0];
  const https = info.https;
  if (!jump || !https) throw new Error('lab lacks the jump host or the appliance web server');
  return {
    id, name: 'lab-webui', management: { host: info.appliance.host, https_port: 443 },
    credentials: { username: info.appliance.admin.username, password: 'never-used-by-the-ui-proxy' },
    jump: [{ host: jump.host, port: jump.port, username: jump.username, private_key: readFileSync(jump.key.privateKeyPath, 'utf8'), host_key: jump.hostKeyFingerprint }],
    tls: { fingerprint256: https.cert.fingerprint256 },
  };
}

registerSuite({
  name: 'ui-proxy',
  lab: true,
  description: 'DESIGN §5 bulk download through the UI proxy vs an ssh -L tunnel (appliance nginx behind one jump host)',
  async run(ctx) {
    const size = (ctx.quick ? 16 : 64) * MiB;
    const iterations = ctx.quick ? 3 : 7;
    const out: BenchResult[] = [];
    const lab = await startLab({ jumpHosts: 1, https: true });
    const stops: Array<() => unknown> = [];
    try {
      const info = lab.info;
      const https = info.https;
      if (!https) throw new Error('lab started without the appliance web server');

      // the file, in nginx's document root (workers run as nobody: world-readable)
      const www = join(dirname(https.accessLogPath), 'www');
      const blobDir = join(www, 'bench');
      mkdirSync(blobDir, { recursive: true, mode: 0o755 });
      const blob = randomBytes(size);
      const blobPath = join(blobDir, 'blob.txt');
      writeFileSync(blobPath, blob, { mode: 0o644 });
      stops.push(() => rmSync(blobDir, { recursive: true, force: true }));
      const expectedSha = createHash('sha256').update(blob).digest('hex');

      // the broker: real server, real executor's pool as the UI connector, UI listener on loopback
      const dir = join(ctx.workDir, 'broker');
      const pki = await benchPki();
      const raw = brokerStateDir(dir, pki, { log_level: 'warn', ui: { listen: '127.0.0.1:0' } });
      const config = configFromObject(raw, 'bench-ui-proxy', dir);
      const audit = openAuditLog({ file: config.audit.file, fsync: config.audit.fsync });
      const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
      const execution = createExecutor(config, audit);
      const server = createServer({ config, registry, audit, executor: execution.executor, uiConnector: execution.uiConnector, onClose: () => execution.close() });
      const addresses = await server.start();
      stops.push(() => server.close());
      const uiPort = addresses.ui?.port;
      if (uiPort === undefined) throw new Error('the server started without its UI listener');
      const api = apiClient(pki, addresses.api.port);
      stops.push(() => api.close());
      ctx.log(`API on 127.0.0.1:${addresses.api.port}, UI listener on 127.0.0.1:${uiPort}; file ${size / MiB} MiB`);

      // a UI session via the API, then the link once to get the session cookie
      const id = 'lab-webui-bench';
      const res = await api.request({
        path: `/v1/appliances/${id}/ui-sessions`, method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appliance: uiAppliance(info, id), access: { method: 'https' }, lifetime_s: 3600 }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST ui-sessions: ${res.statusCode} ${text.slice(0, 400)}`);
      const session = JSON.parse(text) as { url: string; token_id: string };
      const uiAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      stops.push(() => uiAgent.destroy());
      const link = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: uiPort, path: new URL(session.url).pathname, ca: pki.caPem, agent: uiAgent }, (r) => {
          r.resume();
          const cookie = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('vnf_ui='))?.split(';')[0] ?? '';
          r.on('end', () => resolve({ status: r.statusCode ?? 0, cookie }));
        });
        req.setTimeout(30_000, () => req.destroy(new Error('UI link timed out')));
        req.on('error', reject);
        req.end();
      });
      if (link.status !== 200 || link.cookie === '') throw new Error(`UI link: status ${link.status}, cookie ${link.cookie ? 'set' : 'missing'}`);
      const viaProxy: Endpoint = { port: uiPort, ca: pki.caPem, certHost: '127.0.0.1', path: `/ui/${session.token_id}/bench/blob.txt`, headers: { cookie: link.cookie }, agent: uiAgent };

      // the baseline: an OpenSSH -L tunnel through the jump host to the same web server
      const tunnelPort = await freePort();
      const tunnel = await SshTunnel.start(info, tunnelPort);
      stops.push(() => tunnel.stop());
      const tunnelAgent = new Agent({ keepAlive: true, maxSockets: 1 });
      stops.push(() => tunnelAgent.destroy());
      const viaTunnel: Endpoint = { port: tunnelPort, ca: https.cert.certPem, certHost: info.appliance.host, path: '/bench/blob.txt', headers: {}, agent: tunnelAgent };
      ctx.log(`ssh -N -L 127.0.0.1:${tunnelPort}:${info.appliance.host}:443 jump1 up`);

      // warm-up round: checks status, length and content of both; opens the keep-alive connections
      for (const [name, e] of [['UI proxy', viaProxy], ['ssh -L', viaTunnel]] as const) {
        const f = await download(e, true);
        if (f.status !== 200 || f.bytes !== size || f.sha256 !== expectedSha) {
          throw new Error(`${name}: status ${f.status}, ${f.bytes} of ${size} bytes, sha256 ${f.sha256 === expectedSha ? 'ok' : 'differs'}`);
        }
      }

      const rate = { proxy: [] as number[], tunnel: [] as number[] };
      for (let i = 0; i < iterations; i++) {
        // alternate which contender goes first, so neither always follows the other
        const order = i % 2 === 0 ? (['proxy', 'tunnel'] as const) : (['tunnel', 'proxy'] as const);
        for (const k of order) {
          const f = await download(k === 'proxy' ? viaProxy : viaTunnel);
          if (f.status !== 200 || f.bytes !== size) throw new Error(`${k}: status ${f.status}, ${f.bytes} of ${size} bytes`);
          rate[k].push(f.bytes / 1e6 / (f.ms / 1000));
        }
      }
      ctx.log(`UI proxy MB/s: ${rate.proxy.map((r) => r.toFixed(1)).join(' ')}; ssh -L MB/s: ${rate.tunnel.map((r) => r.toFixed(1)).join(' ')}`);
      out.push(result(`UI proxy bulk download ${size / MiB} MiB vs ssh -L tunnel`, median(rate.proxy), 'MB/s', {
        baseline: median(rate.tunnel), minRatio: 0.9, note: '(DESIGN §5)',
      }));
      return out;
    } finally {
      for (const stop of stops.reverse()) await Promise.resolve().then(stop).catch(() => undefined);
      await lab.stop();
    }
  },
});
