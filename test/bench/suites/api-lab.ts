// DESIGN §5 targets through the real mTLS API (lab, inside the broker netns, API on 127.0.0.1):
// createServer + the real executor (workflow engine over a ConnectionPool, createExecutor of `serve`)
// with certificates issued at bench time and a bench dictionary (Bench.show / Bench.config) for the
// lab's FRR appliance behind one OpenSSH jump host. One undici client holds one keep-alive mTLS
// connection per server. Baselines in the same run: raw ssh2 (primed), OpenSSH ControlMaster, ssh -J.
// Audit overhead: three servers in-process, the real hash-chained file sink (fsync off / on) and a
// null sink, called interleaved. Netmiko and Ansible network_cli baselines run when installed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'undici';
import { openAuditLog, type AuditEvent, type AuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { createExecutor } from '../../../src/cli/commands/serve.js';
import { configFromObject } from '../../../src/config/index.js';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { createServer, type BrokerServer } from '../../../src/server/index.js';
import type { LabInfo } from '../../lab/lab.js';
import { startLab } from '../../lab/topology.js';
import { apiClient, benchPki, brokerStateDir, CONFIG_LINES, runOperation, SHOW_LINE, type BenchPki } from '../api-fixture.js';
import { interleaved, median, percentile, registerSuite, result, type BenchResult } from '../harness.js';
import { ControlMaster, coldSsh, RawShell } from './transport-baselines.js';
import { ansibleConfig, netmikoConfig, pythonBaselines } from './python-baselines.js';


/** API config tasks measured after each Netmiko / Ansible run (see the pairs below) */
const API_PER_TOOL_RUN = 5;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The appliance context CloudStack sends: keys inline (the API refuses file references), pins set. */
function applianceContext(info: LabInfo, id: string): Record<string, unknown> {
  const app = info.appliance;
  return {
    id, name: 'lab-frr', provider: 'bench-frr',
    management: { host: app.host, ssh_port: app.port },
    credentials: { username: app.admin.username, private_key: readFileSync(app.admin.key.privateKeyPath, 'utf8') },
    jump: info.jumps.map((j) => ({ host: j.host, port: j.port, username: j.username, private_key: readFileSync(j.key.privateKeyPath, 'utf8'), host_key: j.hostKeyFingerprint })),
    ssh: { host_key: app.hostKeyFingerprint },
  };
}

/** Accepts every record and keeps nothing: the same server without the audit cost. */
function nullAudit(file: string): AuditLog {
  return {
    file,
    append(event: AuditEvent): AuditRecord {
      const { output: _o, secrets: _s, secret_fields: _f, ...rest } = event;
      return { ...rest, seq: 0, time: '', prev: '', hash: '' };
    },
    close() { /* nothing held */ },
  } as unknown as AuditLog;
}

interface Running { server: BrokerServer; client: Client; port: number; close(): Promise<void> }

async function startBroker(dir: string, pki: BenchPki, audit: 'file' | 'fsync' | 'null'): Promise<Running> {
  const raw = brokerStateDir(dir, pki, { audit: { fsync: audit === 'fsync' }, log_level: 'warn' });
  const config = configFromObject(raw, `bench-${audit}`, dir);
  const log = audit === 'null' ? nullAudit(config.audit.file) : openAuditLog({ file: config.audit.file, fsync: config.audit.fsync });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  if (!registry.names().includes('bench-frr')) throw new Error(`bench dictionary not loaded: ${JSON.stringify(registry.problems).slice(0, 400)}`);
  const execution = createExecutor(config, log);
  const server = createServer({ config, registry, audit: log, executor: execution.executor, onClose: () => execution.close() });
  const { api } = await server.start();
  const client = apiClient(pki, api.port);
  return { server, client, port: api.port, close: async () => { await client.close().catch(() => undefined); await server.close(); } };
}

registerSuite({
  name: 'api',
  lab: true,
  description: 'DESIGN §5 through the real mTLS API (createServer + real executor) against the lab: show, config, cold, audit on/off/fsync, Netmiko/Ansible',
  async run(ctx) {
    const q = ctx.quick;
    // config: 200 per contender (was 60): the audit ratio compares two medians of a task whose
    // spread is several ms, and with 60 samples their difference moved by ±7% from run to run
    const n = { show: q ? 100 : 1000, config: q ? 10 : 200, cold: q ? 5 : 20, python: q ? 3 : 5 };
    const out: BenchResult[] = [];
    const lab = await startLab({ jumpHosts: 1 });
    const stops: Array<() => unknown> = [];
    try {
      const info = lab.info;
      const pki = await benchPki();
      const real = await startBroker(join(ctx.workDir, 'file'), pki, 'file');
      stops.push(() => real.close());
      const bare = await startBroker(join(ctx.workDir, 'null'), pki, 'null');
      stops.push(() => bare.close());
      const synced = await startBroker(join(ctx.workDir, 'fsync'), pki, 'fsync');
      stops.push(() => synced.close());
      ctx.log(`servers on 127.0.0.1:${real.port} (audit file), :${bare.port} (null sink), :${synced.port} (audit + fsync)`);
      const a = applianceContext(info, 'lab-frr-api');

      // the config task once first (show then has a BGP instance to report on); check the read-back
      const check = String((await runOperation(real.client, a, 'config')).output ?? '');
      if (!check.includes('ip route 198.51.100.169/32 Null0') || !check.includes('neighbor 203.0.113.18 description bench-peer')) {
        throw new Error(`config task via the API: running-config lacks the configured lines: ${check.slice(0, 300)}`);
      }
      if (!String((await runOperation(real.client, a, 'show')).output ?? '').includes('203.0.113.18')) throw new Error('show via the API: the neighbour is missing');
      await runOperation(bare.client, a, 'config');
      await runOperation(synced.client, a, 'config');

      // --- warm show --------------------------------------------------------------------------
      const primed = await RawShell.open(info, true);
      stops.push(() => primed.close());
      const [apiShow, rawShow] = await interleaved(n.show, [() => runOperation(real.client, a, 'show'), () => primed.cmd(SHOW_LINE)], 20) as [number[], number[]];
      ctx.log(`warm show: ${n.show} API operations and raw ssh2 commands`);
      out.push(result('API show warm median vs raw ssh2 primed', median(apiShow), 'ms', { baseline: median(rawShow), max: 5, note: '(DESIGN §5)' }));
      out.push(result('API show warm p99 vs raw ssh2 primed', percentile(apiShow, 99), 'ms', { baseline: percentile(rawShow, 99), max: 15, note: '(DESIGN §5)' }));

      // --- warm config task: API (audit file / null / fsync) and ControlMaster, interleaved ----------
      const cm = await ControlMaster.start(info);
      stops.push(() => cm.stop());
      const multi = CONFIG_LINES.join('\n');
      if (!(await cm.run(multi)).stdout.includes('ip route 198.51.100.160/32 Null0')) throw new Error('ControlMaster config task: no read-back');
      const [apiCfg, bareCfg, syncCfg, cmCfg] = await interleaved(n.config, [
        () => runOperation(real.client, a, 'config'),
        () => runOperation(bare.client, a, 'config'),
        () => runOperation(synced.client, a, 'config'),
        () => cm.run(multi),
      ], 2) as [number[], number[], number[], number[]];
      ctx.log(`warm config: ${n.config} × (API audit, API null sink, API audit+fsync, ControlMaster)`);
      out.push(result('API config warm median vs ControlMaster', median(apiCfg), 'ms', { baseline: median(cmCfg), max: 40, maxRatio: 0.45, note: '(DESIGN §5)' }));
      out.push(result('API config warm p99 vs ControlMaster', percentile(apiCfg, 99), 'ms', { baseline: percentile(cmCfg, 99) }));
      out.push(result('API config warm median: audit vs null sink', median(apiCfg), 'ms', { baseline: median(bareCfg), maxRatio: 1.1, note: '(DESIGN §5: audit adds <= 10%)' }));
      out.push(result('API config warm median: audit+fsync vs null sink', median(syncCfg), 'ms', { baseline: median(bareCfg), maxRatio: 1.1, note: '(DESIGN §5: sync audit adds <= 10%)' }));

      // --- cold: a new appliance id each time = a new chained connection (jump login, priming, target
      // login, shell, on_open, command) --------------------------------------------------------
      let coldId = 0;
      const [apiCold, sshCold] = await interleaved(n.cold, [
        () => runOperation(real.client, applianceContext(info, `lab-frr-cold-${++coldId}`), 'show'),
        () => coldSsh(info, SHOW_LINE),
      ], 1) as [number[], number[]];
      ctx.log(`cold: ${n.cold} × (API new appliance id, ssh -J)`);
      out.push(result('API cold operation median vs ssh -J', median(apiCold), 'ms', { baseline: median(sshCold), max: 400, maxRatio: 0.85, note: '(DESIGN §5)' }));

      // --- Netmiko / Ansible network_cli (slow: a few runs, interleaved with the API) -------------
      const py = await pythonBaselines(info, ctx.workDir, ctx.log, !q);
      stops.push(() => py.stop());
      const contenders: Array<[string, () => Promise<unknown>]> = [];
      if (py.netmiko) contenders.push(['Netmiko', () => netmikoConfig(py)]);
      if (py.ansible) contenders.push(['Ansible network_cli', () => ansibleConfig(py)]);
      // one interleaved pair per contender: the Python tools leave processes behind (Ansible's persistent
      // connection, paramiko threads) whose CPU would otherwise slow the API samples of the other pair
      for (const [name, fn] of contenders) {
        let failure: string | undefined;
        const guarded = async (): Promise<void> => {
          if (failure !== undefined) return;
          try { await fn(); } catch (error) { failure = `${name}: ${String(error).slice(0, 400)}`; }
        };
        // the tool's task takes 100-200x longer than the broker's: each of its runs is followed by
        // API_PER_TOOL_RUN API tasks, so the broker's median is not the median of a handful of samples
        const apiPy: number[] = [];
        const tool: number[] = [];
        for (let i = 0; i < n.python; i++) {
          tool.push(await timed(guarded));
          for (let k = 0; k < API_PER_TOOL_RUN; k++) apiPy.push(await timed(() => runOperation(real.client, a, 'config')));
        }
        if (failure !== undefined) {
          // a contender that fails (e.g. the unverified Ansible playbook of a quick run) is dropped, with the reason
          py.skipped.push(failure);
          continue;
        }
        const minRatio = name === 'Netmiko' ? 90 : 120;
        // "N× faster" = baseline / broker >= N, i.e. broker / baseline <= 1/N
        out.push(result(`API config warm median vs ${name}`, median(apiPy), 'ms', { baseline: median(tool), maxRatio: Number((1 / minRatio).toPrecision(3)), note: `(DESIGN §5: >= ${minRatio}x faster)` }));
      }
      for (const why of py.skipped) ctx.log(`skipped: ${why}`);
      return out;
    } finally {
      for (const stop of stops.reverse()) await Promise.resolve(stop()).catch(() => undefined);
      await lab.stop();
    }
  },
});
