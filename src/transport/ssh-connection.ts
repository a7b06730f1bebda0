// A logged-in SSH connection to the appliance (over a JumpChain): exec channels and PTY shells,
// with session channels kept under the server's MaxSessions by a per-connection semaphore.
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';
import { VnfError } from '../errors.js';
import { appendAudit, type AuditBinding } from './audit-events.js';
import { Semaphore } from './concurrency.js';
import { dialJumps, hopRef, loginEndpoint, type DialDeps, type JumpChain } from './ssh-chain.js';
import { describeHop, NOT_SENT, translateChannelError, type HopRef } from './translate-error.js';
import type { AuditContext, ChainSpec, ExecResult, SshEndpoint } from './types.js';
import { endpointLabel } from './ssh-hop.js';

export interface ConnectionLimits {
  /** session channels (exec/shell) at once; OpenSSH MaxSessions default is 10 */
  maxSessions: number;
  /** how long to wait for a free session channel */
  sessionWaitMs: number;
}

export const DEFAULT_LIMITS: ConnectionLimits = Object.freeze({ maxSessions: 10, sessionWaitMs: 30_000 });

export interface ExecOptions {
  timeoutMs?: number;
  audit?: AuditContext;
  /** stdout+stderr cap (default 16 MiB) */
  maxOutputBytes?: number;
}

export class SshConnection {
  readonly sessions: Semaphore;
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    readonly client: Client,
    readonly chain: JumpChain,
    readonly ref: HopRef,
    readonly audit: AuditBinding,
    readonly limits: ConnectionLimits,
    private readonly defaultExecMs: number,
  ) {
    this.sessions = new Semaphore(limits.maxSessions);
    client.on('error', () => undefined); // errors after ready surface as 'close'
    client.once('close', () => this.close());
    // over a forwarded channel the jump only sends EOF when the appliance side dies (the channel is
    // half-open, so ssh2 never emits 'close'): the transport stream has ended, the connection is dead
    client.once('end', () => this.close());
    chain.onClose(() => this.close());
  }

  /** jump hops then the target, as in audit records */
  get path(): string[] { return [...this.chain.path, this.ref.label]; }
  get alive(): boolean { return !this.closed; }

  /** Runs fn when the connection closes; returns an unsubscribe function. */
  onClose(fn: () => void): () => void {
    if (this.closed) {
      fn();
      return () => undefined;
    }
    this.closeHandlers.push(fn);
    return () => {
      const i = this.closeHandlers.indexOf(fn);
      if (i >= 0) this.closeHandlers.splice(i, 1);
    };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
    for (const fn of this.closeHandlers.splice(0)) fn();
  }

  /** Opens a PTY shell; the returned release() frees its session slot (call on channel close). */
  async openShell(pty: PseudoTtyOptions): Promise<{ channel: ClientChannel; release: () => void }> {
    const release = await this.sessions.acquire(this.limits.sessionWaitMs, 'SSH session channel');
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        if (this.closed) return reject(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(this.ref)}: connection closed`, { details: NOT_SENT }));
        try {
          this.client.shell(pty, (err, ch) => (err ? reject(translateChannelError(err, this.ref, 'session', 'shell')) : resolve(ch)));
        } catch (err) {
          // ssh2 throws "Not connected" synchronously when the transport already ended
          reject(translateChannelError(err, this.ref, 'session', 'shell'));
        }
      });
      channel.once('close', release);
      return { channel, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** One channel per command. Audited before sending; the result is audited after. */
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? this.defaultExecMs;
    const maxBytes = opts.maxOutputBytes ?? 16 * 1024 * 1024;
    const release = await this.sessions.acquire(this.limits.sessionWaitMs, 'SSH session channel');
    const started = Date.now();
    try {
      if (this.closed) throw new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(this.ref)}: connection closed`, { details: NOT_SENT });
      appendAudit(this.audit, opts.audit, { type: 'ssh.command', outcome: 'started', command });
      let result: ExecResult;
      try {
        result = await this.runExec(command, timeoutMs, maxBytes, started);
      } catch (err) {
        const e = err instanceof VnfError ? err : translateChannelError(err, this.ref, 'session', 'exec');
        appendAudit(this.audit, opts.audit, { type: 'ssh.command', outcome: 'failure', command, error_code: e.code, duration_ms: Date.now() - started });
        throw e;
      }
      appendAudit(this.audit, opts.audit, {
        type: 'ssh.command',
        command,
        outcome: result.exitCode === 0 ? 'success' : 'failure',
        duration_ms: result.durationMs,
        output: result.stdout + result.stderr,
        detail: { exit_code: result.exitCode, ...(result.signal ? { signal: result.signal } : {}) },
      });
      return result;
    } finally {
      release();
    }
  }

  private runExec(command: string, timeoutMs: number, maxBytes: number, started: number): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let bytes = 0;
      let exitCode: number | null = null;
      let signal: string | undefined;
      let unsubscribe: () => void = () => undefined;
      const finish = (e?: VnfError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        if (e) {
          channel?.close();
          return reject(e);
        }
        resolve({
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exitCode,
          ...(signal ? { signal } : {}),
          durationMs: Date.now() - started,
        });
      };
      const timer = setTimeout(() => finish(new VnfError('VNF_ERR_SSH_EXEC_TIMEOUT',
        `${describeHop(this.ref)}: exec did not finish within ${timeoutMs} ms`)), timeoutMs);
      const onConnClose = (): void => finish(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(this.ref)}: connection closed during exec`));
      unsubscribe = this.onClose(onConnClose);
      const take = (list: Buffer[]) => (chunk: Buffer): void => {
        bytes += chunk.length;
        if (bytes > maxBytes) return finish(new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `${describeHop(this.ref)}: exec output exceeded ${maxBytes} bytes`));
        list.push(chunk);
      };
      this.client.exec(command, (e, ch) => {
        if (e) return finish(translateChannelError(e, this.ref, 'session', 'exec'));
        channel = ch;
        if (settled) return ch.close();
        ch.on('data', take(out));
        ch.stderr.on('data', take(err));
        ch.on('error', () => undefined);
        ch.once('exit', (code: number | null, sig?: string) => {
          exitCode = code;
          if (sig) signal = sig;
        });
        ch.once('close', () => finish());
      });
    });
  }
}

/** Logs in to the target through `chain` (forward from its last hop, or directly). */
export async function connectTarget(chain: JumpChain, target: SshEndpoint, deps: DialDeps,
  limits: ConnectionLimits = DEFAULT_LIMITS): Promise<SshConnection> {
  const ref = hopRef(target, chain.refs.length, 'target');
  const path = [...chain.path, endpointLabel(target)];
  const sock = await chain.forward(target.host, target.port,
    chain.refs.length > 0 ? deps.timeouts.forwardMs : deps.timeouts.connectMs);
  const client = await loginEndpoint(target, ref, sock, deps, path);
  const audit: AuditBinding = { sink: deps.audit, base: { ...deps.auditBase, path, transport: 'ssh' } };
  return new SshConnection(client, chain, ref, audit, limits, deps.timeouts.execMs);
}

/** Dials a whole chain (jumps + target); the connection owns the chain and closes it too. */
export async function dialChain(spec: ChainSpec, deps: DialDeps, limits?: ConnectionLimits): Promise<SshConnection> {
  const chain = await dialJumps(spec.hops, deps, [...spec.hops.map(endpointLabel), endpointLabel(spec.target)]);
  try {
    const conn = await connectTarget(chain, spec.target, deps, limits);
    conn.onClose(() => chain.close());
    return conn;
  } catch (err) {
    chain.close();
    throw err;
  }
}
