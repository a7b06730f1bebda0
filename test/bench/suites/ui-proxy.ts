// DESIGN §5 "bulk transfer through the UI proxy ≥ 0.9× the throughput of an `ssh -L` tunnel" (lab,
// inside the broker netns). One large random file (64 MiB; 16 MiB with --quick) is written at bench time
// into the document root of the appliance's nginx (203.0.113.10:443, behind one OpenSSH jump host) and
// downloaded by curl through two contenders, interleaved (harness `interleaved`):
// - the broker's UI proxy: `vnf-broker serve --config FILE` as a process of its own (as deployed), the UI
//   listener on 127.0.0.1, a UI session opened via the mTLS API, GET /ui/{token_id}/... with its cookie;
// - OpenSSH: `ssh -F <lab config> -N -L 127.0.0.1:P:203.0.113.10:443 jump1` (stopped by its PID).
// Throughput = bytes / (request sent .. last byte) as curl reports it (time_total - time_pretransfer), so
// the TCP and TLS setup of curl's connection is left out for both. Neither the client nor this driver
// runs in the broker's process: a client there takes the one JS thread away from the proxy, and every
// curl forked from it costs the broker ~10,000 copy-on-write page faults per download, neither of which
// the tunnel pays.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabInfo } from '../../lab/lab.js';
import { readText, run, startDaemon, waitFor } from '../../lab/proc.js';
import { tcpProbe } from '../../lab/proxy.js';
import { startLab } from '../../lab/topology.js';
import { apiClient, benchPki, brokerStateDir } from '../api-fixture.js';
import { interleaved, median, registerSuite, result, type BenchResult } from '../harness.js';
import { SshTunnel } from './transport-baselines.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MiB = 1024 * 1024;

/** One HTTPS download as curl makes it: the trust, the URL (and where to connect), extra headers from a file. */
interface Endpoint {
  name: string;
  /** the trusted CA (or the self-signed certificate itself), a file */
  caFile: string;
  url: string;
  /** `HOST:443:127.0.0.1:PORT` when the URL's host is reached through a local port */
  connectTo?: string;
  /** `Name: value` lines (kept off the command line: the UI cookie is a credential) */
  headerFile?: string;
}

interface Fetched { status: number; bytes: number; seconds: number }

/** GET endpoint.url with curl into `out`; seconds = from the request being sent to the last byte. */
async function download(e: Endpoint, out = '/dev/null'): Promise<Fetched> {
  const res = await run(['curl', '-sS', '--max-time', '120', '--cacert', e.caFile, ...(e.connectTo ? ['--connect-to', e.connectTo] : []),
    ...(e.headerFile ? ['-H', `@${e.headerFile}`] : []), '-o', out, '-w', '%{http_code} %{size_download} %{time_pretransfer} %{time_total}', e.url],
  { timeoutMs: 150_000 });
  const [status = 0, bytes = 0, pretransfer = 0, total = 0] = res.stdout.trim().split(' ').map(Number);
  return { status, bytes, seconds: total - pretransfer };
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

      // the broker: `serve --config` in a process of its own, API and UI listener on loopback
      const dir = join(ctx.workDir, 'broker');
      const pki = await benchPki();
      const [apiPort, uiPort] = [await freePort(), await freePort()];
      const configFile = join(ctx.workDir, 'broker.json');
      writeFileSync(configFile, JSON.stringify(brokerStateDir(dir, pki, { listen: `127.0.0.1:${apiPort}`, log_level: 'warn', ui: { listen: `127.0.0.1:${uiPort}` } })));
      const broker = startDaemon('broker', [process.execPath, '--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), 'serve', '--config', configFile], join(ctx.workDir, 'broker.log'));
      stops.push(() => broker.stop(10_000));
      await waitFor('the broker\'s API and UI listener', async () => broker.isRunning() && await tcpProbe('127.0.0.1', apiPort, 200) && tcpProbe('127.0.0.1', uiPort, 200), 60_000, 100)
        .catch((error: unknown) => { throw new Error(`${(error as Error).message}\n${readText(broker.logPath).slice(-2000)}`); });
      const api = apiClient(pki, apiPort);
      stops.push(() => api.close());
      ctx.log(`broker (PID ${broker.pid}): API on 127.0.0.1:${apiPort}, UI listener on 127.0.0.1:${uiPort}; file ${size / MiB} MiB`);

      // a UI session via the API, then the link once to get the session cookie
      const id = 'lab-webui-bench';
      const res = await api.request({
        path: `/v1/appliances/${id}/ui-sessions`, method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ appliance: uiAppliance(info, id), access: { method: 'https' }, lifetime_s: 3600 }),
      });
      const text = await res.body.text();
      if (res.statusCode !== 201) throw new Error(`POST ui-sessions: ${res.statusCode} ${text.slice(0, 400)}`);
      const session = JSON.parse(text) as { url: string; token_id: string };
      const link = await new Promise<{ status: number; cookie: string }>((resolve, reject) => {
        const req = httpsRequest({ host: '127.0.0.1', port: uiPort, path: new URL(session.url).pathname, ca: pki.caPem, agent: false }, (r) => {
          r.resume();
          const cookie = (r.headers['set-cookie'] ?? []).find((c) => c.startsWith('vnf_ui='))?.split(';')[0] ?? '';
          r.on('end', () => resolve({ status: r.statusCode ?? 0, cookie }));
        });
        req.setTimeout(30_000, () => req.destroy(new Error('UI link timed out')));
        req.on('error', reject);
        req.end();
      });
      if (link.status !== 200 || link.cookie === '') throw new Error(`UI link: status ${link.status}, cookie ${link.cookie ? 'set' : 'missing'}`);
      const caFile = join(ctx.workDir, 'bench-ca.pem');
      writeFileSync(caFile, pki.caPem);
      const headerFile = join(ctx.workDir, 'ui-cookie.txt');
      writeFileSync(headerFile, `Cookie: ${link.cookie}\n`, { mode: 0o600 });
      const viaProxy: Endpoint = { name: 'UI proxy', caFile, headerFile, url: `https://127.0.0.1:${uiPort}/ui/${session.token_id}/bench/blob.txt` };

      // the baseline: an OpenSSH -L tunnel through the jump host to the same web server
      const tunnelPort = await freePort();
      const tunnel = await SshTunnel.start(info, tunnelPort);
      stops.push(() => tunnel.stop());
      const viaTunnel: Endpoint = {
        name: 'ssh -L', caFile: https.cert.certPath, url: `https://${info.appliance.host}/bench/blob.txt`, connectTo: `${info.appliance.host}:443:127.0.0.1:${tunnelPort}`,
      };
      ctx.log(`ssh -N -L 127.0.0.1:${tunnelPort}:${info.appliance.host}:443 jump1 up`);

      // warm-up round: checks status, length and content of both (and opens the proxy's upstream connection)
      const copy = join(ctx.workDir, 'download.bin');
      for (const e of [viaProxy, viaTunnel]) {
        const f = await download(e, copy);
        const sha = createHash('sha256').update(readFileSync(copy)).digest('hex');
        rmSync(copy, { force: true });
        if (f.status !== 200 || f.bytes !== size || sha !== expectedSha) {
          throw new Error(`${e.name}: status ${f.status}, ${f.bytes} of ${size} bytes, sha256 ${sha === expectedSha ? 'ok' : 'differs'}`);
        }
      }

      const rate = { proxy: [] as number[], tunnel: [] as number[] };
      const timed = (e: Endpoint, into: number[]) => async (): Promise<void> => {
        const f = await download(e);
        if (f.status !== 200 || f.bytes !== size) throw new Error(`${e.name}: status ${f.status}, ${f.bytes} of ${size} bytes`);
        into.push(f.bytes / 1e6 / f.seconds);
      };
      await interleaved(iterations, [timed(viaProxy, rate.proxy), timed(viaTunnel, rate.tunnel)]);
      ctx.log(`UI proxy MB/s: ${rate.proxy.map((r) => r.toFixed(1)).join(' ')}; ssh -L MB/s: ${rate.tunnel.map((r) => r.toFixed(1)).join(' ')}`);
      out.push(result(`UI proxy bulk download ${size / MiB} MiB vs ssh -L tunnel`, median(rate.proxy), 'MB/s', {
        baseline: median(rate.tunnel), minRatio: 0.9, note: '(DESIGN §5; curl for both)',
      }));
      return out;
    } finally {
      for (const stop of stops.reverse()) await Promise.resolve().then(stop).catch(() => undefined);
      await lab.stop();
    }
  },
});
