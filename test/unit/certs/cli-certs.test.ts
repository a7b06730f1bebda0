import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openssl, tempDir } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');
const tmp = tempDir('vnf-certs-cli-');
afterAll(() => tmp.cleanup());

interface Run { status: number | null; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

function cli(...args: string[]): Run {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'certs', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  let json: Record<string, unknown> | undefined;
  try { json = JSON.parse(r.stdout) as Record<string, unknown>; } catch { json = undefined; }
  // no private key material on any stream, whatever happened
  expect(r.stdout + r.stderr).not.toMatch(/PRIVATE KEY|MII[A-Za-z0-9+/]{20}/);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json };
}

const ca = join(tmp.dir, 'ca');
const mode = (p: string): number => statSync(p).mode & 0o777;

describe('vnf-broker certs', () => {
  it('init-ca writes ca.pem + ca-key.pem (0600) and prints a JSON summary; refuses to overwrite without --force', () => {
    const r = cli('init-ca', '--out', ca, '--cn', 'Zone 1 CA', '--days', '30');
    expect(r.status, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, files: { cert: join(ca, 'ca.pem'), key: join(ca, 'ca-key.pem') }, subject: 'Zone 1 CA', issuer: 'Zone 1 CA' });
    const x = new X509Certificate(readFileSync(join(ca, 'ca.pem')));
    expect(r.json?.fingerprint256).toBe(x.fingerprint256);
    expect(r.json?.notAfter).toBe(new Date(x.validTo).toISOString());
    expect(mode(join(ca, 'ca-key.pem'))).toBe(0o600);
    expect(mode(ca)).toBe(0o700);

    const key = readFileSync(join(ca, 'ca-key.pem'), 'utf8');
    const again = cli('init-ca', '--out', ca);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/VNF_ERR_CERT_FILE_EXISTS/);
    expect(readFileSync(join(ca, 'ca-key.pem'), 'utf8')).toBe(key);

    const forced = cli('init-ca', '--out', join(tmp.dir, 'ca2'));
    expect(forced.status).toBe(0);
    expect(cli('init-ca', '--out', join(tmp.dir, 'ca2'), '--force').status).toBe(0);
  });

  it('issue --server/--client: certificates chain to the CA, SANs auto-detected', () => {
    const out = join(tmp.dir, 'leaf');
    const s = cli('issue', '--ca', ca, '--server', '--cn', 'broker', '--san', 'broker.example', '--san', '127.0.0.1', '--out', out);
    expect(s.status, s.stderr).toBe(0);
    expect(s.json).toMatchObject({ ok: true, subject: 'broker', issuer: 'Zone 1 CA', sans: ['broker.example', '127.0.0.1'], files: { cert: join(out, 'server.pem'), key: join(out, 'server-key.pem') } });
    const c = cli('issue', '--ca', ca, '--client', '--cn', 'cloudstack-mgmt', '--out', out, '--days', '7');
    expect(c.status, c.stderr).toBe(0);
    expect(mode(join(out, 'client-key.pem'))).toBe(0o600);
    expect(openssl(['verify', '-CAfile', join(ca, 'ca.pem'), '-purpose', 'sslserver', join(out, 'server.pem')], tmp.dir)).toMatch(/OK/);
    expect(openssl(['verify', '-CAfile', join(ca, 'ca.pem'), '-purpose', 'sslclient', join(out, 'client.pem')], tmp.dir)).toMatch(/OK/);
  });

  it('csr, then issue --csr; a tampered CSR fails with exit 1 and writes nothing', () => {
    const out = join(tmp.dir, 'req');
    const r = cli('csr', '--cn', 'broker-zone1', '--san', 'broker.zone1.example', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ ok: true, subject: 'broker-zone1', sans: ['broker.zone1.example'], files: { csr: join(out, 'request.csr'), key: join(out, 'request-key.pem') } });
    const signed = cli('issue', '--ca', ca, '--server', '--csr', join(out, 'request.csr'), '--out', out, '--name', 'broker');
    expect(signed.status, signed.stderr).toBe(0);
    expect(signed.json).toMatchObject({ subject: 'broker-zone1', sans: ['broker.zone1.example'], files: { cert: join(out, 'broker.pem') } });

    const csr = readFileSync(join(out, 'request.csr'), 'utf8');
    const der = Buffer.from(csr.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    const at = der.indexOf(Buffer.from('broker-zone1'));
    der[at] = der[at]! ^ 0x01; // 'broker-zone1' → 'croker-zone1', signature unchanged
    writeFileSync(join(out, 'bad.csr'), `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`);
    const bad = cli('issue', '--ca', ca, '--server', '--csr', join(out, 'bad.csr'), '--out', out, '--name', 'bad');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/VNF_ERR_CERT_CSR_SIGNATURE/);
    expect(existsSync(join(out, 'bad.pem'))).toBe(false);
  });

  it('usage errors and unreadable input exit 2', () => {
    const out = join(tmp.dir, 'x');
    const cases: [string[], RegExp][] = [
      [['issue', '--ca', ca, '--server', '--client', '--cn', 'x', '--out', out], /exactly one of --server or --client/],
      [['issue', '--ca', ca, '--server', '--cn', 'x', '--san', 'not a name', '--out', out], /VNF_ERR_CLI_USAGE.*--san/],
      [['issue', '--ca', ca, '--client', '--out', out], /missing required option --cn/],
      [['init-ca', '--out', out, '--days', '0'], /--days/],
      [['init-ca', '--out', out, '--bogus'], /VNF_ERR_CLI_USAGE/],
      [['frobnicate'], /unknown subcommand 'frobnicate'/],
      [['issue', '--ca', join(tmp.dir, 'nope'), '--client', '--cn', 'x', '--out', out], /VNF_ERR_INPUT_UNREADABLE/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(out)).toBe(false);
  });
}, 120_000);
