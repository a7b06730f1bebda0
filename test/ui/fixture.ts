// The UI lab fixture: the lab (one jump host, no nginx), the test web UI on the appliance's
// 203.0.113.10:443 (the port the jump host permits), and a broker (API + UI listener on loopback
// inside the broker namespace) whose UI proxy reaches the appliance through the pooled jump chain.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openAuditLog, type AuditLog, type AuditRecord } from '../../src/audit/index.js';
import { configFromObject } from '../../src/config/index.js';
import { DictionaryRegistry } from '../../src/dictionary/index.js';
import { createServer, poolUiConnector, type BrokerServer } from '../../src/server/index.js';
import { ConnectionPool, FileKnownCerts, FileKnownHosts } from '../../src/transport/index.js';
import { selfSignedCert, type TlsCert } from '../lab/keys.js';
import type { Lab } from '../lab/lab.js';
import { readText, waitFor, type Daemon } from '../lab/proc.js';
import { startLab } from '../lab/topology.js';
import { call, FakeExecutor, SERVER_TLS, testPki, writeServerTls, type Pki } from '../unit/server/harness.js';

/** tsx's ESM loader by absolute path: the daemon starts with cwd / inside the appliance's namespaces */
const TSX_LOADER = join(import.meta.dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs');

export interface UiLab {
  lab: Lab;
  pki: Pki;
  cert: TlsCert;
  webui: Daemon;
  server: BrokerServer;
  pool: ConnectionPool;
  api: { port: number; pki: Pki };
  uiPort: number;
  dir: string;
  audit: AuditLog;
  /** the appliance context as an API client sends it (keys inline, pins set) */
  appliance(id?: string, extra?: Record<string, unknown>): Record<string, unknown>;
  records(): AuditRecord[];
  stop(): Promise<void>;
}

export async function startUiLab(): Promise<UiLab> {
  const lab = await startLab({ jumpHosts: 1 });
  const cleanups: (() => Promise<void> | void)[] = [() => lab.stop()];
  const stop = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) {
      try { await fn(); } catch { /* keep cleaning */ }
    }
  };
  try {
    const info = lab.info;
    const certDir = join(info.dir, 'webui');
    mkdirSync(certDir, { recursive: true });
    const cert = await selfSignedCert(certDir, 'vnf-appliance', [info.appliance.host]);
    const webui = lab.host('appliance').spawn('webui', [process.execPath, '--import', pathToFileURL(TSX_LOADER).href, join(import.meta.dirname, 'appliance-webui.ts'), cert.certPath, cert.keyPath, info.appliance.host, '443']);
    cleanups.push(() => webui.stop(2_000));
    await waitFor('appliance web UI', () => {
      if (!webui.isRunning()) throw new Error(`web UI exited: ${readText(webui.logPath).slice(-2000)}`);
      return lab.tcpConnect('jump1', info.appliance.host, 443, 1_000);
    }, 30_000, 200).catch((error: unknown) => { throw new Error(`${String(error)}\n${readText(webui.logPath).slice(-2000)}`); });

    const pki = await testPki();
    const dir = mkdtempSync(join(tmpdir(), 'vnf-ui-lab-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeServerTls(dir, pki);
    const config = configFromObject({
      listen: '127.0.0.1:0',
      state_dir: dir,
      tls: SERVER_TLS,
      clients: [{ match: { cn: 'admin-client' }, roles: ['admin'] }, { match: { fingerprint256: pki.operator.fingerprint256 }, roles: ['operator'] }],
      metrics: { enabled: false },
      timeouts: { connect_ms: 5_000 },
      ui: { listen: '127.0.0.1:0', proxy_timeout_ms: 5_000 },
    }, 'ui-lab-config', dir);
    const audit = openAuditLog({ file: config.audit.file });
    const pool = new ConnectionPool({
      audit, knownHosts: new FileKnownHosts(join(dir, 'known_hosts')), knownCerts: new FileKnownCerts(join(dir, 'known_certs')),
      timeouts: { readyMs: 5_000, forwardMs: 3_000, connectMs: 3_000 },
    });
    cleanups.push(() => pool.close());
    const server = createServer({ config, registry: await DictionaryRegistry.fromDirectory(config.dictionaries_dir), audit, executor: new FakeExecutor(), uiConnector: poolUiConnector(pool) });
    const addresses = await server.start();
    cleanups.push(() => server.close());
    const jump = info.jumps[0];
    if (!jump) throw new Error('lab has no jump host');
    return {
      lab, pki, cert, webui, server, pool, dir, audit,
      api: { port: addresses.api.port, pki },
      uiPort: addresses.ui?.port ?? 0,
      appliance: (id = 'lab-ui-1', extra = {}) => ({
        id, name: 'lab-ui', management: { host: info.appliance.host, https_port: 443 },
        credentials: { username: info.appliance.admin.username, password: 'never-used-by-the-ui-proxy' },
        jump: [{ host: jump.host, port: jump.port, username: jump.username, private_key: readFileSync(jump.key.privateKeyPath, 'utf8'), host_key: jump.hostKeyFingerprint }],
        tls: { fingerprint256: cert.fingerprint256 },
        ...extra,
      }),
      records: () => readFileSync(config.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRecord),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** POST /v1/appliances/{id}/ui-sessions → {url, token_id, expires_at, path (of the link)}. */
export async function openSession(fx: UiLab, body: Record<string, unknown>, id = 'lab-ui-1'): Promise<{ url: string; token_id: string; path: string }> {
  const res = await call(fx.api, 'POST', `/v1/appliances/${id}/ui-sessions`, { body });
  if (res.status !== 201) throw new Error(`ui-sessions: ${res.status} ${res.text}`);
  const json = res.json() as { url: string; token_id: string };
  return { ...json, path: new URL(json.url).pathname };
}
