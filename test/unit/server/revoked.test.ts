// tls.crl_file on the real API server: a client certificate revoked by a CRL (made with `openssl ca
// -gencrl`, as test/unit/certs/crl.test.ts does) fails the handshake; an unrevoked one from the same
// CA is served; a CRL updated on disk takes effect for new connections after reload() (SIGHUP).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, type CaMaterial } from '../../../src/certs/index.js';
import { openssl } from '../certs/helpers.js';
import { call, removeDir, startHarness, testPki, TEST_DICTIONARY, type Harness, type Identity } from './harness.js';

let h: Harness;
let dir: string;
let revoked: Identity;
let later: Identity;
let revokeLater: () => void;

async function adminLeaf(ca: CaMaterial, cn: string): Promise<Identity> {
  // CN admin-client maps to the admin role: without the CRL these would be fully authorised
  const issued = await issueCertificate({ ca, kind: 'client', cn });
  return { cert: issued.certPem, key: issued.keyPem ?? '', fingerprint256: new X509Certificate(issued.certPem).fingerprint256 };
}

/** `openssl ca` over the test CA in DIR/ca (index.txt database), writing the CRL to DIR/tls/crl.pem. */
function opensslCa(caDir: string, ca: CaMaterial, crlFile: string): { revoke: (certPem: string, name: string) => void; gencrl: () => void } {
  mkdirSync(caDir, { recursive: true });
  writeFileSync(join(caDir, 'ca.pem'), ca.certPem);
  writeFileSync(join(caDir, 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
  writeFileSync(join(caDir, 'index.txt'), '');
  writeFileSync(join(caDir, 'crlnumber'), '1000\n');
  writeFileSync(join(caDir, 'ca.cnf'), [
    '[ ca ]', 'default_ca = dev', '[ dev ]', `dir = ${caDir}`, 'database = $dir/index.txt', 'crlnumber = $dir/crlnumber',
    'default_md = sha256', 'default_crl_days = 7', '',
  ].join('\n'));
  const run = (args: string[]): string => openssl(['ca', '-batch', '-config', 'ca.cnf', '-keyfile', 'ca-key.pem', '-cert', 'ca.pem', ...args], caDir);
  return {
    revoke: (certPem, name) => {
      writeFileSync(join(caDir, `${name}.pem`), certPem);
      run(['-revoke', `${name}.pem`, '-crl_reason', 'keyCompromise']);
    },
    gencrl: () => {
      run(['-gencrl', '-out', 'crl.pem']);
      writeFileSync(crlFile, openssl(['crl', '-in', 'crl.pem'], caDir));
    },
  };
}

/** A raw TLS connection sending one request: 'ok' when an HTTP answer comes back, else 'refused'. */
function tryHandshake(identity: Identity): Promise<'ok' | 'refused'> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: h.port, ca: h.pki.ca.certPem, servername: 'localhost', cert: identity.cert, key: identity.key });
    let data = '';
    socket.on('secureConnect', () => socket.write('GET /v1/openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    socket.on('data', (d: Buffer) => { data += d.toString(); });
    socket.on('error', () => resolve('refused'));
    socket.on('close', () => resolve(data.startsWith('HTTP/1.1 200') ? 'ok' : 'refused'));
    socket.setTimeout(5000, () => socket.destroy());
  });
}

async function handshakeFailures(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${h.metricsPort}/metrics`)).text();
  return Number(/vnf_broker_tls_handshake_failures_total (\d+)/.exec(text)?.[1]);
}

function auditFingerprints(): string[] {
  return readFileSync(h.config.audit.file, 'utf8').split('\n').filter(Boolean)
    .map((l) => (JSON.parse(l) as { principal?: { fingerprint?: string } }).principal?.fingerprint ?? '');
}

beforeAll(async () => {
  const pki = await testPki();
  dir = mkdtempSync(join(tmpdir(), 'vnf-server-crl-'));
  mkdirSync(join(dir, 'tls'), { recursive: true });
  mkdirSync(join(dir, 'dictionaries'), { recursive: true });
  writeFileSync(join(dir, 'dictionaries', 'testvnf.yaml'), TEST_DICTIONARY);
  [revoked, later] = await Promise.all([adminLeaf(pki.ca, 'admin-client'), adminLeaf(pki.ca, 'admin-client')]);
  const ca = opensslCa(join(dir, 'ca'), pki.ca, join(dir, 'tls', 'crl.pem'));
  ca.revoke(revoked.cert, 'revoked');
  ca.gencrl();
  revokeLater = () => { ca.revoke(later.cert, 'later'); ca.gencrl(); };
  h = await startHarness({
    tls: { cert_file: 'tls/server.pem', key_file: 'tls/server-key.pem', client_ca_file: 'tls/ca.pem', crl_file: 'tls/crl.pem' },
  }, dir);
});
afterAll(async () => {
  await h?.close();
  if (dir) removeDir(dir);
});

describe('tls.crl_file', () => {
  it('refuses the revoked client certificate in the handshake and serves an unrevoked one of the same CA', async () => {
    const before = await handshakeFailures();
    expect(await tryHandshake(revoked)).toBe('refused');
    await expect(call(h, 'GET', '/v1/openapi.json', { identity: revoked })).rejects.toThrow();
    expect(await tryHandshake(h.pki.admin)).toBe('ok');
    expect(await tryHandshake(later)).toBe('ok'); // same CN as the revoked one: the serial decides
    expect((await call(h, 'GET', '/v1/providers', { identity: h.pki.admin })).status).toBe(200);
    expect(await handshakeFailures() - before).toBe(2);
    // nothing reached the application: no record carries the revoked certificate
    const seen = auditFingerprints();
    expect(seen).toContain(h.pki.admin.fingerprint256);
    expect(seen).not.toContain(revoked.fingerprint256);
  });

  it('a CRL updated on disk applies to new connections after reload() (SIGHUP)', async () => {
    revokeLater();
    expect(await tryHandshake(later)).toBe('ok'); // not reloaded yet: the old CRL is in use
    h.server.reload();
    expect(await tryHandshake(later)).toBe('refused');
    expect(await tryHandshake(revoked)).toBe('refused');
    expect(await tryHandshake(h.pki.admin)).toBe('ok');
  });
});
