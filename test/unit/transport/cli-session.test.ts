import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliSession } from '../../../src/transport/cli-session.js';
import { MemoryKnownHosts } from '../../../src/transport/known-hosts.js';
import { dialChain, type SshConnection } from '../../../src/transport/ssh-connection.js';
import { DEFAULT_TIMEOUTS, type CliSpec } from '../../../src/transport/types.js';
import { iosDevice, silentDevice } from '../../helpers/fake-devices.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';

const users = [{ username: 'admin', password: 'pw' }];
let ios: FakeSsh;
let silent: FakeSsh;
const conns: SshConnection[] = [];
const defaults = { idleMs: 2_000, totalMs: 10_000 };
const IOS: CliSpec = {
  name: 'cli',
  errorPatterns: ['^% Invalid input', '^% Access denied'],
  onOpen: ['terminal length 0'],
};

async function connect(fake: FakeSsh, audit = new MemoryAudit()): Promise<SshConnection> {
  const conn = await dialChain({ hops: [], target: { host: '127.0.0.1', port: fake.port, username: 'admin', password: 'pw' } },
    { timeouts: DEFAULT_TIMEOUTS, knownHosts: new MemoryKnownHosts(), hostKeyPolicy: 'tofu', audit });
  conns.push(conn);
  return conn;
}

beforeAll(async () => {
  ios = await startFakeSsh({ users, shell: iosDevice() });
  silent = await startFakeSsh({ users, shell: silentDevice });
});
afterEach(() => { for (const c of conns.splice(0)) c.close(); });
afterAll(async () => { await ios.close(); await silent.close(); });

describe('CLI sessions', () => {
  it('syncs past a banner containing # and > (split on a prompt-looking line), runs on_open', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    expect(s.lastPrompt).toBe('Router>');
    const r = await s.send('show version');
    const lines = r.output.split('\n');
    expect(lines).toHaveLength(40);
    expect(lines[0]).toBe('Cisco IOS Software, Version 15.9(3)M'); // ANSI removed
    expect(r.output).not.toContain('show version'); // echo removed
    expect(r.output).not.toContain('Router>');
    expect(r.prompt).toBe('Router>');
  });

  it('answers --More-- pagers when paging was not disabled', async () => {
    const s = await CliSession.open(await connect(ios), { name: 'nopage' }, defaults);
    const r = await s.send('show version');
    expect(r.output.split('\n')).toHaveLength(40);
    expect(r.output).not.toMatch(/More|\s$/);
  });

  it('prompted input (enable password, [confirm]) and config-mode prompts; secrets redacted in audit', async () => {
    const audit = new MemoryAudit();
    const s = await CliSession.open(await connect(ios, audit), {
      ...IOS,
      prompts: [{ pattern: 'Password: ?$', response: 'en-secret' }, { pattern: '\\[confirm\\]$', response: '' }],
    }, defaults);
    expect((await s.send('enable')).prompt).toBe('Router#');
    expect((await s.send('configure terminal')).prompt).toBe('Router(config)#');
    expect((await s.send('interface Gi0/1')).prompt).toBe('Router(config-if)#');
    expect((await s.send('description uplink')).prompt).toBe('Router(config-if)#');
    expect((await s.send('end')).prompt).toBe('Router#');
    const reload = await s.send('reload');
    expect(reload.output).toContain('Reload scheduled');
    const enableRecords = audit.ofType('ssh.command').filter((e) => e.command === 'enable');
    expect(enableRecords.map((e) => e.outcome)).toEqual(['started', 'success']);
    expect(enableRecords[0]?.secrets).toContain('en-secret');
  });

  it('an echo line that looks like a prompt is not taken for the prompt', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    await s.send('enable', { prompts: [{ pattern: 'Password:', response: 'en-secret' }] });
    const r = await s.send('show run | include #');
    expect(r.output).toBe('hostname Router\n! end #');
  });

  it('error patterns → VNF_ERR_SSH_COMMAND_FAILED with the line; the session stays usable', async () => {
    const audit = new MemoryAudit();
    const s = await CliSession.open(await connect(ios, audit), IOS, defaults);
    const err = await s.send('show bogus').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED', details: { line: "% Invalid input detected at '^' marker." } });
    expect(s.usable).toBe(true);
    expect((await s.send('show version')).output).toContain('line 39');
    expect(audit.ofType('ssh.command').find((e) => e.command === 'show bogus' && e.outcome === 'failure')?.error_code).toBe('VNF_ERR_SSH_COMMAND_FAILED');
  });

  it('idle timeout restarts on data: slow chunked output split mid-prompt completes', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    // chunks every 120 ms, ~720 ms total: longer than the idle timeout, each gap shorter
    const r = await s.send('show slow', { idleTimeoutMs: 400, timeoutMs: 5_000 });
    expect(r.output).toBe('slow part 1\nslow part 2\nslow part 3\nslow part 4\ndone');
    expect(r.prompt).toBe('Router>');
    expect(r.durationMs).toBeGreaterThan(400);
  });

  it('the overall cap still applies while data flows', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    await expect(s.send('show slow', { idleTimeoutMs: 400, timeoutMs: 300 })).rejects.toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT' });
  });

  it('a prompt that never comes → VNF_ERR_SSH_PROMPT_TIMEOUT; the session is discarded', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    const err = await s.send('show hang', { idleTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT', stage: 'prompt' });
    expect(s.usable).toBe(false);
    await expect(s.send('show version')).rejects.toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT' });
  });

  it('a device that never shows a prompt fails the open', async () => {
    const conn = await connect(silent);
    await expect(CliSession.open(conn, IOS, { idleMs: 300, totalMs: 2_000 })).rejects.toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT' });
    // the slot is freed once the server confirms the channel close
    await vi.waitFor(() => expect(conn.sessions.inUse).toBe(0), { timeout: 2_000 });
  });

  it('a device that closes mid-command → VNF_ERR_SSH_DISCONNECTED', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    await expect(s.send('show crash')).rejects.toMatchObject({ code: 'VNF_ERR_SSH_DISCONNECTED' });
    expect(s.usable).toBe(false);
  });

  it('queues concurrent sends: one command at a time, outputs in order', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    const results = await Promise.all(['show version', '', 'show run | include #'].map((c) => s.send(c)));
    expect(results[0]?.output).toContain('line 39');
    expect(results[1]?.output).toBe('');
    expect(results[2]?.output).toBe('hostname Router\n! end #');
  });

  it('audit written before sending: a failing sink means the device receives nothing', async () => {
    const audit = new MemoryAudit();
    const s = await CliSession.open(await connect(ios, audit), IOS, defaults);
    const before = ios.stats.lines.length;
    audit.failing = true;
    await expect(s.send('show version')).rejects.toMatchObject({ code: 'VNF_ERR_AUDIT_WRITE' });
    audit.failing = false;
    expect(ios.stats.lines.slice(before)).toEqual([]);
    expect(s.usable).toBe(true);
    expect((await s.send('show version')).output).toContain('line 1 ');
  });

  it('rejects multi-line commands (no smuggled second command)', async () => {
    const s = await CliSession.open(await connect(ios), IOS, defaults);
    await expect(s.send('show version\nreload')).rejects.toMatchObject({ code: 'VNF_ERR_TEMPLATE_UNSAFE_VALUE' });
  });
});
