// Keys and certificates generated at lab start (nothing private is committed):
// OpenSSH keys via ssh-keygen, a self-signed TLS certificate via the openssl CLI.
import { readFileSync, chmodSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import { run } from './proc.js';

export interface SshKey {
  /** OpenSSH private key file (mode 0600), usable by `ssh -i` and ssh2's privateKey. */
  privateKeyPath: string;
  publicKeyPath: string;
  /** The `type base64 comment` line for authorized_keys. */
  publicKey: string;
  /** OpenSSH form: SHA256:<base64 without padding>. */
  fingerprint: string;
}

/** SHA256:... fingerprint of an OpenSSH public key line, as `ssh-keygen -l` prints it. */
export function sshFingerprint(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error('not an OpenSSH public key line');
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

export async function generateSshKey(path: string, comment: string, type: 'ed25519' | 'rsa' = 'ed25519'): Promise<SshKey> {
  const bits = type === 'rsa' ? ['-b', '2048'] : [];
  await run(['ssh-keygen', '-q', '-t', type, ...bits, '-N', '', '-C', comment, '-f', path]);
  chmodSync(path, 0o600);
  const publicKey = readFileSync(`${path}.pub`, 'utf8').trim();
  return { privateKeyPath: path, publicKeyPath: `${path}.pub`, publicKey, fingerprint: sshFingerprint(publicKey) };
}

export interface TlsCert {
  certPath: string;
  keyPath: string;
  certPem: string;
  /** X509Certificate.fingerprint256 form: AB:CD:... */
  fingerprint256: string;
}

/** Self-signed P-256 certificate valid for two days, with the given IPs as subjectAltNames. */
export async function selfSignedCert(dir: string, commonName: string, ips: readonly string[]): Promise<TlsCert> {
  const certPath = `${dir}/tls-cert.pem`;
  const keyPath = `${dir}/tls-key.pem`;
  const san = ['DNS:' + commonName, ...ips.map((ip) => `IP:${ip}`)].join(',');
  await run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', `subjectAltName=${san}`]);
  chmodSync(keyPath, 0o600);
  const certPem = readFileSync(certPath, 'utf8');
  return { certPath, keyPath, certPem, fingerprint256: new X509Certificate(certPem).fingerprint256 };
}
