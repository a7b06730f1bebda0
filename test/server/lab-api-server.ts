// The real API server for lab tests, wired as `serve` wires it (config, audit log, registry, engine
// and pool), with certificates made at test time; and appliance contexts as CloudStack sends them.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditLog, type AuditLog } from '../../src/audit/index.js';
import { createExecutor, type Execution } from '../../src/cli/commands/serve.js';
import { configFromObject, type BrokerConfig } from '../../src/config/index.js';
import type { ApplianceContext } from '../../src/dictionary/index.js';
import { DictionaryRegistry } from '../../src/dictionary/index.js';
import { createServer, type BrokerServer } from '../../src/server/index.js';
import { testPki, type Pki } from '../unit/server/harness.js';

export interface LabApiServer {
  dir: string;
  pki: Pki;
  config: BrokerConfig;
  audit: AuditLog;
  execution: Execution;
  server: BrokerServer;
  registry: DictionaryRegistry;
  port: number;
  /** closes the server (which closes the pool and the audit log) and removes its state */
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1:0 with the given dictionaries (name → file) registered. */
export async function startLabApiServer(dictionaries: Record<string, string>, tag: string): Promise<LabApiServer> {
  const pki = await testPki();
  const dir = mkdtempSync(join(tmpdir(), `vnf-${tag}-`));
  for (const d of ['tls', 'dictionaries', 'audit']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'tls', 'server.pem'), pki.server.cert);
  writeFileSync(join(dir, 'tls', 'server-key.pem'), pki.server.key, { mode: 0o600 });
  writeFileSync(join(dir, 'tls', 'ca.pem'), pki.ca.certPem);
  for (const [name, file] of Object.entries(dictionaries)) copyFileSync(file, join(dir, 'dictionaries', `${name}.yaml`));
  const config = configFromObject({
    listen: '127.0.0.1:0', state_dir: dir,
    tls: { cert_file: 'tls/server.pem', key_file: 'tls/server-key.pem', client_ca_file: 'tls/ca.pem' },
    clients: [{ match: { cn: 'admin-client' }, roles: ['admin'] }],
    metrics: { listen: '127.0.0.1:0' },
    timeouts: { operation_ms: 60_000, connect_ms: 10_000, command_ms: 20_000, drain_ms: 5_000 },
  }, `${tag}-config`, dir);
  const audit = openAuditLog({ file: config.audit.file });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  const execution = createExecutor(config, audit);
  const server = createServer({ config, registry, audit, executor: execution.executor, uiConnector: execution.uiConnector, onClose: () => execution.close() });
  const port = (await server.start()).api.port;
  return {
    dir, pki, config, audit, execution, server, registry, port,
    close: async () => { await server.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** An appliance context as CloudStack sends it over the API: provider named, key files inlined (the API refuses *_file). */
export function apiAppliance(a: ApplianceContext, provider: string): Record<string, unknown> {
  const { private_key_file: keyFile, ...credentials } = a.credentials;
  return {
    ...a,
    provider,
    credentials: { ...credentials, ...(keyFile !== undefined ? { private_key: readFileSync(keyFile, 'utf8') } : {}) },
    jump: a.jump.map(({ private_key_file: hopKey, ...hop }) => ({ ...hop, ...(hopKey !== undefined ? { private_key: readFileSync(hopKey, 'utf8') } : {}) })),
  };
}
