// Shared by the deployment tests (appliance image under qemu, virtual-router install under
// systemd-nspawn): shell calls, a test PKI, the broker's `vnf_broker:` user-data section and an mTLS GET.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { createCa, issueCertificate, type CaMaterial } from '../../src/certs/index.js';

export const ROOT = resolve(import.meta.dirname, '../..');

export function has(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** Runs a command in the checkout; throws with the tail of stderr when it fails. */
export function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-4000)}`);
  return r.stdout;
}

export const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address() as AddressInfo; s.close(() => res(port)); });
  });
}

export interface Pki { ca: CaMaterial; server: { cert: string; key: string }; admin: { cert: string; key: string } }

/** A CA, a server certificate for 127.0.0.1/localhost and a client certificate with CN `adminCn`. */
export async function makePki(name: string, adminCn: string): Promise<Pki> {
  const ca = await createCa({ cn: `${name} CA` });
  const server = await issueCertificate({ ca, kind: 'server', cn: name, sans: ['127.0.0.1', 'localhost'] });
  const admin = await issueCertificate({ ca, kind: 'client', cn: adminCn });
  return { ca, server: { cert: server.certPem, key: server.keyPem ?? '' }, admin: { cert: admin.certPem, key: admin.keyPem ?? '' } };
}

const block = (text: string, indent: number): string => `|\n${text.trim().split('\n').map((l) => `${' '.repeat(indent)}${l}`).join('\n')}`;

/** The `vnf_broker:` section of CloudStack user data with inline TLS material and one admin client. */
export function brokerSection(o: { pki: Pki; zone: string; listen: string; adminCn: string }): string {
  return [
    'vnf_broker:',
    '  version: 1',
    `  zone: ${o.zone}`,
    `  listen: ${o.listen}`,
    '  tls:',
    `    certificate: ${block(o.pki.server.cert, 6)}`,
    `    private_key: ${block(o.pki.server.key, 6)}`,
    `    client_ca: ${block(o.pki.ca.certPem, 6)}`,
    '  clients:',
    `    - { name: deploy test admin, match: { cn: ${o.adminCn} }, roles: [admin] }`,
    '',
  ].join('\n');
}

export function mtls(port: number, path: string, pki: Pki, withClientCert = true): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({
      host: '127.0.0.1', port, path, method: 'GET', ca: pki.ca.certPem, servername: 'localhost', timeout: 5000,
      ...(withClientCert ? { cert: pki.admin.cert, key: pki.admin.key } : {}),
    }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => { body += c; });
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

/** The production bundle of this checkout (image/bundle.sh) and the Node runtime tarball (image/fetch-node.sh). */
export function bundleAndNode(dir: string): { bundle: string; nodeTgz: string } {
  const bundle = `${dir}/vnf-broker-bundle.tar.gz`;
  sh(`${ROOT}/image/bundle.sh`, [bundle]);
  return { bundle, nodeTgz: sh(`${ROOT}/image/fetch-node.sh`, [process.env.NODE_VERSION ?? '24.21.0']).trim() };
}
