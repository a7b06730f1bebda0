// One interactive CLI (PTY shell) kept open across commands: prompt-driven reads with an idle
// timeout that restarts on output plus an overall cap, prompted input, error patterns, a queue,
// and pipelined groups of commands (spec.pipeline, cli-pipeline.ts).
import type { ClientChannel } from 'ssh2';
import { VnfError } from '../errors.js';
import type { AuditEvent } from '../audit/types.js';
import { appendAudit, appendAuditMany, scrub, type AuditBinding } from './audit-events.js';
import { PipelineSplitter, pipelineChunks } from './cli-pipeline.js';
import { DEFAULT_PAGER, DEFAULT_PROMPT, extractOutput, lastLine, TerminalText } from './cli-text.js';
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

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof VnfError ? signal.reason : new VnfError('VNF_ERR_WORKFLOW_CANCELLED', 'the commands were cancelled');
}

function assertOneLine(command: string): void {
  if (/[\r\n]/.test(command)) throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', 'a CLI command must be one line');
}

const compile = (src: string, flags: string, what: string): RegExp => {
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new VnfError('VNF_ERR_DICT_SEMANTIC', `invalid ${what} regex /${src}/`, { cause: err });
  }
};

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
    this.promptRe = compile(spec.prompt ?? DEFAULT_PROMPT, '', 'prompt');
    // pager: '' turns the pager safety net off
    this.pagerRe = spec.pager === '' ? /(?!)/ : compile(spec.pager ?? DEFAULT_PAGER, '', 'pager');
    this.errorRes = (spec.errorPatterns ?? []).map((p) => compile(p, 'm', 'error pattern'));
    this.newline = spec.newline ?? '\n';
    this.echo = spec.echo ?? true;
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
   * spec.pipeline they go in groups typed ahead without waiting for each prompt (cli-pipeline.ts);
   * otherwise, with prompted input, or without an echo to split the output by, one at a time.
   */
  sendAll(commands: readonly string[], opts: CliSendOptions = {}): Promise<CliResult[]> {
    const run = this.queue.then(() => this.runAll(commands, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  close(): void {
    this.fail(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(this.conn.ref)}: CLI session closed`));
  }

  private async runAll(commands: readonly string[], opts: CliSendOptions): Promise<CliResult[]> {
    const out: CliResult[] = [];
    const pipelined = this.spec.pipeline === true && this.echo && commands.length > 1
      && (this.spec.prompts ?? []).length === 0 && (opts.prompts ?? []).length === 0;
    if (!pipelined) {
      for (const c of commands) {
        stopIfAborted(opts.signal);
        out.push(await this.run(c, opts));
      }
      return out;
    }
    // nothing of the step is sent when one of its commands is unsafe
    for (const c of commands) assertOneLine(c);
    for (const chunk of pipelineChunks(commands, this.newline)) {
      stopIfAborted(opts.signal);
      out.push(...await this.runPipelined(chunk, opts, out.length, commands.length));
    }
    return out;
  }

  /**
   * One group typed ahead at once: the "started" records of all its commands in one write before it
   * is sent; everything up to the final prompt, split per command; the result records in one write.
   * (Writing each result as its output completes, while the CLI works on the rest, cost more CPU per
   * task in the lab: one fstat + write per piece of output instead of one per group.) A failure names
   * the first command whose output matched an error pattern, once every prompt came back (the
   * session is in step). `offset`/`total` place the group in the whole step.
   */
  private async runPipelined(chunk: readonly string[], opts: CliSendOptions, offset: number, total: number): Promise<CliResult[]> {
    if (this.broken) throw this.broken;
    // the records are on disk before the group is sent; a throwing sink means nothing is sent
    appendAuditMany(this.audit, opts.audit, chunk.map((command): AuditEvent => ({ type: 'ssh.command', outcome: 'started', command, transport: 'ssh' })));
    const started = Date.now();
    this.commands += chunk.length;
    this.buf = '';
    const splitter = new PipelineSplitter(chunk, this.promptRe);
    const ended: number[] = [];
    const durationOf = (i: number): number => (ended[i] ?? Date.now()) - (i === 0 ? started : ended[i - 1] ?? started);
    const results: CliResult[] = [];
    let failed: { index: number; line: string } | undefined;
    /** the result records of the commands complete so far (all of them once the group is done) */
    const resultEvents = (): AuditEvent[] => {
      const pieces = splitter.results();
      const events: AuditEvent[] = [];
      for (let i = results.length; i < pieces.length; i++) {
        const { output, prompt } = pieces[i] as { output: string; prompt: string };
        const command = chunk[i] as string;
        const matched = opts.ignoreErrors ? undefined : this.matchError(output);
        if (matched !== undefined && failed === undefined) failed = { index: i, line: matched };
        results.push({ output, prompt, durationMs: durationOf(i) });
        events.push({ type: 'ssh.command', command, outcome: matched === undefined ? 'success' : 'failure', duration_ms: durationOf(i), output,
          ...(matched === undefined ? {} : { error_code: 'VNF_ERR_SSH_COMMAND_FAILED' }) });
      }
      return events;
    };
    const waiting = this.expect({
      accept: (buf) => {
        const prompt = splitter.scan(buf);
        while (ended.length < splitter.completed) ended.push(Date.now());
        return prompt;
      },
      prompts: [],
      idleMs: opts.idleTimeoutMs ?? this.spec.idleTimeoutMs ?? this.defaults.idleMs,
      totalMs: opts.timeoutMs ?? this.spec.commandTimeoutMs ?? this.defaults.totalMs,
      what: `${chunk.length} pipelined commands`,
    });
    this.pipelining = true;
    this.channel.write(chunk.map((c) => c + this.newline).join(''));
    try {
      this.lastPrompt = await waiting;
    } catch (err) {
      const e = err as VnfError;
      // the complete commands keep their result; the one in progress and those after it failed with the session
      const complete = resultEvents();
      appendAuditMany(this.audit, opts.audit, [...complete, ...chunk.slice(results.length).map((command, k): AuditEvent => ({
        type: 'ssh.command', command, outcome: 'failure', error_code: e.code, duration_ms: Date.now() - started,
        ...(k === 0 ? { output: splitter.pending(this.buf) } : {}),
      }))]);
      throw e;
    } finally {
      this.pipelining = false;
    }
    appendAuditMany(this.audit, opts.audit, resultEvents());
    if (failed !== undefined) {
      const secrets = [...(this.audit.base.secrets ?? []), ...(opts.audit?.secrets ?? [])];
      const line = scrub(failed.line, secrets).slice(0, 300);
      const command = scrub(chunk[failed.index] ?? '', secrets).slice(0, 300);
      const n = offset + failed.index + 1;
      throw new VnfError('VNF_ERR_SSH_COMMAND_FAILED',
        `${describeHop(this.conn.ref)}: command ${n} of ${total} failed: ${line} (command: ${command}; pipelined: the ${chunk.length - failed.index - 1} typed ahead after it ran too)`,
        { details: { line, command, index: n } });
    }
    return results;
  }

  private async run(command: string, opts: CliSendOptions): Promise<CliResult> {
    if (this.broken) throw this.broken;
    assertOneLine(command);
    const prompts = [...(this.spec.prompts ?? []), ...(opts.prompts ?? [])];
    const secrets = prompts.map((p) => p.response);
    // the record is on disk before the command is sent; a throwing sink means nothing is sent
    appendAudit(this.audit, opts.audit, { type: 'ssh.command', outcome: 'started', command, transport: 'ssh' }, secrets);
    const started = Date.now();
    this.commands++;
    this.buf = '';
    const hasEcho = this.echo;
    const waiting = this.expect({
      accept: (buf) => {
        if (hasEcho && !buf.includes('\n')) return undefined; // still on the echo line
        const line = lastLine(buf);
        return this.promptRe.test(line) ? line : undefined;
      },
      prompts,
      idleMs: opts.idleTimeoutMs ?? this.spec.idleTimeoutMs ?? this.defaults.idleMs,
      totalMs: opts.timeoutMs ?? this.spec.commandTimeoutMs ?? this.defaults.totalMs,
      what: 'command',
    });
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
    const matched = opts.ignoreErrors ? undefined : this.matchError(output);
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

  private matchError(output: string): string | undefined {
    for (const re of this.errorRes) {
      const m = re.exec(output);
      if (m) {
        const start = output.lastIndexOf('\n', m.index) + 1;
        const end = output.indexOf('\n', m.index);
        return output.slice(start, end < 0 ? undefined : end).trim();
      }
    }
    return undefined;
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
        answers: o.prompts.map((p) => ({ re: compile(p.pattern, '', 'prompted input'), response: p.response, left: p.max ?? 1 })),
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
