// Pipelined CLI commands (dictionary `pipeline: true`): the output splitter on its own, then a
// CliSession against a readline-like fake that reads typed-ahead lines one at a time (as FRR vtysh
// does): per-command outputs, error attribution, audit records on disk before the group is written,
// the session in step after an error, groups bounded in size, and the cases that must not pipeline.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openAuditLog, verifyAuditLog, type AuditLog, type AuditSink } from '../../../src/audit/index.js';
import { PIPELINE_MAX_BYTES, PipelineSplitter, pipelineChunks } from '../../../src/transport/cli-pipeline.js';
import { CliSession } from '../../../src/transport/cli-session.js';
import { MemoryKnownHosts } from '../../../src/transport/known-hosts.js';
import { dialChain, type SshConnection } from '../../../src/transport/ssh-connection.js';
import { DEFAULT_TIMEOUTS, type CliSpec } from '../../../src/transport/types.js';
import { VnfError } from '../../../src/errors.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { startFakeSsh, type FakeSsh } from '../../helpers/ssh-fakes.js';
import { applianceFor, closePools, dictionaryFrom, makeEngine } from '../workflow/engine-helpers.js';

const PROMPT = String.raw`^[\w.-]+(?:\([\w-]+\))?# ?$`;

describe('PipelineSplitter', () => {
  const re = new RegExp(PROMPT);

  it('splits at "<prompt><next command>" lines and ends at the bare prompt', () => {
    const cmds = ['configure terminal', 'bogus', 'ip route 198.51.100.0/24 Null0', 'end', 'show x'];
    const text = 'configure terminal\nfrr(config)# bogus\n% Unknown command: bogus\nfrr(config)# ip route 198.51.100.0/24 Null0\n'
      + 'frr(config)# end\nfrr# show x\nline 1\nfrr# not a prompt line inside output\nline 3\nfrr# ';
    const s = new PipelineSplitter(cmds, re);
    expect(s.scan(text)).toBe('frr# ');
    expect(s.results()).toEqual([
      { output: '', prompt: 'frr(config)# ' },
      { output: '% Unknown command: bogus', prompt: 'frr(config)# ' },
      { output: '', prompt: 'frr(config)# ' },
      { output: '', prompt: 'frr# ' },
      { output: 'line 1\nfrr# not a prompt line inside output\nline 3', prompt: 'frr# ' },
    ]);
  });

  it('works incrementally, byte by byte, and waits for complete echo lines', () => {
    const cmds = ['a', 'b', 'c'];
    const text = 'a\nout a\nfrr# b\nfrr# c\nout c1\nout c2\nfrr# ';
    const s = new PipelineSplitter(cmds, re);
    const seen: number[] = [];
    let prompt: string | undefined;
    for (let i = 1; i <= text.length && prompt === undefined; i++) {
      prompt = s.scan(text.slice(0, i));
      seen.push(s.completed);
    }
    // fed byte by byte, the final prompt is taken before its optional trailing space (as for one command)
    expect(prompt).toBe('frr#');
    expect(s.results().map((p) => p.output)).toEqual(['out a', '', 'out c1\nout c2']);
    // "frr# b" alone (no newline yet) did not end command 1
    expect(seen[text.indexOf('frr# b') + 6 - 1]).toBe(0);
  });

  it('a prompt-looking last line before every command was seen is not the end', () => {
    const s = new PipelineSplitter(['a', 'b', 'c'], re);
    expect(s.scan('a\nfrr# b\nfrr# ')).toBeUndefined();
    expect(s.completed).toBe(1);
    expect(s.pending('a\nfrr# b\nfrr# ')).toBe('frr# ');
  });

  it('keeps a line before the first echo (a device message) in the first output', () => {
    const s = new PipelineSplitter(['a', 'b'], re);
    expect(s.scan('%LINK-3: up\na\nfrr# b\nfrr# ')).toBe('frr# ');
    expect(s.results()[0]?.output).toBe('%LINK-3: up\na');
  });

  it('groups: at most PIPELINE_MAX_BYTES bytes (and a bounded number of lines) each, order kept', () => {
    const lines = Array.from({ length: 100 }, (_v, i) => `ip route 198.51.100.${i}/32 Null0`);
    const chunks = pipelineChunks(lines, '\n');
    expect(chunks.flat()).toEqual(lines);
    for (const c of chunks) expect(Buffer.byteLength(c.map((l) => `${l}\n`).join(''))).toBeLessThanOrEqual(PIPELINE_MAX_BYTES);
    expect(chunks.length).toBeGreaterThan(2);
    // a single line longer than the bound still goes (alone)
    expect(pipelineChunks(['x'.repeat(PIPELINE_MAX_BYTES + 10), 'y'], '\n')).toEqual([['x'.repeat(PIPELINE_MAX_BYTES + 10)], ['y']]);
  });
});

/** What the fake saw: each write it received, and the audit log's content at that moment. */
interface Received { data: string; auditLines: string[] }

/**
 * A readline-like CLI: input is buffered; one line at a time is read, echoed after the prompt that is
 * already shown, "executed" after a short delay, its output and the next prompt written. Type-ahead
 * shows up exactly as with vtysh. Modes: exec "frr#", config "frr(config)#".
 */
function readlineDevice(received: Received[], auditFile: () => string | undefined): (stream: ServerChannel) => void {
  return (stream) => {
    let mode: 'exec' | 'config' = 'exec';
    let pending = '';
    let busy = false;
    let paging = true;
    const prompt = (): string => (mode === 'config' ? 'frr(config)# ' : 'frr# ');
    const run = (cmd: string): string => {
      if (cmd === '') return '';
      if (cmd === 'terminal length 0') { paging = false; return ''; }
      if (cmd === 'configure terminal') { mode = 'config'; return ''; }
      if (cmd === 'end') { mode = 'exec'; return ''; }
      if (cmd.startsWith('ip route ') && mode === 'config') return '';
      if (cmd === 'show big') return Array.from({ length: 30 }, (_v, i) => `row ${i}\r\n`).join('');
      if (cmd === 'show paged') return paging ? 'row 1\r\n --More-- ' : 'row 1\r\n';
      if (cmd === 'show hang') return 'HANG';
      return `% Unknown command: ${cmd}\r\n`;
    };
    const next = (): void => {
      if (busy) return;
      const nl = pending.indexOf('\n');
      if (nl < 0) return;
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      busy = true;
      stream.write(`${line}\r\n`);
      setTimeout(() => {
        const out = run(line);
        if (out === 'HANG' || out.endsWith(' --More-- ')) {
          if (out !== 'HANG') stream.write(out);
          return; // never prompts again (a pager waits for a key)
        }
        stream.write(out + prompt());
        busy = false;
        next();
      }, 2);
    };
    stream.on('data', (d: Buffer) => {
      const file = auditFile();
      received.push({ data: d.toString('utf8'), auditLines: file ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [] });
      pending += d.toString('utf8');
      next();
    });
    stream.on('error', () => undefined);
    stream.write(`Hello, this is a fake FRR #>\r\n\r\n${prompt()}`);
  };
}

const received: Received[] = [];
let currentAuditFile: string | undefined;
let fake: FakeSsh;
const conns: SshConnection[] = [];
const dirs: string[] = [];
const defaults = { idleMs: 2_000, totalMs: 10_000 };
const SPEC: CliSpec = {
  name: 'vtysh', prompt: PROMPT, onOpen: ['terminal length 0'], errorPatterns: ['^% Unknown command'], pipeline: true,
};

beforeAll(async () => {
  fake = await startFakeSsh({ users: [{ username: 'admin', password: 'pw' }], shell: readlineDevice(received, () => currentAuditFile) });
});
afterEach(() => {
  for (const c of conns.splice(0)) c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  currentAuditFile = undefined;
  received.length = 0;
});
afterAll(async () => { await closePools(); await fake.close(); });

async function open(spec: CliSpec, audit: AuditSink): Promise<CliSession> {
  const conn = await dialChain({ hops: [], target: { host: '127.0.0.1', port: fake.port, username: 'admin', password: 'pw' } },
    { timeouts: DEFAULT_TIMEOUTS, knownHosts: new MemoryKnownHosts(), hostKeyPolicy: 'tofu', audit });
  conns.push(conn);
  return CliSession.open(conn, spec, defaults);
}

function fileAudit(): AuditLog {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-pipeline-'));
  dirs.push(dir);
  currentAuditFile = join(dir, 'audit.log');
  return openAuditLog({ file: currentAuditFile });
}

const commandRecords = (lines: string[]): Array<{ command?: string; outcome?: string }> =>
  lines.map((l) => JSON.parse(l) as { type: string; command?: string; outcome?: string }).filter((r) => r.type === 'ssh.command');

describe('pipelined CLI sessions', () => {
  const TASK = ['configure terminal', 'ip route 198.51.100.1/32 Null0', 'ip route 198.51.100.2/32 Null0', 'end', 'show big'];

  it('types the group ahead in one write after all its "started" records are on disk; splits outputs per command', async () => {
    const log = fileAudit();
    const s = await open(SPEC, log);
    received.length = 0;
    const results = await s.sendAll(TASK);
    // the whole group arrived in one write (one packet), and at that moment the file held a
    // "started" record for every command of the group, in order
    expect(received).toHaveLength(1);
    expect(received[0]?.data).toBe(TASK.map((c) => `${c}\n`).join(''));
    const onDisk = commandRecords(received[0]?.auditLines ?? []).filter((r) => r.outcome === 'started').map((r) => r.command);
    expect(onDisk.slice(-TASK.length)).toEqual(TASK);
    expect(results.map((r) => r.prompt)).toEqual(['frr(config)# ', 'frr(config)# ', 'frr(config)# ', 'frr# ', 'frr# ']);
    expect(results.slice(0, 4).map((r) => r.output)).toEqual(['', '', '', '']);
    expect(results[4]?.output.split('\n')).toEqual(Array.from({ length: 30 }, (_v, i) => `row ${i}`));
    // afterwards: one result record per command, in order, and the chain verifies
    const all = commandRecords(readFileSync(currentAuditFile as string, 'utf8').split('\n').filter(Boolean));
    expect(all.slice(-TASK.length).map((r) => [r.command, r.outcome])).toEqual(TASK.map((c) => [c, 'success']));
    log.close();
    expect((await verifyAuditLog([currentAuditFile as string])).ok).toBe(true);
  });

  it('names the failing command of a group; later lines ran; each record has its own outcome; the session stays in step', async () => {
    const audit = new MemoryAudit();
    const s = await open(SPEC, audit);
    const err = await s.sendAll(['configure terminal', 'ip route 198.51.100.3/32 Null0', 'bogus secret-value-1', 'ip route 198.51.100.4/32 Null0', 'end'],
      { audit: { secrets: ['secret-value-1'] } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED', details: { index: 3, line: '% Unknown command: bogus [redacted]', command: 'bogus [redacted]' } });
    expect(String((err as Error).message)).toContain('command 3 of 5 failed');
    expect(String((err as Error).message)).not.toContain('secret-value-1');
    const results = audit.ofType('ssh.command').filter((e) => e.outcome !== 'started').slice(-5);
    expect(results.map((e) => [e.command, e.outcome, e.error_code])).toEqual([
      ['configure terminal', 'success', undefined],
      ['ip route 198.51.100.3/32 Null0', 'success', undefined],
      ['bogus secret-value-1', 'failure', 'VNF_ERR_SSH_COMMAND_FAILED'],
      ['ip route 198.51.100.4/32 Null0', 'success', undefined],
      ['end', 'success', undefined],
    ]);
    // every prompt came back: the session is usable and in step
    expect(s.usable).toBe(true);
    const next = await s.sendAll(['show big', 'end']);
    expect(next[0]?.output.split('\n')).toHaveLength(30);
    expect(next[1]?.prompt).toBe('frr# ');
  });

  it('a failing audit sink sends nothing of the group', async () => {
    const audit = new MemoryAudit();
    const s = await open(SPEC, audit);
    received.length = 0;
    audit.failing = true;
    await expect(s.sendAll(TASK)).rejects.toMatchObject({ code: 'VNF_ERR_AUDIT_WRITE' });
    audit.failing = false;
    expect(received).toEqual([]);
    expect((await s.sendAll(['end', 'show big'])).at(-1)?.output).toContain('row 29');
  });

  it('a result record that cannot be written: the group still completes (in step), the step fails with VNF_ERR_AUDIT_WRITE', async () => {
    const audit = new MemoryAudit();
    // the started batch goes through; every result write fails
    const sink: AuditSink = {
      append: (e) => audit.append(e),
      appendMany: (events) => {
        if (events.some((e) => e.outcome !== 'started')) throw new VnfError('VNF_ERR_AUDIT_WRITE', 'disk full (test)');
        return events.map((e) => audit.append(e));
      },
    };
    const s = await open(SPEC, sink);
    await expect(s.sendAll(TASK)).rejects.toMatchObject({ code: 'VNF_ERR_AUDIT_WRITE' });
    expect(s.usable).toBe(true);
    expect(s.lastPrompt).toBe('frr# ');
  });

  it('long steps go in groups of at most PIPELINE_MAX_BYTES, each group audited before its write', async () => {
    const log = fileAudit();
    const s = await open(SPEC, log);
    received.length = 0;
    const lines = ['configure terminal', ...Array.from({ length: 80 }, (_v, i) => `ip route 198.51.${100 + Math.floor(i / 250)}.${i}/32 Null0`), 'end'];
    const results = await s.sendAll(lines);
    expect(results).toHaveLength(lines.length);
    const groups = pipelineChunks(lines, '\n');
    expect(received.map((r) => r.data)).toEqual(groups.map((g) => g.map((c) => `${c}\n`).join('')));
    let sent = 0;
    for (const [i, r] of received.entries()) {
      sent += (groups[i] ?? []).length;
      const started = commandRecords(r.auditLines).filter((x) => x.outcome === 'started').map((x) => x.command);
      // this group's and every earlier group's commands are on disk; none of a later group
      expect(started.slice(-sent)).toEqual(lines.slice(0, sent));
      expect(started.length).toBe(sent + 1); // + on_open's terminal length 0
    }
    log.close();
  });

  it('stops between groups once the signal is aborted', async () => {
    const s = await open(SPEC, new MemoryAudit());
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    received.length = 0;
    await expect(s.sendAll(TASK, { signal: ac.signal })).rejects.toMatchObject({ code: 'VNF_ERR_WORKFLOW_CANCELLED' });
    expect(received).toEqual([]);
  });

  it('a pager prompt while lines are typed ahead breaks the session (out of step)', async () => {
    const audit = new MemoryAudit();
    const s = await open({ ...SPEC, onOpen: [] }, audit);
    await expect(s.sendAll(['show paged', 'end'])).rejects.toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED', message: expect.stringContaining('pager') });
    expect(s.usable).toBe(false);
    const results = audit.ofType('ssh.command').filter((e) => e.outcome !== 'started');
    expect(results.map((e) => [e.command, e.outcome])).toEqual([['show paged', 'failure'], ['end', 'failure']]);
  });

  it('a timeout mid-group records the completed commands as done and the rest as failed', async () => {
    const audit = new MemoryAudit();
    const s = await open(SPEC, audit);
    await expect(s.sendAll(['configure terminal', 'show hang', 'end'], { idleTimeoutMs: 300 })).rejects.toMatchObject({ code: 'VNF_ERR_SSH_PROMPT_TIMEOUT' });
    const results = audit.ofType('ssh.command').filter((e) => e.outcome !== 'started').slice(-3);
    expect(results.map((e) => [e.command, e.outcome, e.error_code])).toEqual([
      ['configure terminal', 'success', undefined],
      ['show hang', 'failure', 'VNF_ERR_SSH_PROMPT_TIMEOUT'],
      ['end', 'failure', 'VNF_ERR_SSH_PROMPT_TIMEOUT'],
    ]);
    expect(s.usable).toBe(false);
  });

  it('one command at a time without pipeline, with prompted input, or without an echo', async () => {
    for (const spec of [{ ...SPEC, pipeline: false }, { ...SPEC, prompts: [{ pattern: 'Password: ?$', response: 'x' }] }]) {
      const s = await open(spec, new MemoryAudit());
      received.length = 0;
      const results = await s.sendAll(TASK);
      expect(received.map((r) => r.data)).toEqual(TASK.map((c) => `${c}\n`));
      expect(results[4]?.output.split('\n')).toHaveLength(30);
    }
  });

  it('refuses a multi-line command before sending or auditing anything of the step', async () => {
    const audit = new MemoryAudit();
    const s = await open(SPEC, audit);
    const before = audit.events.length;
    received.length = 0;
    await expect(s.sendAll(['configure terminal', 'ip route x\nreload'])).rejects.toMatchObject({ code: 'VNF_ERR_TEMPLATE_UNSAFE_VALUE' });
    expect(received).toEqual([]);
    expect(audit.events.length).toBe(before);
  });
});

describe('pipeline: true in a dictionary', () => {
  const yaml = (pipeline: boolean): string => `
name: pipe-test
connections:
  vtysh:
    type: ssh
    host: "{{get_cs_data.management_ip}}"
    username: "{{get_cs_data.username}}"
    password: "{{get_cs_data.password}}"
    prompt: '${PROMPT}'
    on_open: ["terminal length 0"]
    error_patterns: ['^% Unknown command']
    pipeline: ${String(pipeline)}
services:
  Routes:
    data:
      prefix: { type: cidr, required: true }
    add:
      get_data: [prefix]
      connection: vtysh
      commands: [configure terminal, "ip route {{get_data.prefix}} Null0", end, show big]
    broken:
      connection: vtysh
      commands: [configure terminal, "no such command", end]
`;

  it('the engine sends a step as one group; the result and the audit trail are per command', async () => {
    const { engine, audit } = makeEngine();
    const appliance = applianceFor({ sshPort: fake.port, password: 'pw' });
    const out = await engine.runOperation({ dictionary: dictionaryFrom(yaml(true)), appliance, service: 'Routes', operation: 'add', data: { prefix: '198.51.100.0/24' } });
    expect(received.at(-1)?.data).toBe('configure terminal\nip route 198.51.100.0/24 Null0\nend\nshow big\n');
    // the step's output: the commands' outputs joined, as without pipelining
    expect((out.result as { output?: string }).output).toBe(['', '', '', ...Array.from({ length: 30 }, (_v, i) => `row ${i}`)].join('\n'));
    const cmds = audit.ofType('ssh.command').map((e) => [e.command, e.outcome]);
    expect(cmds.slice(-8)).toEqual([
      ...['configure terminal', 'ip route 198.51.100.0/24 Null0', 'end', 'show big'].map((c) => [c, 'started']),
      ...['configure terminal', 'ip route 198.51.100.0/24 Null0', 'end', 'show big'].map((c) => [c, 'success']),
    ]);
    const failed = await engine.runOperation({ dictionary: dictionaryFrom(yaml(true)), appliance, service: 'Routes', operation: 'broken' }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED', message: expect.stringContaining('command 2 of 3 failed') });
  });

  it('without it, the same step goes one line per write', async () => {
    const { engine } = makeEngine();
    const appliance = applianceFor({ sshPort: fake.port, password: 'pw', id: 'app-seq' });
    received.length = 0;
    await engine.runOperation({ dictionary: dictionaryFrom(yaml(false)), appliance, service: 'Routes', operation: 'add', data: { prefix: '198.51.100.0/24' } });
    expect(received.slice(-4).map((r) => r.data)).toEqual(['configure terminal\n', 'ip route 198.51.100.0/24 Null0\n', 'end\n', 'show big\n']);
  });
});
