// One interactive CLI (PTY shell) kept open across commands: prompt-driven reads with an idle
// timeout that restarts on output plus an overall cap, prompted input, error patterns, a queue,
// and pipelined groups of commands (spec.pipeline, cli-send-all.ts).
import type { ClientChannel } from 'ssh2';
import { VnfError } from '../errors.js';
import { appendAudit, scrub, type AuditBinding } from './audit-events.js';
import { assertOneLine, runCommands, type CliSessionInternals } from './cli-send-all.js';
import { compileCliPatterns, compilePattern, matchedErrorLine } from './cli-patterns.js';
import { extractOutput, lastLine, TerminalText } from './cli-text.js';
import type { SshConnection } from './ssh-connection.js';
import { describeHop } from './translate-error.js';
import type { AuditContext, CliResult, CliSpec, PromptAnswer } from './types.js';

export interface CliSendOptions {
  idleTimeoutMs?: number;
  timeoutMs?: number;
  audit?: AuditContext;
  /** prompted input for this command, on top of the spec's */
  prompts?: PromptAnswer[];
  /** skip the spec's error patterns (e.g. probing commands) */
  ignoreErrors?: boolean;
  /** sendAll: once aborted, nothing more is sent (the command or group in flight finishes) */
  signal?: AbortSignal;
}

interface Wait {
  accept: (buf: string) => string | undefined;
  answers: { re: RegExp; response: string; left: number }[];
  answeredUpTo: number;
  idleMs: number;
  idleTimer: NodeJS.Timeout | undefined;
  totalTimer: NodeJS.Timeout;
  resolve: (prompt: string) => void;
  reject: (err: VnfError) => void;
}

const MAX_BUFFER = 32 * 1024 * 1024;
const MAX_PAGES = 10_000;

export class CliSession {
  private buf = '';
  private readonly text = new TerminalText();
  private wait: Wait | undefined;
  private broken: VnfError | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly promptRe: RegExp;
  private readonly pagerRe: RegExp;
  private readonly errorRes: RegExp[];
  private readonly newline: string;
  private readonly echo: boolean;
  private pages = 0;
  /** typed-ahead input is in flight: a pager prompt would eat it */
  private pipelining = false;
  /** what sendAll (cli-send-all.ts) may use */
  private readonly internals: CliSessionInternals;
  /** the prompt line seen last (e.g. "router(config)#") */
  lastPrompt = '';
  commands = 0;

  private constructor(
    private readonly conn: SshConnection,
    private readonly channel: ClientChannel,
    readonly spec: CliSpec,
    private readonly audit: AuditBinding,
    private readonly defaults: { idleMs: number; totalMs: number },
  ) {
    ({ promptRe: this.promptRe, pagerRe: this.pagerRe, errorRes: this.errorRes } = compileCliPatterns(spec));
    this.newline = spec.newline ?? '\n';
    this.echo = spec.echo ?? true;
    this.internals = {
      spec, audit, promptRe: this.promptRe, newline: this.newline, echo: this.echo,
      hop: () => describeHop(conn.ref),
      buffer: () => this.buf,
      setLastPrompt: (prompt) => { this.lastPrompt = prompt; },
      run: (command, opts) => this.run(command, opts),
      assertUsable: () => { if (this.broken) throw this.broken; },
      beginCommands: (count) => this.beginCommands(count),
      waitFor: (accept, opts, what) => this.waitFor(accept, opts, what),
      typeAhead: (text) => { this.pipelining = true; this.channel.write(text); },
      endTypeAhead: () => { this.pipelining = false; },
      matchError: (output) => matchedErrorLine(this.errorRes, output),
    };
    channel.setEncoding('utf8');
    channel.on('data', (d: string) => this.onData(d));
    channel.stderr.setEncoding('utf8');
    channel.stderr.on('data', (d: string) => this.onData(d));
    channel.on('error', () => undefined);
    const closed = (): void => this.fail(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(conn.ref)}: CLI session closed`));
    // the connection may die without the channel ever closing (transport ended): fail at once, not at the idle timeout
    const unsubscribe = conn.onClose(closed);
    channel.once('close', () => {
      unsubscribe();
      closed();
    });
  }

  /** Opens a shell, syncs on the prompt, runs the spec's on_open commands. */
  static async open(conn: SshConnection, spec: CliSpec, defaults: { idleMs: number; totalMs: number }, audit?: AuditContext): Promise<CliSession> {
    const { channel } = await conn.openShell({ term: spec.term ?? 'vt100', cols: spec.cols ?? 511, rows: spec.rows ?? 24, width: 0, height: 0 });
    const s = new CliSession(conn, channel, spec, conn.audit, defaults);
    try {
      await s.sync();
      for (const cmd of spec.onOpen ?? []) await s.send(cmd, { ignoreErrors: false, ...(audit ? { audit } : {}) });
    } catch (err) {
      s.close();
      throw err;
    }
    return s;
  }

  get usable(): boolean { return this.broken === undefined && this.conn.alive; }

  /** Sends one command and resolves with its output once the prompt is back (queued per shell). */
  send(command: string, opts: CliSendOptions = {}): Promise<CliResult> {
    const run = this.queue.then(() => this.run(command, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends the commands in order (queued per shell as one unit), stopping at the first failure. With
   * spec.pipeline they go in groups typed ahead without waiting for each prompt (cli-send-all.ts);
   * otherwise, with prompted input, or without an echo to split the output by, one at a time.
   */
  sendAll(commands: readonly string[], opts: CliSendOptions = {}): Promise<CliResult[]> {
    const run = this.queue.then(() => runCommands(this.internals, commands, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.fail(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(this.conn.ref)}: CLI session closed`));
  }

  private async run(command: string, opts: CliSendOptions): Promise<CliResult> {
    if (this.broken) throw this.broken;
    assertOneLine(command);
    const prompts = [...(this.spec.prompts ?? []), ...(opts.prompts ?? [])];
    const secrets = prompts.map((p) => p.response);
    // the record is on disk before the command is sent; a throwing sink means nothing is sent
    appendAudit(this.audit, opts.audit, { type: 'ssh.command', outcome: 'started', command, transport: 'ssh' }, secrets);
    const started = Date.now();
    this.beginCommands(1);
    const hasEcho = this.echo;
    const waiting = this.waitFor((buf) => {
      if (hasEcho && !buf.includes('\n')) return undefined; // still on the echo line
      const line = lastLine(buf);
      return this.promptRe.test(line) ? line : undefined;
    }, opts, 'command', prompts);
    this.channel.write(command + this.newline);
    let prompt: string;
    try {
      prompt = await waiting;
    } catch (err) {
      const e = err as VnfError;
      appendAudit(this.audit, opts.audit, { type: 'ssh.command', outcome: 'failure', command, error_code: e.code,
        duration_ms: Date.now() - started, output: this.buf }, secrets);
      throw e;
    }
    this.lastPrompt = prompt;
    const output = extractOutput(this.buf, command, prompt, this.echo);
    const durationMs = Date.now() - started;
    const matched = opts.ignoreErrors ? undefined : matchedErrorLine(this.errorRes, output);
    appendAudit(this.audit, opts.audit, {
      type: 'ssh.command', command, outcome: matched === undefined ? 'success' : 'failure', duration_ms: durationMs, output,
      ...(matched === undefined ? {} : { error_code: 'VNF_ERR_SSH_COMMAND_FAILED' }),
    }, secrets);
    if (matched !== undefined) {
      // the session stays usable: the prompt came back, the stream is in step
      const line = scrub(matched, [...secrets, ...(opts.audit?.secrets ?? [])]).slice(0, 300);
      throw new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `${describeHop(this.conn.ref)}: command failed: ${line}`, { details: { line } });
    }
    return { output, prompt, durationMs };
  }

  private beginCommands(count: number): void {
    this.commands += count;
    this.buf = '';
  }

  /** expect() with the idle/overall limits of a command: per call, else the spec's, else the defaults */
  private waitFor(accept: Wait['accept'], opts: CliSendOptions, what: string, prompts: PromptAnswer[] = []): Promise<string> {
    return this.expect({
      accept, prompts, what,
      idleMs: opts.idleTimeoutMs ?? this.spec.idleTimeoutMs ?? this.defaults.idleMs,
      totalMs: opts.timeoutMs ?? this.spec.commandTimeoutMs ?? this.defaults.totalMs,
    });
  }

  /**
   * Banners may contain lines that look like prompts ("... logged #"). So: wait for a prompt-
   * looking last line, send a bare newline, and accept only when the device answers with the
   * same prompt line twice in a row.
   */
  private async sync(): Promise<void> {
    const idleMs = this.spec.idleTimeoutMs ?? this.defaults.idleMs;
    const totalMs = this.spec.commandTimeoutMs ?? this.defaults.totalMs;
    await this.expect({ accept: (b) => (this.promptRe.test(lastLine(b)) ? lastLine(b) : undefined), prompts: [], idleMs, totalMs, what: 'initial prompt' });
    this.channel.write(this.newline);
    this.lastPrompt = await this.expect({
      accept: (b) => {
        const lines = b.split('\n');
        const last = lines.at(-1) ?? '';
        const prev = lines.at(-2);
        return this.promptRe.test(last) && prev !== undefined && prev.trimEnd() === last.trimEnd() ? last : undefined;
      },
      prompts: [], idleMs, totalMs, what: 'prompt sync',
    });
    this.buf = '';
  }

  private expect(o: { accept: Wait['accept']; prompts: PromptAnswer[]; idleMs: number; totalMs: number; what: string }): Promise<string> {
    if (this.broken) return Promise.reject(this.broken);
    return new Promise((resolve, reject) => {
      const timeout = (kind: string, ms: number) => (): void => this.fail(new VnfError('VNF_ERR_SSH_PROMPT_TIMEOUT',
        `${describeHop(this.conn.ref)}: ${o.what}: no prompt (${kind} ${ms} ms)`));
      const w: Wait = {
        accept: o.accept,
        answers: o.prompts.map((p) => ({ re: compilePattern(p.pattern, '', 'prompted input'), response: p.response, left: p.max ?? 1 })),
        answeredUpTo: 0,
        idleMs: o.idleMs,
        idleTimer: undefined,
        totalTimer: setTimeout(timeout('overall', o.totalMs), o.totalMs),
        resolve,
        reject,
      };
      w.idleTimer = setTimeout(timeout('idle', o.idleMs), o.idleMs);
      this.wait = w;
      this.check(); // output may already be buffered (e.g. the first prompt)
    });
  }

  private onData(chunk: string): void {
    this.buf = this.text.append(this.buf, chunk);
    if (this.buf.length > MAX_BUFFER) {
      this.fail(new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `${describeHop(this.conn.ref)}: output exceeded ${MAX_BUFFER} characters`));
      return;
    }
    const w = this.wait;
    if (!w) return;
    // idle timer restarts on every piece of output; the overall cap does not
    clearTimeout(w.idleTimer);
    w.idleTimer = setTimeout(() => this.fail(new VnfError('VNF_ERR_SSH_PROMPT_TIMEOUT',
      `${describeHop(this.conn.ref)}: no prompt (idle ${w.idleMs} ms)`)), w.idleMs);
    this.check();
  }

  private check(): void {
    const w = this.wait;
    if (!w) return;
    const line = lastLine(this.buf);
    if (line !== '' && this.pagerRe.test(line)) {
      // the pager would read the typed-ahead lines as keystrokes: the stream is out of step
      if (this.pipelining) return this.fail(new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `${describeHop(this.conn.ref)}: pager prompt during pipelined commands (turn paging off in on_open)`));
      if (++this.pages > MAX_PAGES) return this.fail(new VnfError('VNF_ERR_SSH_COMMAND_FAILED', 'too many pager prompts'));
      this.buf = this.buf.slice(0, this.buf.length - line.length) + line.replace(this.pagerRe, '');
      this.channel.write(' ');
      return;
    }
    const tail = lastLine(this.buf.slice(w.answeredUpTo));
    if (tail !== '') {
      for (const a of w.answers) {
        if (!a.re.test(tail)) continue;
        if (a.left <= 0) {
          return this.fail(new VnfError('VNF_ERR_SSH_COMMAND_FAILED',
            `${describeHop(this.conn.ref)}: prompt /${a.re.source}/ repeated more often than declared`, { stage: 'prompt' }));
        }
        a.left--;
        w.answeredUpTo = this.buf.length;
        this.channel.write(a.response + this.newline);
        return;
      }
    }
    const prompt = w.accept(this.buf);
    if (prompt === undefined) return;
    this.settle(w);
    w.resolve(prompt);
  }

  private settle(w: Wait): void {
    clearTimeout(w.idleTimer);
    clearTimeout(w.totalTimer);
    if (this.wait === w) this.wait = undefined;
  }

  /** A broken session (timeout, close, overflow) is discarded: its stream is out of step. */
  private fail(err: VnfError): void {
    const w = this.wait;
    if (w) {
      this.settle(w);
      w.reject(err);
    }
    if (this.broken) return;
    this.broken = err;
    this.channel.close();
  }
}
