// DESIGN §5 scale: 1,000 appliances with pooled connections in <= 256 MB RSS, and 200 concurrent
// operations through the mTLS API with p99 <= 50 ms, on loopback. Three processes: the appliance
// simulator (sim/cli-sim.ts, one ssh2 port, every appliance id connects to it), the broker itself
// (`node dist/cli/main.js serve --config` with a generated config: its RSS is the broker's alone) and
// this process as the API client (undici, keep-alive mTLS connections). Everything on 127.0.0.1.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { parsableKeyPair } from '../sim/cli-sim.js';
import { apiPool, benchPki, brokerStateDir, runOperation } from '../api-fixture.js';
import { CPU_PROFILE_ENV, median, percentile, registerSuite, result, type BenchResult } from '../harness.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The process's user + system CPU time in ms (/proc/PID/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Starts a child and waits for the first stdout/stderr line that `pick` accepts (bounded). */
function startChild(argv: string[], stream: 'stdout' | 'stderr', pick: (line: string) => string | undefined, timeoutMs: number): Promise<{ child: ChildProcess; value: string }> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let tail = '';
  child.stdout?.on('data', (d: Buffer) => { if (stream !== 'stdout') tail = (tail + d.toString()).slice(-2000); });
  child.stderr?.on('data', (d: Buffer) => { if (stream !== 'stderr') tail = (tail + d.toString()).slice(-2000); });
  const lines = createInterface({ input: stream === 'stdout' ? child.stdout! : child.stderr! });
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => { clearTimeout(timer); child.kill('SIGKILL'); reject(new Error(`${argv.join(' ').slice(0, 120)}: ${why}; ${tail}`)); };
    const timer = setTimeout(() => fail(`not ready within ${timeoutMs} ms`), timeoutMs);
    lines.on('line', (l) => {
      tail = (tail + l + '\n').slice(-2000);
      const v = pick(l);
      if (v !== undefined) { clearTimeout(timer); resolve({ child, value: v }); }
    });
    child.once('exit', (code) => fail(`exited ${String(code)}`));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

async function scrape(metricsUrl: string): Promise<string> {
  return (await request(`${metricsUrl}/metrics`)).body.text();
}

/** "heap used / total, external" in MB from the broker's vnf_broker_process_memory_bytes gauge. */
function memoryOf(metrics: string): string {
  const mb = (kind: string): string => (Number(new RegExp(`^vnf_broker_process_memory_bytes\\{kind="${kind}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) / 2 ** 20).toFixed(0);
  return `${mb('heap_used')} / ${mb('heap_total')} MB, ${mb('external')} MB`;
}

/** Runs fn over items with at most `limit` in flight. */
async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  }));
}

registerSuite({
  name: 'scale',
  description: '1,000 simulated appliances pooled by a broker process (RSS), 200 concurrent API operations (p50/p99), loopback',
  async run(ctx) {
    const q = ctx.quick;
    const appliances = 1000;
    const rounds = q ? 5 : 20;
    const concurrent = 200;
    const out: BenchResult[] = [];
    const children: ChildProcess[] = [];
    const closers: Array<() => Promise<unknown>> = [];
    try {
      const k = parsableKeyPair();
      const user = { privateKey: k.private, publicKey: k.public };
      const sim = await startChild(['--import', 'tsx', join(ROOT, 'test/bench/sim/cli-sim.ts'), user.publicKey], 'stdout', (l) => (l.startsWith('{') ? l : undefined), 30_000);
      children.push(sim.child);
      const { port: simPort, fingerprint } = JSON.parse(sim.value) as { port: number; fingerprint: string };

      const pki = await benchPki();
      const dir = join(ctx.workDir, 'broker');
      const config = brokerStateDir(dir, pki, { metrics: { enabled: true, listen: '127.0.0.1:0' }, log_level: 'warn', pool: { max_connections: appliances } });
      const configFile = join(ctx.workDir, 'broker.yaml');
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      // --cpu-prof (run.ts): the broker writes its own V8 profile when it exits
      const profileDir = process.env[CPU_PROFILE_ENV];
      const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=scale-broker.cpuprofile'] : [];
      const broker = await startChild([...profile, join(ROOT, 'dist/cli/main.js'), 'serve', '--config', configFile], 'stderr',
        (l) => /serving the mTLS API on 127\.0\.0\.1:(\d+); health and metrics on (http:\/\/127\.0\.0\.1:\d+)/.exec(l)?.slice(1, 3).join(' '), 60_000);
      children.push(broker.child);
      broker.child.stdout?.resume();
      const [apiPort, metricsUrl] = broker.value.split(' ') as [string, string];
      const pid = broker.child.pid!;
      const pool = apiPool(pki, Number(apiPort), concurrent);
      closers.push(() => pool.close());

      const ctxOf = (k: number): Record<string, unknown> => ({
        id: `sim-${String(k).padStart(4, '0')}`, name: `sim-${k}`, provider: 'bench-frr',
        management: { host: '127.0.0.1', ssh_port: simPort },
        credentials: { username: 'vtysh', private_key: user.privateKey },
        jump: [], ssh: { host_key: fingerprint },
      });
      const contexts = Array.from({ length: appliances }, (_v, k) => ctxOf(k));
      // one API round trip first: TLS session, dictionary, code paths warm
      await runOperation(pool, contexts[0], 'show');
      const idle = rssMb(pid);

      const t0 = performance.now();
      await mapLimit(contexts, 50, async (c) => {
        const r = await runOperation(pool, c, 'show');
        if (!String(r.output ?? '').includes('203.0.113.18')) throw new Error('simulated show: no neighbour in the output');
      });
      ctx.log(`pooled ${appliances} appliances in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const metrics = await scrape(metricsUrl);
      const gauge = (kind: string): number => Number(new RegExp(`^vnf_broker_pool_connections\\{kind="${kind}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? Number.NaN);
      const pooledAppliances = Number(/^vnf_broker_pool_appliances (\d+)/m.exec(metrics)?.[1] ?? Number.NaN);
      ctx.log(`pool: ${pooledAppliances} appliances, ${gauge('target')} SSH connections, ${gauge('shell')} shells`);
      if (pooledAppliances !== appliances || gauge('shell') !== appliances) throw new Error(`expected ${appliances} pooled appliances and shells, metrics say ${pooledAppliances} / ${gauge('shell')}`);
      const pooled = rssMb(pid);
      const pooledHeap = memoryOf(metrics);

      // 200 concurrent operations on 200 different pooled appliances, `rounds` times
      const latencies: number[] = [];
      let cpuStart = 0;
      let simCpuStart = 0;
      let clientCpuStart = process.cpuUsage();
      let wallStart = 0;
      for (let r = -1; r < rounds; r++) {
        if (r === 0) { cpuStart = cpuMs(pid); simCpuStart = cpuMs(sim.child.pid!); clientCpuStart = process.cpuUsage(); wallStart = performance.now(); }
        await Promise.all(Array.from({ length: concurrent }, async (_v, i) => {
          const c = contexts[((r + 1) * concurrent + i) % appliances];
          const s = performance.now();
          await runOperation(pool, c, 'show');
          if (r >= 0) latencies.push(performance.now() - s);
        }));
      }
      const cpuPerOp = (cpuMs(pid) - cpuStart) / (rounds * concurrent);
      // the simulator and this client share the machine's cores with the broker during the bursts
      const simCpuPerOp = (cpuMs(sim.child.pid!) - simCpuStart) / (rounds * concurrent);
      const clientCpu = process.cpuUsage(clientCpuStart);
      const clientCpuPerOp = (clientCpu.user + clientCpu.system) / 1000 / (rounds * concurrent);
      const opsPerSecond = (rounds * concurrent * 1000) / (performance.now() - wallStart);
      const loaded = rssMb(pid);
      const loadedHeap = memoryOf(await scrape(metricsUrl));
      ctx.log(`RSS idle ${idle.rss.toFixed(0)} MB, pooled ${pooled.rss.toFixed(0)} MB, after load ${loaded.rss.toFixed(0)} MB (peak ${loaded.hwm.toFixed(0)} MB)`);
      ctx.log(`V8 heap used / total, external: pooled ${pooledHeap}; after load ${loadedHeap}`);
      ctx.log(`CPU per operation during the bursts: broker ${cpuPerOp.toFixed(2)} ms, simulator ${simCpuPerOp.toFixed(2)} ms, client ${clientCpuPerOp.toFixed(2)} ms (${os.availableParallelism()} cores)`);
      out.push(result(`scale: broker RSS with ${appliances} pooled appliances vs idle`, pooled.rss, 'MB', { baseline: idle.rss, max: 256, note: '(DESIGN §5)' }));
      out.push(result('scale: broker peak RSS (VmHWM) after the concurrency runs', loaded.hwm, 'MB', { max: 256 }));
      out.push(result(`scale: ${concurrent} concurrent operations p50`, median(latencies), 'ms'));
      out.push(result(`scale: ${concurrent} concurrent operations p99`, percentile(latencies, 99), 'ms', { max: 50, note: '(DESIGN §5, loopback)' }));
      // one Node thread runs every operation: a burst of N can finish no sooner than N × CPU per operation
      out.push(result('scale: broker CPU per operation (user+sys)', cpuPerOp, 'ms'));
      out.push(result('scale: simulator + client CPU per operation (same cores)', simCpuPerOp + clientCpuPerOp, 'ms'));
      out.push(result('scale: throughput under 200 concurrent', opsPerSecond, 'operations/s'));
      return out;
    } finally {
      for (const close of closers.reverse()) await close().catch(() => undefined);
      for (const child of children.reverse()) await stopChild(child);
    }
  },
});
