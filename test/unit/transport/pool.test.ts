import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApplianceContext } from '../../../src/dictionary/appliance-model.js';
import { MemoryKnownHosts } from '../../../src/transport/known-hosts.js';
import { ConnectionPool } from '../../../src/transport/pool.js';
import type { PoolOptions } from '../../../src/transport/pool-types.js';
import type { CliSpec } from '../../../src/transport/types.js';
import { iosDevice } from '../../helpers/fake-devices.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { newUserKey, startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';

const jumpKey = newUserKey();
let jump: FakeSsh;
let hangJump: FakeSsh;
let router: FakeSsh;
let slowExec: FakeSsh;
let concurrent = 0;
let maxConcurrent = 0;
const pools: ConnectionPool[] = [];
const CLI: CliSpec = { name: 'cli', onOpen: ['terminal length 0'], errorPatterns: ['^% Invalid'] };

const appliance = (target: FakeSsh, j: FakeSsh | undefined = jump, id = 'app-pool'): ApplianceContext => ({
  id, management: { host: '127.0.0.1', ssh_port: target.port }, credentials: { username: 'admin', password: 'pw' },
  jump: j ? [{ host: '127.0.0.1', port: j.port, username: 'vnfjump', private_key: jumpKey.privateKey }] : [], cs_data: {},
});

function pool(extra: Partial<PoolOptions> = {}): ConnectionPool {
  const p = new ConnectionPool({ audit: new MemoryAudit(), knownHosts: new MemoryKnownHosts(), timeouts: { forwardMs: 500 },
    reconnect: { attempts: 2, baseMs: 10, maxMs: 50 }, ...extra });
  pools.push(p);
  return p;
}

beforeAll(async () => {
  const jumpUsers = [{ username: 'vnfjump', publicKey: jumpKey.publicKey }];
  jump = await startFakeSsh({ users: jumpUsers, forwarding: 'allow' });
  hangJump = await startFakeSsh({ users: jumpUsers, forwarding: 'hang' });
  router = await startFakeSsh({ users: [{ username: 'admin', password: 'pw' }], shell: iosDevice() });
  slowExec = await startFakeSsh({
    users: [{ username: 'admin', password: 'pw' }],
    exec: (command, stream) => {
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      setTimeout(() => { concurrent--; stream.write(`${command}\n`); stream.exit(0); stream.end(); }, 50);
    },
  });
});
afterEach(async () => { await Promise.all(pools.splice(0).map((p) => p.close())); });
afterAll(async () => { await Promise.all([jump, hangJump, router, slowExec].map((f) => f.close())); });

describe('ConnectionPool', () => {
  it('50 operations reuse one chained connection and one held shell', async () => {
    const p = pool();
    const a = appliance(router);
    const j0 = jump.stats.connections;
    const r0 = router.stats.connections;
    const s0 = router.stats.shells;
    for (let i = 0; i < 50; i++) {
      const cli = await p.cli(a, CLI);
      const r = await cli.send(i % 2 === 0 ? 'show version' : 'show run | include #');
      expect(r.output.length).toBeGreaterThan(0);
    }
    expect(jump.stats.connections - j0).toBe(1);
    expect(router.stats.connections - r0).toBe(1);
    expect(router.stats.shells - s0).toBe(1);
    expect(p.stats()).toMatchObject({ appliances: 1, jumpChains: 1, targetConnections: 1, shells: 1, misses: 1 });
    expect(p.stats().hits).toBeGreaterThanOrEqual(49);
  });

  it('a command that fails discards its shell: the next operation gets a fresh one, not the old mode', async () => {
    const p = pool();
    const a = appliance(router);
    const cli = await p.cli(a, CLI);
    await cli.send('enable', { prompts: [{ pattern: 'Password: ?$', response: 'en-secret' }] });
    expect((await cli.send('configure terminal')).prompt).toContain('(config)#');
    const shells = router.stats.shells;
    await expect(cli.send('bogus command')).rejects.toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED' });
    // a fresh shell starts where the device puts a new login (user mode), not in the old config mode
    const r = await cli.send('show version');
    expect(r.prompt).toMatch(/>\s*$/);
    expect(router.stats.shells - shells).toBe(1);
  });

  it('a login with other credentials never reuses a connection made with the old ones', async () => {
    const user = { username: 'admin', password: 'old-password' };
    const multi = await startFakeSsh({ users: [user], shell: iosDevice() });
    try {
      const p = pool();
      const base = appliance(multi);
      await (await p.cli(base, { ...CLI, password: 'old-password' })).send('show version');
      user.password = 'new-password'; // as a bootstrap's change_password would
      const before = multi.stats.connections;
      await (await p.cli(base, { ...CLI, password: 'new-password' })).send('show version');
      expect(multi.stats.connections - before).toBe(1);
      await (await p.cli(base, { ...CLI, password: 'new-password' })).send('show version');
      expect(multi.stats.connections - before).toBe(1);
    } finally {
      await multi.close();
    }
  });

  it('appliances behind the same jump hops share one jump login; it closes when the last one leaves', async () => {
    const p = pool({ idleMs: 600 });
    const before = jump.stats.connections;
    for (const id of ['app-a', 'app-b', 'app-c']) await (await p.cli(appliance(router, jump, id), CLI)).send('show version');
    expect(jump.stats.connections - before).toBe(1);
    expect(p.stats()).toMatchObject({ appliances: 3, jumpChains: 1, targetConnections: 3 });
    await vi.waitFor(() => expect(p.stats().appliances).toBe(0), { timeout: 3_000 });
    expect(p.stats().jumpChains).toBe(0);
    // the shared chain was closed with its last user: the next operation logs in to the jump again
    await (await p.cli(appliance(router, jump, 'app-a'), CLI)).send('show version');
    expect(jump.stats.connections - before).toBe(2);
  });

  it('reconnects after sshd drops every connection', async () => {
    const p = pool();
    const a = appliance(router);
    const cli = await p.cli(a, CLI);
    await cli.send('show version');
    const before = router.stats.connections;
    router.dropAll();
    jump.dropAll();
    await vi.waitFor(() => expect(p.stats().targetConnections).toBe(0), { timeout: 3_000 });
    const r = await cli.send('show version');
    expect(r.output).toContain('line 39');
    expect(router.stats.connections - before).toBe(1);
  });

  it('a timed-out shell is discarded and the next operation gets a fresh one', async () => {
    const p = pool();
    const a = appliance(router);
    const cli = await p.cli(a, CLI);
    const shells = router.stats.shells;
    await expect(cli.send('show hang', { idleTimeoutMs: 200 })).rejects.toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT' });
    expect((await cli.send('show version')).output).toContain('line 39');
    expect(router.stats.shells - shells).toBe(1);
  });

  it('keeps session channels under MaxSessions (forwards do not count)', async () => {
    const p = pool({ limits: { maxSessions: 2, sessionWaitMs: 5_000 } });
    const a = appliance(slowExec);
    maxConcurrent = 0;
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => p.exec(a, `cmd-${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 6 }, (_, i) => `cmd-${i}\n`));
    expect(maxConcurrent).toBe(2);
    expect(p.stats().sessionChannels).toBe(0);
  });

  it('a jump that never answers forwards: bounded retries, NET_TIMEOUT, failure counted', async () => {
    const p = pool();
    const started = Date.now();
    await expect(p.exec(appliance(router, hangJump), 'x')).rejects.toMatchObject({ code: 'VNF_ERR_NET_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(p.stats()).toMatchObject({ connectFailures: 1, reconnects: 1 });
  });

  it('evicts idle appliances and closes their connections', async () => {
    const p = pool({ idleMs: 100 });
    await p.exec(appliance(slowExec, undefined), 'once');
    expect(p.stats().appliances).toBe(1);
    await vi.waitFor(() => expect(p.stats().appliances).toBe(0), { timeout: 2_000 });
    expect(p.stats().evictions).toBe(1);
  });

  it('serialises operations per appliance, not across appliances', async () => {
    const p = pool();
    const log: string[] = [];
    const op = (id: string, tag: string) => p.runOperation(id, async () => {
      log.push(`${tag}+`);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      log.push(`${tag}-`);
    });
    await Promise.all([op('a', 'a1'), op('a', 'a2'), op('b', 'b1')]);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
  });

  it('close() closes everything; further use fails with VNF_ERR_POOL_CLOSED', async () => {
    const p = pool();
    await p.exec(appliance(slowExec, undefined), 'before-close');
    await p.close();
    expect(p.stats().appliances).toBe(0);
    await expect(p.exec(appliance(slowExec, undefined), 'after')).rejects.toMatchObject({ code: 'VNF_ERR_POOL_CLOSED' });
    expect(() => p.runOperation('x', async () => 1)).toThrow(/closed/);
  });
});
