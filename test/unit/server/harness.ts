// Test harness for the API server: a PKI made at test time (certs module), a state directory with a
// test dictionary, a real audit log, a recording fake executor, and an HTTPS client on 127.0.0.1.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request, type Agent } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { openAuditLog, type AuditLog } from '../../../src/audit/index.js';
import { createCa, issueCertificate, type CaMaterial } from '../../../src/certs/index.js';
import { configFromObject, type BrokerConfig } from '../../../src/config/index.js';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { VnfError } from '../../../src/errors.js';
import { createServer, type BrokerServer, type ExecutionRequest, type OperationExecutor, type OperationRequest } from '../../../src/server/index.js';

export const TEST_DICTIONARY = `name: testvnf
description: test appliance
general_info: { version: "1.0", vendor: Test }
connections:
  cli: { type: ssh, host: "{{get_cs_data.management_ip}}", port: 22, username: "{{get_cs_data.username}}", password: "{{get_cs_data.password}}" }
  api: { type: https, host: "{{get_cs_data.management_ip}}", port: 443, username: "{{get_cs_data.api_key}}", password: "{{get_cs_data.api_secret}}" }
healthchecks:
  - { name: version, connection: cli, command: "show version", expected_output: "Version" }
services:
  Routing:
    data:
      network: { type: cidr, required: true }
      next_hop: { type: ip, required: true }
      auth_key: { type: secret }
    add_route:
      get_data: [network, next_hop, auth_key]
      connection: cli
      commands:
        - "ip route {{get_data.network}} {{get_data.next_hop}}"
        - "{{#if get_data.auth_key}}key {{get_data.auth_key}}{{/if}}"
  Objects:
    data:
      name: { type: string, required: true }
    create:
      get_data: [name]
      connection: api
      method: POST
      url: /api/objects
      headers: { Content-Type: application/json }
      body: '{"name": "{{get_data.name}}"}'
`;

export const APPLIANCE = {
  id: 'vm-1',
  name: 'testvnf-1',
  provider: 'testvnf',
  management: { host: '203.0.113.10' },
  credentials: { username: 'admin', password: 's3cret-pw', api_key: 'key-123', api_secret: 'apisecret-456' },
};

export interface Identity { cert: string; key: string; fingerprint256: string }

export interface Pki {
  ca: CaMaterial;
  server: Identity;
  admin: Identity;
  operator: Identity;
  auditor: Identity;
  unmapped: Identity;
  foreign: Identity;
  expired: Identity;
}

async function leaf(ca: CaMaterial, kind: 'server' | 'client', cn: string, extra: { sans?: string[]; notBefore?: Date; days?: number } = {}): Promise<Identity> {
  const issued = await issueCertificate({ ca, kind, cn, ...extra });
  return { cert: issued.certPem, key: issued.keyPem ?? '', fingerprint256: new X509Certificate(issued.certPem).fingerprint256 };
}

let pkiPromise: Promise<Pki> | undefined;

/** One PKI per test file (RSA key generation is the slow part). */
export function testPki(): Promise<Pki> {
  pkiPromise ??= (async () => {
    const ca = await createCa({ cn: 'vnf-broker test CA' });
    const other = await createCa({ cn: 'some other CA' });
    return {
      ca,
      server: await leaf(ca, 'server', 'broker.test', { sans: ['127.0.0.1', 'localhost'] }),
      admin: await leaf(ca, 'client', 'admin-client'),
      operator: await leaf(ca, 'client', 'operator-client'),
      auditor: await leaf(ca, 'client', 'auditor-client'),
      unmapped: await leaf(ca, 'client', 'nobody'),
      foreign: await leaf(other, 'client', 'admin-client'),
      expired: await leaf(ca, 'client', 'admin-client', { notBefore: new Date(Date.now() - 10 * 86_400_000), days: 2 }),
    };
  })();
  return pkiPromise;
}

export interface CallRecord { kind: 'operation' | 'healthchecks' | 'bootstrap'; request: ExecutionRequest | OperationRequest }

/** A test double for the workflow engine: records calls; `behaviour` decides each outcome. */
export class FakeExecutor implements OperationExecutor {
  calls: CallRecord[] = [];
  behaviour: (call: CallRecord) => Promise<unknown> = (call) => Promise.resolve({ ok: true, kind: call.kind });

  runOperation(request: OperationRequest): Promise<unknown> {
    return this.record({ kind: 'operation', request });
  }
  runHealthchecks(request: ExecutionRequest): Promise<unknown> {
    return this.record({ kind: 'healthchecks', request });
  }
  runBootstrap(request: ExecutionRequest): Promise<unknown> {
    return this.record({ kind: 'bootstrap', request });
  }
  private record(call: CallRecord): Promise<unknown> {
    this.calls.push(call);
    return this.behaviour(call);
  }
}

/** Resolves after `ms`, or rejects when the signal aborts (an executor that honours cancellation). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); reject(new VnfError('VNF_ERR_WORKFLOW_CANCELLED', 'aborted')); }, { once: true });
  });
}

export interface Harness {
  dir: string;
  pki: Pki;
  config: BrokerConfig;
  audit: AuditLog;
  executor: FakeExecutor;
  server: BrokerServer;
  port: number;
  metricsPort: number;
  closed: boolean;
  close(): Promise<void>;
}

/** The API listener's TLS files in a state dir (+ `dictionaries/`, `audit/`), as `SERVER_TLS` names them. */
export const SERVER_TLS = { cert_file: 'tls/server.pem', key_file: 'tls/server-key.pem', client_ca_file: 'tls/ca.pem' };
export function writeServerTls(dir: string, pki: Pki): void {
  for (const sub of ['tls', 'dictionaries', 'audit']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, SERVER_TLS.cert_file), pki.server.cert);
  writeFileSync(join(dir, SERVER_TLS.key_file), pki.server.key);
  writeFileSync(join(dir, SERVER_TLS.client_ca_file), pki.ca.certPem);
}

export async function startHarness(overrides: Record<string, unknown> = {}, existingDir?: string, extra: { onClose?: () => void } = {}): Promise<Harness> {
  const pki = await testPki();
  const dir = existingDir ?? mkdtempSync(join(tmpdir(), 'vnf-server-'));
  writeServerTls(dir, pki);
  if (!existingDir) writeFileSync(join(dir, 'dictionaries', 'testvnf.yaml'), TEST_DICTIONARY);
  let config: BrokerConfig;
  try {
    config = configFromObject({
    listen: '127.0.0.1:0',
    state_dir: dir,
    tls: SERVER_TLS,
    clients: [
      { match: { cn: 'admin-client' }, roles: ['admin'] },
      { match: { fingerprint256: pki.operator.fingerprint256 }, roles: ['operator'] },
      { match: { cn: 'auditor-client' }, roles: ['auditor'] },
    ],
    metrics: { listen: '127.0.0.1:0' },
    ...overrides,
    }, 'test-config', dir);
  } catch (error) {
    if (!existingDir) removeDir(dir);
    throw error;
  }
  mkdirSync(join(dir, 'audit'), { recursive: true });
  const audit = openAuditLog({ file: config.audit.file });
  const registry = await DictionaryRegistry.fromDirectory(config.dictionaries_dir);
  const executor = new FakeExecutor();
  const server = createServer({ config, registry, audit, executor, ...extra });
  const addresses = await server.start();
  const h: Harness = {
    dir, pki, config, audit, executor, server,
    port: addresses.api.port,
    metricsPort: addresses.metrics?.port ?? 0,
    closed: false,
    async close() {
      if (h.closed) return;
      h.closed = true;
      await server.close();
    },
  };
  return h;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => Record<string, unknown>;
  peerFingerprint?: string;
}

export interface CallOptions {
  identity?: Identity | null;
  body?: string | Buffer | object;
  contentType?: string;
  headers?: Record<string, string>;
  agent?: Agent;
}

/** One request to the API over mTLS (a fresh connection unless an agent is given). */
export function call(h: Pick<Harness, 'port' | 'pki'>, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const identity = options.identity === undefined ? h.pki.admin : options.identity;
  let payload: Buffer | undefined;
  let contentType = options.contentType;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = Buffer.from(options.body);
    else {
      payload = Buffer.from(JSON.stringify(options.body));
      contentType ??= 'application/json';
    }
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: h.port, method, path,
      ca: h.pki.ca.certPem,
      ...(identity ? { cert: identity.cert, key: identity.key } : {}),
      ...(options.agent ? { agent: options.agent } : { agent: false }),
      headers: {
        ...(contentType ? { 'content-type': contentType } : {}),
        ...(payload ? { 'content-length': String(payload.length) } : {}),
        ...options.headers,
      },
    }, (res) => {
      const chunks: Buffer[] = [];
      const peer = (res.socket as TLSSocket).getPeerCertificate?.();
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: res.statusCode ?? 0, headers: res.headers, text,
          json: () => JSON.parse(text) as Record<string, unknown>,
          ...(peer?.fingerprint256 ? { peerFingerprint: peer.fingerprint256 } : {}),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}
