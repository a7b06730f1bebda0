// Transport benchmarks in one lab (1 jump hop, FRR vtysh appliance, nginx HTTPS), DESIGN §5:
// warm show and config tasks over the broker's pooled CLI session (the config task pipelined, as the
// FRR dictionaries declare it, and one line per prompt), cold connect + command, and HTTPS GET through
// the chain; against raw ssh2 (jump primed / not), OpenSSH ControlMaster, `ssh -J`, and curl / undici
// through an `ssh -L` tunnel, all measured in the same run. Runs in the broker netns.
import { readFileSync } from 'node:fs';
import { Client as UndiciClient } from 'undici';
import { X509Certificate } from 'node:crypto';
import type { AuditEvent, AuditRecord, AuditSink } from '../../../src/audit/index.js';
import { ConnectionPool, MemoryKnownHosts } from '../../../src/transport/index.js';
import { startLab } from '../../lab/topology.js';
import { run } from '../../lab/proc.js';
import { interleaved, median, percentile, registerSuite, result, type BenchResult } from '../harness.js';
import { CONFIG_LINES } from '../api-fixture.js';
import { brokerFixture, labAppliance, VTYSH } from '../../transport/lab-broker.js';
import { ControlMaster, coldSsh, RawShell, SshTunnel } from './transport-baselines.js';

/** Awaits fn n times after `warmup` untimed calls; each call's duration in ms. */
async function sampleMs(n: number, fn: (i: number) => Promise<unknown>, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    out.push(performance.now() - t0);
  }
  return out;
}



/** keep-alive GETs per curl process in the HTTPS section (interleaved with the other contenders) */
const CURL_ROUND = 20;

/** DESIGN §5 "show": one show command; its multi-piece reply is what the jump-host stall delays */
const SHOW = 'show ip bgp summary';

/** vtysh with the dictionaries' `pipeline: true`: a step's lines typed ahead in groups */
const VTYSH_PIPELINED = { ...VTYSH, name: 'vtysh-pipelined', pipeline: true };

/** Accepts every record and keeps nothing: the same pool without the audit cost, to measure that cost. */
const NO_AUDIT: AuditSink = {
  append(event: AuditEvent): AuditRecord {
    const { output: _o, secrets: _s, secret_fields: _f, ...rest } = event;
    return { ...rest, seq: 0, time: '', prev: '', hash: '' };
  },
};

registerSuite({
  name: 'transport',
  lab: true,
  description: 'CLI/HTTPS through one jump hop: broker pool vs raw ssh2, OpenSSH ControlMaster / ssh -J, curl via ssh -L',
  async run(ctx) {
    const q = ctx.quick;
    const n = {
      warm: q ? 100 : 1000, unprimed: q ? 20 : 100, unprimedConfig: q ? 3 : 10, cm: q ? 20 : 100, cold: q ? 5 : 20,
      config: q ? 20 : 200, cmConfig: q ? 10 : 50, https: q ? 100 : 1000,
    };
    const out: BenchResult[] = [];
    const lab = await startLab({ jumpHosts: 1, https: true });
    const fx = brokerFixture('broker-', ctx.workDir);
    const pool = fx.pool();
    const bare = new ConnectionPool({ audit: NO_AUDIT, knownHosts: new MemoryKnownHosts() });
    const stops: Array<() => unknown> = [() => bare.close()];
    try {
      const info = lab.info;
      const a = labAppliance(info);
      if (CONFIG_LINES.length !== 18) throw new Error('the config task has 18 lines');

      const cli = await pool.cli(a, VTYSH);
      // the config task once first: `show ip bgp summary` then has a BGP instance to report on
      const check = (await cli.sendAll(CONFIG_LINES)).at(-1)?.output ?? '';
      if (!check.includes('ip route 198.51.100.169/32 Null0') || !check.includes('neighbor 203.0.113.18 description bench-peer')) {
        throw new Error('config task: running-config lacks the configured lines');
      }
      if (!(await cli.send(SHOW)).output.includes('203.0.113.18')) throw new Error(`${SHOW}: the neighbour is missing`);

      // --- warm show ----------------------------------------------------------------------------
      const primed = await RawShell.open(info, true);
      stops.push(() => primed.close());
      const [broker, rawPrimed] = await interleaved(n.warm, [() => cli.send(SHOW), () => primed.cmd(SHOW)], 20) as [number[], number[]];
      ctx.log(`warm show: broker and raw ssh2 primed, ${n.warm} commands each`);
      const unprimed = await RawShell.open(info, false);
      stops.push(() => unprimed.close());
      // enough warm-up to leave TCP quick-ACK mode: the stall shows in steady state
      const rawUnprimed = await sampleMs(n.unprimed, () => unprimed.cmd(SHOW), 20);
      const cm = await ControlMaster.start(info);
      stops.push(() => cm.stop());
      const cmShow = await sampleMs(n.cm, () => cm.run(SHOW), 3);
      ctx.log('warm show: baselines done');
      out.push(result('show warm median: broker vs raw ssh2 primed', median(broker), 'ms', { baseline: median(rawPrimed), max: 5, note: '(DESIGN §5)' }));
      out.push(result('show warm p99: broker vs raw ssh2 primed', percentile(broker, 99), 'ms', { baseline: percentile(rawPrimed, 99), max: 15, note: '(DESIGN §5)' }));
      out.push(result('show warm median: broker vs raw ssh2 not primed', median(broker), 'ms', { baseline: median(rawUnprimed) }));
      out.push(result('show warm median: broker vs OpenSSH ControlMaster', median(broker), 'ms', { baseline: median(cmShow) }));

      // --- config task: pipelined as the FRR dictionaries declare it (pipeline: true), and one line
      // per prompt as before -------------------------------------------------------------------------
      const piped = await pool.cli(a, VTYSH_PIPELINED);
      const barePiped = await bare.cli(a, VTYSH_PIPELINED);
      const [brokerCfg, bareCfg, seqCfg, rawCfg] = await interleaved(n.config, [
        () => piped.sendAll(CONFIG_LINES),
        () => barePiped.sendAll(CONFIG_LINES),
        () => cli.sendAll(CONFIG_LINES),
        async () => { for (const l of CONFIG_LINES) await primed.cmd(l); },
      ], 2) as [number[], number[], number[], number[]];
      const unprimedCfg = await sampleMs(n.unprimedConfig, async () => { for (const l of CONFIG_LINES) await unprimed.cmd(l); }, 1);
      const multi = CONFIG_LINES.join('\n');
      if (!(await cm.run(multi)).stdout.includes('ip route 198.51.100.160/32 Null0')) throw new Error('ControlMaster config task: no read-back');
      const cmCfg = await sampleMs(n.cmConfig, () => cm.run(multi), 1);
      ctx.log('config task done');
      out.push(result('config warm median: broker vs ControlMaster', median(brokerCfg), 'ms', { baseline: median(cmCfg), max: 40, maxRatio: 0.45, note: '(DESIGN §5)' }));
      out.push(result('config warm p99: broker', percentile(brokerCfg, 99), 'ms', { baseline: percentile(cmCfg, 99) }));
      out.push(result('config warm median: broker vs raw ssh2 primed', median(brokerCfg), 'ms', { baseline: median(rawCfg) }));
      out.push(result('config warm median: broker vs raw ssh2 not primed', median(brokerCfg), 'ms', { baseline: median(unprimedCfg) }));
      out.push(result('config warm median: broker with vs without audit', median(brokerCfg), 'ms', { baseline: median(bareCfg), maxRatio: 1.1, note: '(DESIGN §5: audit adds <= 10%)' }));
      out.push(result('config warm median: broker pipelined vs one line per prompt', median(brokerCfg), 'ms', { baseline: median(seqCfg) }));

      // --- cold: new pool (jump login + priming + target login + shell + command) ---------------
      const coldBroker = await sampleMs(n.cold, async () => {
        const p = fx.pool();
        try {
          await (await p.cli(a, VTYSH)).send(SHOW);
        } finally {
          await p.close();
        }
      }, 1);
      const coldExec = await sampleMs(n.cold, async () => {
        const p = fx.pool();
        try {
          await p.exec(a, SHOW);
        } finally {
          await p.close();
        }
      }, 1);
      const coldOpenSsh = await sampleMs(n.cold, () => coldSsh(info, SHOW), 1);
      ctx.log('cold done');
      out.push(result('cold connect+show median: broker CLI vs ssh -J', median(coldBroker), 'ms', { baseline: median(coldOpenSsh), max: 400, maxRatio: 0.85, note: '(DESIGN §5)' }));
      out.push(result('cold connect+show median: broker exec vs ssh -J', median(coldExec), 'ms', { baseline: median(coldOpenSsh) }));

      // --- HTTPS GET, warm keep-alive ----------------------------------------------------------
      const https = info.https!;
      const url = `${https.url}/api/status.json`;
      const port = 20_000 + (process.pid % 20_000);
      const tunnel = await SshTunnel.start(info, port);
      stops.push(() => tunnel.stop());
      const fp = new X509Certificate(readFileSync(https.cert.certPath)).fingerprint256;
      const undici = new UndiciClient(`https://127.0.0.1:${port}`, {
        connect: { ca: readFileSync(https.cert.certPath), checkServerIdentity: (_h, cert) => (cert.fingerprint256 === fp ? undefined : new Error('pin')) },
      });
      stops.push(() => undici.close());
      // curl runs interleaved too: a curl process per round of CURL_ROUND keep-alive GETs (its first,
      // connecting transfer dropped), between rounds of the other contenders, so that load drift
      // hits it like the others (one curl run of all requests before them put it in another stretch
      // of time)
      const curl: number[] = [];
      const brokerHttp: number[] = [];
      const bareHttp: number[] = [];
      const undiciHttp: number[] = [];
      const contenders = [
        () => pool.http(a, { method: 'GET', url, verifySsl: false }),
        () => bare.http(a, { method: 'GET', url, verifySsl: false }),
        async () => {
          const res = await undici.request({ path: '/api/status.json', method: 'GET', headers: { host: https.host } });
          await res.body.text();
          if (res.statusCode !== 200) throw new Error(`undici: status ${res.statusCode}`);
        },
      ];
      await interleaved(0, contenders, 20);
      for (let done = 0; done < n.https; done += CURL_ROUND) {
        curl.push(...await curlKeepAlive(https.cert.certPath, url, port, CURL_ROUND + 1));
        const [b, bb, u] = await interleaved(CURL_ROUND, contenders) as [number[], number[], number[]];
        brokerHttp.push(...b);
        bareHttp.push(...bb);
        undiciHttp.push(...u);
      }
      ctx.log('https done');
      out.push(result('https GET warm median: broker vs curl via ssh -L', median(brokerHttp), 'ms', { baseline: median(curl), maxRatio: 1.2, note: '(DESIGN §5)' }));
      out.push(result('https GET warm median: broker vs undici via ssh -L', median(brokerHttp), 'ms', { baseline: median(undiciHttp) }));
      out.push(result('https GET warm median: broker without audit vs curl via ssh -L', median(bareHttp), 'ms', { baseline: median(curl) }));
      out.push(result('https GET warm median: broker with vs without audit', median(brokerHttp), 'ms', { baseline: median(bareHttp) }));
      out.push(result('https GET warm p99: broker vs curl via ssh -L', percentile(brokerHttp, 99), 'ms', { baseline: percentile(curl, 99) }));

      const report = await fx.verify();
      if (!report.ok) throw new Error(`audit log of the benchmark does not verify: ${report.error?.message ?? ''}`);
      ctx.log(`audit: ${report.records} records written synchronously during the run, chain verifies`);
      return out;
    } finally {
      for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
      await pool.close();
      fx.dispose();
      await lab.stop();
    }
  },
});

/**
 * One curl process, `count` GETs on one keep-alive connection through the tunnel; curl's time_total
 * of each transfer after the first (the one that connects), in ms. time_total covers one transfer
 * (request out, response in), not curl's own work between two transfers (about 0.2 ms per URL
 * here, seen with strace; a run of 100 more GETs takes 0.26-0.59 ms longer per GET).
 */
async function curlKeepAlive(caFile: string, url: string, port: number, count: number): Promise<number[]> {
  const host = new URL(url).hostname;
  const args = ['curl', '-sS', '--max-time', '120', '--cacert', caFile, '--connect-to', `${host}:443:127.0.0.1:${port}`, '-w', '\nT=%{time_total} C=%{num_connects}\n'];
  for (let i = 0; i < count; i++) args.push(url);
  const res = await run(args, { timeoutMs: 150_000 });
  const lines = res.stdout.split('\n').filter((l) => l.startsWith('T='));
  if (lines.length !== count) throw new Error(`curl: ${lines.length} of ${count} transfers`);
  const connects = lines.slice(1).filter((l) => !l.endsWith('C=0')).length;
  if (connects > 0) throw new Error(`curl reconnected ${connects} times: no keep-alive`);
  return lines.slice(1).map((l) => Number(/T=([\d.]+)/.exec(l)?.[1]) * 1000);
}
