// A self-signed certificate generated when a simulator starts (openssl, P-256, two days), for the
// OPNsense and pfSense simulators. Nothing is written outside a fresh temp dir, which is removed.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SimCert { cert: string; key: string; fingerprint256: string }

export function selfSignedSimCert(commonName: string, ips: readonly string[]): SimCert {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-sim-tls-'));
  try {
    const san = ['DNS:' + commonName, ...ips.map((ip) => `IP:${ip}`)].join(',');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', `/CN=${commonName}`,
      '-addext', `subjectAltName=${san}`], { stdio: 'ignore', timeout: 15_000 });
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
