import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEV_CLIENT_CN, createCa, devTlsFiles, ensureDevTls, principalFromPeerCertificate } from '../../../src/certs/index.js';
import { startMtlsServer, tempDir, tryConnect } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => { tmp = tempDir(); });
afterEach(() => tmp.cleanup());

const mode = (path: string): number => statSync(path).mode & 0o777;
const snapshot = (files: string[]): Record<string, { text: string; mtime: number; ino: number }> =>
  Object.fromEntries(files.map((f) => [f, { text: readFileSync(f, 'utf8'), mtime: statSync(f).mtimeMs, ino: statSync(f).ino }]));

describe('ensureDevTls', () => {
  it('creates the dev CA, server and client files once, with private modes', async () => {
    const state = join(tmp.dir, 'var');
    const first = await ensureDevTls(state, { hosts: ['127.0.0.1', 'localhost'], clientCn: DEV_CLIENT_CN });
    const f = first.files;
    expect(f).toEqual(devTlsFiles(state));
    const all = [f.ca, f.caKey, f.server, f.serverKey, f.client, f.clientKey];
    expect(first.created.sort()).toEqual([...all].sort());
    expect(mode(f.dir)).toBe(0o700);
    for (const key of [f.caKey, f.serverKey, f.clientKey]) expect(mode(key), key).toBe(0o600);
    for (const cert of [f.ca, f.server, f.client]) expect(mode(cert), cert).toBe(0o644);
    expect(first.warnings).toEqual([]);

    const ca = new X509Certificate(readFileSync(f.ca));
    for (const cert of [f.server, f.client]) {
      const x = new X509Certificate(readFileSync(cert));
      expect(x.checkIssued(ca) && x.verify(ca.publicKey)).toBe(true);
    }
    expect(first.server.sans).toEqual(['127.0.0.1', 'localhost']);
    expect(first.client).toMatchObject({ cn: 'vnf-broker-dev-admin', fingerprint256: new X509Certificate(readFileSync(f.client)).fingerprint256 });

    const before = snapshot(all);
    const second = await ensureDevTls(state, { hosts: ['127.0.0.1', 'localhost'] });
    expect(second.created).toEqual([]);
    expect(snapshot(all)).toEqual(before);
    expect(second.client).toEqual(first.client);
    expect(second.ca).toEqual(first.ca);
  });

  it('the dev files make a working mTLS pair; the client identity is the one reported', async () => {
    const { files, client } = await ensureDevTls(tmp.dir);
    const read = (p: string): string => readFileSync(p, 'utf8');
    const api = await startMtlsServer({ cert: read(files.server), key: read(files.serverKey), ca: read(files.ca) });
    try {
      const result = await tryConnect(api.port, { ca: read(files.ca), cert: read(files.client), key: read(files.clientKey), servername: 'localhost' });
      expect(result.ok).toBe(true);
      const principal = principalFromPeerCertificate(api.peers[0]!);
      expect(principal.subject).toBe(client.cn);
      expect(principal.fingerprint256).toBe(client.fingerprint256);
    } finally {
      await api.close();
    }
  });

  it('reissues only a missing pair, from the existing CA', async () => {
    const first = await ensureDevTls(tmp.dir);
    const f = first.files;
    unlinkSync(f.client);
    unlinkSync(f.clientKey);
    const caText = readFileSync(f.ca, 'utf8');
    const serverText = readFileSync(f.server, 'utf8');
    const again = await ensureDevTls(tmp.dir);
    expect(again.created.sort()).toEqual([f.client, f.clientKey].sort());
    expect(readFileSync(f.ca, 'utf8')).toBe(caText);
    expect(readFileSync(f.server, 'utf8')).toBe(serverText);
    expect(again.client.fingerprint256).not.toBe(first.client.fingerprint256);
  });

  it('refuses half-present pairs and certificates from a different CA, writing nothing', async () => {
    const { files } = await ensureDevTls(tmp.dir);
    unlinkSync(files.serverKey);
    const listing = readdirSync(files.dir).sort();
    await expect(ensureDevTls(tmp.dir)).rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID', message: expect.stringMatching(/incomplete/) });
    expect(readdirSync(files.dir).sort()).toEqual(listing);
    rmSync(files.dir, { recursive: true });

    const { files: f2 } = await ensureDevTls(tmp.dir);
    const stranger = await createCa({ cn: 'stranger' });
    writeFileSync(f2.ca, stranger.certPem);
    writeFileSync(f2.caKey, stranger.keyPem);
    const before = snapshot(readdirSync(f2.dir).map((n) => join(f2.dir, n)));
    await expect(ensureDevTls(tmp.dir)).rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID', message: expect.stringMatching(/not issued by the dev CA/) });
    expect(snapshot(readdirSync(f2.dir).map((n) => join(f2.dir, n)))).toEqual(before);

    rmSync(f2.ca);
    rmSync(f2.caKey);
    await expect(ensureDevTls(tmp.dir)).rejects.toMatchObject({ code: 'VNF_ERR_CERT_INVALID' });
  });

  it('warns about loose permissions left by someone else, without changing them', async () => {
    const { files } = await ensureDevTls(tmp.dir);
    chmodSync(files.clientKey, 0o644);
    const again = await ensureDevTls(tmp.dir);
    expect(again.warnings).toEqual([`${files.clientKey} has mode 644; expected 600`]);
    expect(mode(files.clientKey)).toBe(0o644);
    const moreHosts = await ensureDevTls(tmp.dir, { hosts: ['127.0.0.1', 'localhost', '198.51.100.2'] });
    expect(moreHosts.created).toEqual([]);
    expect(moreHosts.warnings).toContain(`${files.server} does not cover 198.51.100.2; remove it and its key to reissue`);
  });
});
