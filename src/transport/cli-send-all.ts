// CliSession.sendAll: the commands of one step in order, stopping at the first failure; with the
// dictionary's `pipeline: true`, in groups typed ahead at once and split back per command
// (cli-pipeline.ts). Everything else of the session stays private to cli-session.ts.
import { VnfError } from '../errors.js';
import type { AuditEvent } from '../audit/types.js';
import { appendAuditMany, scrub, type AuditBinding } from './audit-events.js';
import { PipelineSplitter, pipelineChunks } from './cli-pipeline.js';
import type { CliSendOptions } from './cli-session.js';
import type { CliResult, CliSpec } from './types.js';

/** What sendAll needs from its session: a small view of CliSession's internals. */
export interface CliSessionInternals {
  readonly spec: CliSpec;
  readonly audit: AuditBinding;
  readonly promptRe: RegExp;
  readonly newline: string;
  readonly echo: boolean;
  /** the hop named in error messages */
  hop(): string;
  /** the cleaned output received since the last command was sent */
  buffer(): string;
  setLastPrompt(prompt: string): void;
  /** one command, waiting for its prompt (the path without pipelining) */
  run(command: string, opts: CliSendOptions): Promise<CliResult>;
  /** throws the error that broke the session, if any */
  assertUsable(): void;
  /** counts the commands about to be sent and clears the buffer */
  beginCommands(count: number): void;
  /** resolves with what `accept` returns once it finds the prompt (idle/overall limits from opts) */
  waitFor(accept: (buf: string) => string | undefined, opts: CliSendOptions, what: string): Promise<string>;
  /** writes typed-ahead input: until endTypeAhead(), a pager prompt breaks the session */
  typeAhead(text: string): void;
  endTypeAhead(): void;
  /** the output line that matched one of the spec's error patterns */
  matchError(output: string): string | undefined;
}

export function assertOneLine(command: string): void {
  if (/[\r\n]/.test(command)) throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', 'a CLI command must be one line');
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof VnfError ? signal.reason : new VnfError('VNF_ERR_WORKFLOW_CANCELLED', 'the commands were cancelled');
}

/**
 * Pipelined only with spec.pipeline, an echo to split the output by, more than one command and no
 * prompted input; otherwise one at a time.
 */
export async function runCommands(session: CliSessionInternals, commands: readonly string[], opts: CliSendOptions): Promise<CliResult[]> {
  const out: CliResult[] = [];
  const pipelined = session.spec.pipeline === true && session.echo && commands.length > 1
    && (session.spec.prompts ?? []).length === 0 && (opts.prompts ?? []).length === 0;
  if (!pipelined) {
    for (const c of commands) {
      stopIfAborted(opts.signal);
      out.push(await session.run(c, opts));
    }
    return out;
  }
  // nothing of the step is sent when one of its commands is unsafe
  for (const c of commands) assertOneLine(c);
  for (const chunk of pipelineChunks(commands, session.newline)) {
    stopIfAborted(opts.signal);
    out.push(...await runPipelinedGroup(session, chunk, opts, out.length, commands.length));
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
async function runPipelinedGroup(session: CliSessionInternals, chunk: readonly string[], opts: CliSendOptions, offset: number, total: number): Promise<CliResult[]> {
  session.assertUsable();
  // the records are on disk before the group is sent; a throwing sink means nothing is sent
  appendAuditMany(session.audit, opts.audit, chunk.map((command): AuditEvent => ({ type: 'ssh.command', outcome: 'started', command, transport: 'ssh' })));
  const started = Date.now();
  session.beginCommands(chunk.length);
  const splitter = new PipelineSplitter(chunk, session.promptRe);
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
      const matched = opts.ignoreErrors ? undefined : session.matchError(output);
      if (matched !== undefined && failed === undefined) failed = { index: i, line: matched };
      results.push({ output, prompt, durationMs: durationOf(i) });
      events.push({ type: 'ssh.command', command, outcome: matched === undefined ? 'success' : 'failure', duration_ms: durationOf(i), output,
        ...(matched === undefined ? {} : { error_code: 'VNF_ERR_SSH_COMMAND_FAILED' }) });
    }
    return events;
  };
  const waiting = session.waitFor((buf) => {
    const prompt = splitter.scan(buf);
    while (ended.length < splitter.completed) ended.push(Date.now());
    return prompt;
  }, opts, `${chunk.length} pipelined commands`);
  session.typeAhead(chunk.map((c) => c + session.newline).join(''));
  try {
    session.setLastPrompt(await waiting);
  } catch (err) {
    const e = err as VnfError;
    // the complete commands keep their result; the one in progress and those after it failed with the session
    const complete = resultEvents();
    appendAuditMany(session.audit, opts.audit, [...complete, ...chunk.slice(results.length).map((command, k): AuditEvent => ({
      type: 'ssh.command', command, outcome: 'failure', error_code: e.code, duration_ms: Date.now() - started,
      ...(k === 0 ? { output: splitter.pending(session.buffer()) } : {}),
    }))]);
    throw e;
  } finally {
    session.endTypeAhead();
  }
  appendAuditMany(session.audit, opts.audit, resultEvents());
  if (failed !== undefined) {
    const secrets = [...(session.audit.base.secrets ?? []), ...(opts.audit?.secrets ?? [])];
    const line = scrub(failed.line, secrets).slice(0, 300);
    const command = scrub(chunk[failed.index] ?? '', secrets).slice(0, 300);
    const n = offset + failed.index + 1;
    throw new VnfError('VNF_ERR_SSH_COMMAND_FAILED',
      `${session.hop()}: command ${n} of ${total} failed: ${line} (command: ${command}; pipelined: the ${chunk.length - failed.index - 1} typed ahead after it ran too)`,
      { details: { line, command, index: n } });
  }
  return results;
}
