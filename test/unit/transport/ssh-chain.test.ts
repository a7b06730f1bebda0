import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SshConnection } from '../../../src/transport/ssh-connection.js';
import { dialChain } from '../../../src/transport/ssh-connection.js';
import { FileKnownHosts, MemoryKnownHosts, knownHostName, type KnownHostsStore } from '../../../src/transport/known-hosts.js';
import { DEFAULT_TIMEOUTS, type SshEndpoint } from '../../../src/transport/types.js';
import type { DialDeps } from '../../../src/transport/ssh-chain.js';
import { linuxShell } from '../../helpers/fake-devices.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { newHostKey, newUserKey, startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';

const jumpKey = newUserKey();
let jump1: FakeSsh;
let jump2: FakeSsh;
let target: FakeSsh;
let hangJump: FakeSsh;
let refuseJump: FakeSsh;
const open: SshConnection[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'vnf-chain-'));

const ep = (fake: FakeSsh, extra: Partial<SshEndpoint> = {}): SshEndpoint => ({ host: '127.0.0.1', port: fake.port, username: 'u', ...extra });
const jumpEp = (fake: FakeSsh, extra: Partial<SshEndpoint> = {}): SshEndpoint =>
  ep(fake, { username: 'vnfjump', privateKey: jumpKey.privateKey, ...extra });
const targetEp = (extra: Partial<SshEndpoint> = {}): SshEndpoint => ep(target, { username: 'admin', password: 'pw-target', ...extra });

function deps(audit = new MemoryAudit(), knownHosts: KnownHostsStore = new MemoryKnownHosts(), policy: 'tofu' | 'strict' = 'tofu'): DialDeps & { audit: MemoryAudit } {
  return { timeouts: { ...DEFAULT_TIMEOUTS, readyMs: 5_000, forwardMs: 1_000 }, knownHosts, hostKeyPolicy: policy, audit, auditBase: { appliance: { id: 'app-1' } } };
}

async function dial(hops: SshEndpoint[], t: SshEndpoint, d = deps()): Promise<SshConnection> {
  const conn = await dialChain({ hops, target: t }, d);
  open.push(conn);
  return conn;
}

beforeAll(async () => {
  const jumpUsers = [{ username: 'vnfjump', publicKey: jumpKey.publicKey }];
  jump1 = await startFakeSsh({ users: jumpUsers, forwarding: 'allow' });
  jump2 = await startFakeSsh({ users: jumpUsers, forwarding: 'allow' });
  hangJump = await startFakeSsh({ users: jumpUsers, forwarding: 'hang' });
  refuseJump = await startFakeSsh({ users: jumpUsers, forwarding: 'refuse' });
  target = await startFakeSsh({
    users: [{ username: 'admin', password: 'pw-target' }, { username: 'kbd', password: 'pw-kbd', keyboardOnly: true }],
    shell: linuxShell(),
  });
});
afterEach(() => { for (const c of open.splice(0)) c.close(); });
afterAll(async () => {
  await Promise.all([jump1, jump2, hangJump, refuseJump, target].map((f) => f.close()));
  rmSync(tmp, { recursive: true, force: true });
});

describe('SSH chains', () => {
  it('0 hops: exec on the target directly, audited before and after', async () => {
    const d = deps();
    const conn = await dial([], targetEp(), d);
    const r = await conn.exec('echo-me', { audit: { request_id: 'r1' } });
    expect(r).toMatchObject({ stdout: 'echo-me\n', exitCode: 0 });
    const cmds = d.audit.ofType('ssh.command');
    expect(cmds.map((e) => e.outcome)).toEqual(['started', 'success']);
    expect(cmds[0]).toMatchObject({ command: 'echo-me', request_id: 'r1', path: [`admin@127.0.0.1:${target.port}`], appliance: { id: 'app-1' } });
  });

  it('1 hop: forwards through the jump, primes it with one session channel', async () => {
    const before = { ...jump1.stats, execs: [...jump1.stats.execs] };
    const d = deps();
    const conn = await dial([jumpEp(jump1)], targetEp(), d);
    expect((await conn.exec('via-one')).stdout).toBe('via-one\n');
    expect(await conn.chain.primed).toEqual([true]);
    expect(jump1.stats.forwards - before.forwards).toBe(1);
    expect(jump1.stats.execs.slice(before.execs.length)).toEqual(['true']);
    expect(conn.path).toEqual([`vnfjump@127.0.0.1:${jump1.port}`, `admin@127.0.0.1:${target.port}`]);
  });

  it('2 hops: jump → jump → target, every hop host-key checked and learned', async () => {
    const d = deps();
    const conn = await dial([jumpEp(jump1), jumpEp(jump2)], targetEp(), d);
    expect((await conn.exec('via-two')).stdout).toBe('via-two\n');
    expect(await conn.chain.primed).toEqual([true, true]);
    const learned = d.audit.ofType('hostkey.learned').map((e) => e.detail?.fingerprint);
    expect(learned).toEqual([jump1.fingerprint, jump2.fingerprint, target.fingerprint]);
  });

  it('keyboard-interactive answers the password prompt', async () => {
    const conn = await dial([jumpEp(jump1)], targetEp({ username: 'kbd', password: 'pw-kbd' }));
    expect((await conn.exec('kbd-ok')).exitCode).toBe(0);
  });

  it('bad credentials → VNF_ERR_SSH_AUTH naming the hop, without the password', async () => {
    const err = await dial([jumpEp(jump1)], targetEp({ password: 'wrong-pass-123' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_SSH_AUTH', stage: 'auth' });
    expect((err as Error).message).toContain(`hop 1 (target admin@127.0.0.1:${target.port})`);
    expect(JSON.stringify(err)).not.toContain('wrong-pass-123');
    const badJump = await dial([jumpEp(jump1, { privateKey: newUserKey().privateKey })], targetEp()).catch((e: unknown) => e);
    expect(badJump).toMatchObject({ code: 'VNF_ERR_SSH_AUTH' });
    expect((badJump as Error).message).toContain('hop 0 (jump');
  });

  it('pinned keys: match passes, mismatch → VNF_ERR_SSH_HOSTKEY_MISMATCH (audited) on jump and target', async () => {
    await dial([jumpEp(jump1, { hostKey: jump1.fingerprint })], targetEp({ hostKey: target.fingerprint }));
    const d = deps();
    const e1 = await dial([jumpEp(jump1, { hostKey: target.fingerprint })], targetEp(), d).catch((e: unknown) => e);
    expect(e1).toMatchObject({ code: 'VNF_ERR_SSH_HOSTKEY_MISMATCH', stage: 'hostkey' });
    const e2 = await dial([jumpEp(jump1)], targetEp({ hostKey: jump1.fingerprint }), d).catch((e: unknown) => e);
    expect(e2).toMatchObject({ code: 'VNF_ERR_SSH_HOSTKEY_MISMATCH' });
    expect(d.audit.ofType('hostkey.rejected').map((e) => e.error_code)).toEqual(['VNF_ERR_SSH_HOSTKEY_MISMATCH', 'VNF_ERR_SSH_HOSTKEY_MISMATCH']);
  });

  it('tofu learns into an OpenSSH known_hosts file; a changed key is refused', async () => {
    const file = join(tmp, 'known_hosts');
    const store = new FileKnownHosts(file);
    await dial([jumpEp(jump1)], targetEp(), deps(new MemoryAudit(), store));
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`${knownHostName('127.0.0.1', jump1.port)} ssh-ed25519 `);
    expect(text).toMatch(/^\[127\.0\.0\.1\]:\d+ ssh-ed25519 [A-Za-z0-9+/=]+$/m);
    // same name, different server key: impostor on the target's port
    const impostor = await startFakeSsh({ users: [{ username: 'admin', password: 'pw-target' }], hostKey: newHostKey() });
    try {
      const fresh = new FileKnownHosts(file);
      const d = deps(new MemoryAudit(), fresh);
      const err = await dial([], targetEp({ port: impostor.port, hostKeyAlias: knownHostName('127.0.0.1', target.port) }), d).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VNF_ERR_SSH_HOSTKEY_CHANGED', stage: 'hostkey' });
      expect(d.audit.ofType('hostkey.rejected')[0]).toMatchObject({ outcome: 'denied', detail: { reason: 'changed', fingerprint: impostor.fingerprint } });
      expect(impostor.stats.authFailures + impostor.stats.sessions).toBe(0); // never authenticated
    } finally {
      await impostor.close();
    }
  });

  it('strict policy: unknown → VNF_ERR_SSH_HOSTKEY_UNKNOWN; seeded keys pass', async () => {
    const d = deps(new MemoryAudit(), new MemoryKnownHosts(), 'strict');
    const err = await dial([jumpEp(jump1)], targetEp(), d).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_SSH_HOSTKEY_UNKNOWN' });
    const seeded = new MemoryKnownHosts();
    const learnStore = new MemoryKnownHosts();
    await dial([jumpEp(jump1)], targetEp(), deps(new MemoryAudit(), learnStore));
    for (const f of [jump1, target]) for (const k of learnStore.lookup(knownHostName('127.0.0.1', f.port))) seeded.add(knownHostName('127.0.0.1', f.port), k);
    const conn = await dial([jumpEp(jump1)], targetEp(), deps(new MemoryAudit(), seeded, 'strict'));
    expect(conn.alive).toBe(true);
  });

  it('a jump that never answers the forward fails within the forward timeout, not 45 s', async () => {
    const started = Date.now();
    const err = await dial([jumpEp(hangJump)], targetEp()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_NET_TIMEOUT', stage: 'timeout' });
    expect((err as Error).message).toContain('forward');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('forward refused → VNF_ERR_SSH_FORWARD; connection refused → VNF_ERR_NET_CONNECT', async () => {
    await expect(dial([jumpEp(refuseJump)], targetEp())).rejects.toMatchObject({ code: 'VNF_ERR_SSH_FORWARD' });
    const closed = await startFakeSsh({ users: [] });
    const port = closed.port;
    await closed.close();
    await expect(dial([], targetEp({ port }))).rejects.toMatchObject({ code: 'VNF_ERR_NET_CONNECT', stage: 'connect' });
  });

  it('legacy algorithms are appended only when asked', async () => {
    const conn = await dial([], targetEp({ legacyAlgorithms: ['diffie-hellman-group14-sha1', 'ssh-rsa', 'aes128-cbc', 'hmac-sha1'] }));
    expect((await conn.exec('legacy-ok')).exitCode).toBe(0);
    await expect(dial([], targetEp({ legacyAlgorithms: ['rot13'] }))).rejects.toMatchObject({ code: 'VNF_ERR_APPLIANCE_INVALID' });
  });
});
