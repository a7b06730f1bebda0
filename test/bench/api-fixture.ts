// Shared by the API benchmarks: a PKI issued at bench time (CA, server certificate for 127.0.0.1,
// one admin client certificate), a broker state directory (TLS files, a bench dictionary), the
// broker configuration, and an undici mTLS client holding keep-alive connections to the API.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Pool } from 'undici';
import { createCa, issueCertificate } from '../../src/certs/index.js';

export interface BenchPki { caPem: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string }

export async function benchPki(): Promise<BenchPki> {
  const ca = await createCa({ cn: 'vnf-broker bench CA' });
  const server = await issueCertificate({ ca, kind: 'server', cn: 'broker.bench', sans: ['127.0.0.1', 'localhost'] });
  const client = await issueCertificate({ ca, kind: 'client', cn: 'bench-client' });
  return { caPem: ca.certPem, serverCert: server.certPem, serverKey: server.keyPem ?? '', clientCert: client.certPem, clientKey: client.keyPem ?? '' };
}

/** The DESIGN §5 config task: BGP neighbour + 10 static routes + read back, 18 CLI lines. */
export const CONFIG_LINES: readonly string[] = [
  'configure terminal',
  'router bgp 65001',
  'bgp router-id 203.0.113.10',
  'neighbor 203.0.113.18 remote-as 65002',
  'neighbor 203.0.113.18 description bench-peer',
  'exit',
  ...Array.from({ length: 10 }, (_v, k) => `ip route 198.51.100.${160 + k}/32 Null0`),
  'end',
  'show running-config',
];

export const SHOW_LINE = 'show ip bgp summary';

/**
 * A minimal dictionary: one held vtysh shell (key login, secrets inline from the appliance context,
 * commands pipelined like dictionaries/linux-frr.yaml),
 * `Bench.show` (one show command) and `Bench.config` (the 18-line config task).
 */
export function benchDictionary(prompt = String.raw`[\w.-]+(?:\([\w-]+\))?# ?$`): string {
  const q = (s: string): string => JSON.stringify(s);
  return [
    'name: bench-frr',
    'description: DESIGN §5 benchmark tasks on an FRR vtysh appliance',
    'general_info: { version: "1.0", vendor: FRRouting }',
    'connections:',
    '  vtysh:',
    '    type: ssh',
    '    host: "{{get_cs_data.management_ip}}"',
    '    port: 22',
    '    username: "{{get_cs_data.username}}"',
    '    private_key: "{{get_cs_data.private_key}}"',
    '    mode: shell',
    `    prompt: ${q(prompt)}`,
    '    on_open: ["terminal length 0"]',
    // as dictionaries/linux-frr.yaml: vtysh takes typed-ahead lines (cli-pipeline.ts)
    '    pipeline: true',
    `    error_patterns: [${q('^% Unknown command')}, ${q('^% Invalid')}, ${q('^% Command incomplete')}]`,
    '    timeout: 30',
    'services:',
    '  Bench:',
    '    description: benchmark tasks',
    '    show:',
    '      connection: vtysh',
    `      commands: [${q(SHOW_LINE)}]`,
    '    config:',
    '      connection: vtysh',
    '      commands:',
    ...CONFIG_LINES.map((l) => `        - ${q(l)}`),
    '',
  ].join('\n');
}

/** Writes tls/ and dictionaries/ under dir; returns the raw config object (listen on 127.0.0.1:0). */
export function brokerStateDir(dir: string, pki: BenchPki, extra: Record<string, unknown> = {}): Record<string, unknown> {
  mkdirSync(join(dir, 'tls'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'dictionaries'), { recursive: true });
  mkdirSync(join(dir, 'audit'), { recursive: true });
  writeFileSync(join(dir, 'tls', 'server.pem'), pki.serverCert);
  writeFileSync(join(dir, 'tls', 'server-key.pem'), pki.serverKey, { mode: 0o600 });
  writeFileSync(join(dir, 'tls', 'ca.pem'), pki.caPem);
  writeFileSync(join(dir, 'dictionaries', 'bench-frr.yaml'), benchDictionary());
  return {
    listen: '127.0.0.1:0',
    state_dir: dir,
    tls: { cert_file: join(dir, 'tls', 'server.pem'), key_file: join(dir, 'tls', 'server-key.pem'), client_ca_file: join(dir, 'tls', 'ca.pem') },
    clients: [{ name: 'bench', match: { cn: 'bench-client' }, roles: ['admin'] }],
    metrics: { enabled: false },
    ...extra,
  };
}

const tlsOptions = (pki: BenchPki) => ({ ca: pki.caPem, cert: pki.clientCert, key: pki.clientKey, servername: 'localhost' });

/** One keep-alive mTLS connection (pipelining 1): the way CloudStack's management server would call. */
export function apiClient(pki: BenchPki, port: number): Client {
  return new Client(`https://127.0.0.1:${port}`, { connect: tlsOptions(pki), pipelining: 1, keepAliveTimeout: 600_000 });
}

/** Up to `connections` keep-alive mTLS connections, for concurrent requests. */
export function apiPool(pki: BenchPki, port: number, connections: number): Pool {
  return new Pool(`https://127.0.0.1:${port}`, { connect: tlsOptions(pki), connections, pipelining: 1, keepAliveTimeout: 600_000 });
}

/** POST /v1/operations; throws unless 200 with `result.ok`. */
export async function runOperation(client: Client | Pool, appliance: unknown, operation: 'show' | 'config'): Promise<Record<string, unknown>> {
  const res = await client.request({
    path: '/v1/operations', method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ appliance, service: 'Bench', operation }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST /v1/operations ${operation}: ${res.statusCode} ${text.slice(0, 400)}`);
  const body = JSON.parse(text) as { result?: { ok?: boolean; result?: Record<string, unknown> } };
  if (body.result?.ok !== true) throw new Error(`operation ${operation} not ok: ${text.slice(0, 400)}`);
  return body.result.result ?? {};
}
