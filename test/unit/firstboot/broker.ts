// Test helpers shared by the enrolment and first-boot tests: the real API server started from a
// config file (as `serve --config` does, metrics off, 127.0.0.1:0), and an mTLS GET against it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAuditLog } from '../../../src/audit/index.js';
import { loadConfig, type BrokerConfig } from '../../../src/config/index.js';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { VnfError } from '../../../src/errors.js';
import { createServer, type OperationExecutor } from '../../../src/server/index.js';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** These tests only read /v1/providers; any workflow call is a test failure, never a fake success. */
const refusingExecutor: OperationExecutor = {
  runOperation: () => Promise.reject(new VnfError('VNF_ERR_BROKER_INTERNAL', 'no executor in this test')),
  runHealthchecks: () => Promise.reject(new VnfError('VNF_ERR_BROKER_INTERNAL', 'no executor in this test')),
  runBootstrap: () => Promise.reject(new VnfError('VNF_ERR_BROKER_INTERNAL', 'no executor in this test')),
};

export interface RunningBroker { port: number; config: BrokerConfig; close(): Promise<void> }

/** loadConfig(file) → createServer → start, with the API on 127.0.0.1:0 and the metrics listener off. */
export async function startBrokerFromConfig(file: string): Promise<RunningBroker> {
  const loaded = await loadConfig(file);
  const config: BrokerConfig = { ...loaded, listen: { host: '127.0.0.1', port: 0 }, metrics: { ...loaded.metrics, enabled: false } };
  mkdirSync(config.dictionaries_dir, { recursive: true });
  mkdirSync(join(config.audit.file, '..'), { recursive: true });
  const audit = openAuditLog({ file: config.audit.file });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  const server = createServer({ config, registry, audit, executor: refusingExecutor });
  const { api } = await server.start();
  return { port: api.port, config, close: () => server.close() };
}

export interface TlsClient { cert?: string; key?: string; ca: string; servername?: string }

/** GET over mTLS; resolves with the status, or rejects with the TLS error (bounded by a timeout). */
export function mtlsGet(port: number, path: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'GET', ca: tls.ca, agent: false, timeout: 10_000,
      ...(tls.cert !== undefined ? { cert: tls.cert, key: tls.key } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
