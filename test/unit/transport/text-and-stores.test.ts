import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ApplianceContext } from '../../../src/dictionary/appliance-model.js';
import { applianceSecrets, jumpEndpoints, targetEndpoint, tlsTrustFor } from '../../../src/transport/appliance-spec.js';
import { DEFAULT_PROMPT, extractOutput, TerminalText } from '../../../src/transport/cli-text.js';
import { backoffDelay, KeyedMutex, Semaphore } from '../../../src/transport/concurrency.js';
import { fingerprintsEqual, keyTypeOf, sshFingerprint } from '../../../src/transport/host-key.js';
import { FileKnownCerts, normaliseFingerprint } from '../../../src/transport/known-certs.js';
import { FileKnownHosts, knownHostName, parseKnownHosts } from '../../../src/transport/known-hosts.js';
import { legacyAlgorithms } from '../../../src/transport/ssh-hop.js';

const tmp = mkdtempSync(join(tmpdir(), 'vnf-stores-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('terminal text', () => {
  it('strips ANSI even when a sequence is split across chunks; normalises \\r\\n', () => {
    const t = new TerminalText();
    let buf = t.append('', 'a\x1b[3');
    buf = t.append(buf, '1mred\x1b[0m\r');
    buf = t.append(buf, '\nnext');
    expect(buf).toBe('ared\nnext');
  });

  it('applies carriage-return overwrite and backspace like a terminal', () => {
    const t = new TerminalText();
    expect(t.append('x\n', ' --More-- \r          \rline')).toBe('x\nline');
    expect(new TerminalText().append('', 'abc\b\bX')).toBe('aX');
  });

  it('default prompt matches IOS modes, Linux and RouterOS prompts, not output lines', () => {
    const re = new RegExp(DEFAULT_PROMPT);
    for (const p of ['Router>', 'Router#', 'router(config-if)#', 'frr# ', 'admin@host:~$ ', '[admin@MikroTik] > ']) expect(re.test(p), p).toBe(true);
    for (const p of ['Password:', 'Proceed with reload? [confirm]', 'line 3 of output', '########']) expect(re.test(p), p).toBe(false);
  });

  it('extracts output between the echo and the prompt', () => {
    expect(extractOutput('show ip\nA\nB\nR1#', 'show ip', 'R1#', true)).toBe('A\nB');
    expect(extractOutput('R1#show ip\nA\nR1#', 'show ip', 'R1#', true)).toBe('A');
    expect(extractOutput('A\nR1#', 'show ip', 'R1#', false)).toBe('A');
  });
});

describe('known hosts and certs', () => {
  it('parses ssh-keyscan output (names, [host]:port, comments, hashed lines ignored)', () => {
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 1)]);
    const text = `# 198.51.100.3:22 SSH-2.0-OpenSSH_9.2\n198.51.100.3,jump.example ssh-ed25519 ${blob.toString('base64')}\n` +
      `|1|abc=|def= ssh-rsa AAAA\n[203.0.113.10]:2222 ssh-ed25519 ${blob.toString('base64')}\n`;
    const map = parseKnownHosts(text);
    expect(map.get('198.51.100.3')?.[0]?.type).toBe('ssh-ed25519');
    expect(map.get('jump.example')).toHaveLength(1);
    expect(map.get(knownHostName('203.0.113.10', 2222))).toHaveLength(1);
    expect(keyTypeOf(blob)).toBe('ssh-ed25519');
  });

  it('file store: keeps admin lines, appends atomically, sees external edits', () => {
    const file = join(tmp, 'known_hosts');
    writeFileSync(file, '# seeded by admin\n');
    const store = new FileKnownHosts(file);
    const key = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(36, 2)]);
    store.add('[127.0.0.1]:2222', { type: 'ssh-ed25519', key });
    expect(readFileSync(file, 'utf8')).toBe(`# seeded by admin\n[127.0.0.1]:2222 ssh-ed25519 ${key.toString('base64')}\n`);
    writeFileSync(file, `${readFileSync(file, 'utf8')}other ssh-ed25519 ${key.toString('base64')}\n`);
    expect(new FileKnownHosts(file).lookup('other')).toHaveLength(1);
    expect(store.lookup('other')).toHaveLength(1);
  });

  it('fingerprints: OpenSSH form, constant-time compare tolerant of padding/prefix', () => {
    const fp = sshFingerprint(Buffer.from('key'));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(fingerprintsEqual(fp, `${fp.slice(7)}=`)).toBe(true);
    expect(fingerprintsEqual(fp, sshFingerprint(Buffer.from('other')))).toBe(false);
    expect(normaliseFingerprint('ab cd:ef')).toBe('AB:CD:EF');
  });

  it('known-certs file store round-trips', () => {
    const file = join(tmp, 'known_certs.json');
    new FileKnownCerts(file).set('app/127.0.0.1:443', { fingerprint256: 'AA', pem: 'PEM', learned_at: 't' });
    expect(new FileKnownCerts(file).get('app/127.0.0.1:443')?.pem).toBe('PEM');
    expect(new FileKnownCerts(file).get('__proto__')).toBeUndefined();
  });
});

describe('appliance context mapping', () => {
  const a: ApplianceContext = {
    id: 'uuid-1', management: { host: '10.1.1.109', ssh_port: 2222 },
    credentials: { username: 'admin', password: 'pw1', api_secret: 'sec' },
    ssh: { host_key: 'SHA256:abc', legacy_algorithms: ['ssh-rsa'] },
    jump: [{ host: '198.51.100.3', port: 22, username: 'j1', password: 'jp' }, { host: '10.1.1.1', port: 22, username: 'j2', password: 'jp2' }],
    tls: { fingerprint256: 'AB:CD' }, cs_data: {},
  };

  it('maps hops and target; hosts behind a jump get appliance-qualified known-hosts names', () => {
    const hops = jumpEndpoints(a);
    expect(hops[0]).toMatchObject({ host: '198.51.100.3', username: 'j1' });
    expect(hops[0]?.hostKeyAlias).toBeUndefined();
    expect(hops[1]?.hostKeyAlias).toBe('uuid-1/10.1.1.1');
    expect(targetEndpoint(a)).toMatchObject({ port: 2222, username: 'admin', password: 'pw1', hostKey: 'SHA256:abc', hostKeyAlias: 'uuid-1/[10.1.1.109]:2222', legacyAlgorithms: ['ssh-rsa'] });
    expect(targetEndpoint(a, { username: 'other', port: 22 })).toMatchObject({ username: 'other', port: 22 });
    expect(applianceSecrets(a)).toEqual(expect.arrayContaining(['pw1', 'sec', 'jp', 'jp2']));
    expect(() => targetEndpoint({ ...a, credentials: {} })).toThrow(/username/);
  });

  it('verify_ssl false pins, true CA-verifies; a configured CA always wins', () => {
    expect(tlsTrustFor(a, false)).toMatchObject({ mode: 'pin', fingerprint256: 'AB:CD' });
    expect(tlsTrustFor(a, true).mode).toBe('ca');
    expect(tlsTrustFor({ ...a, tls: { ca: 'PEM' } }, false)).toMatchObject({ mode: 'ca', ca: 'PEM' });
  });

  it('legacy algorithms are appended per category', () => {
    expect(legacyAlgorithms(['diffie-hellman-group14-sha1', 'ssh-rsa', 'aes128-cbc', 'hmac-sha1'])).toEqual({
      kex: { append: ['diffie-hellman-group14-sha1'] }, serverHostKey: { append: ['ssh-rsa'] },
      cipher: { append: ['aes128-cbc'] }, hmac: { append: ['hmac-sha1'] },
    });
    expect(legacyAlgorithms([])).toBeUndefined();
  });
});

describe('concurrency helpers', () => {
  it('semaphore bounds holders and times out waiters with VNF_ERR_POOL_BUSY', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire(100);
    await expect(s.acquire(20, 'slot')).rejects.toMatchObject({ code: 'VNF_ERR_POOL_BUSY' });
    const next = s.acquire(1_000);
    release();
    (await next)();
    expect(s.inUse).toBe(0);
  });

  it('keyed mutex runs same-key work in order', async () => {
    const m = new KeyedMutex();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => m.run('k', async () => { await new Promise((r) => setImmediate(r)); order.push(n); })));
    expect(order).toEqual([1, 2, 3]);
    expect(m.lockedKeys).toBe(0);
  });

  it('backoff is jittered, exponential and capped', () => {
    const o = { attempts: 5, baseMs: 100, maxMs: 1_000 };
    expect(backoffDelay(0, o, () => 1)).toBe(100);
    expect(backoffDelay(3, o, () => 1)).toBe(800);
    expect(backoffDelay(6, o, () => 1)).toBe(1_000);
    expect(backoffDelay(6, o, () => 0)).toBe(0);
  });
});
