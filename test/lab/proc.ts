// Process plumbing for the lab: bounded command runs, tracked daemons, bounded polling.
// Every wait has a deadline and every daemon is stopped by its own PID.
import { spawn } from 'node:child_process';
import { openSync, closeSync, readFileSync, readdirSync } from 'node:fs';

export interface RunResult { code: number; stdout: string; stderr: string }

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Resolve with the exit status instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs argv to completion (killed after timeoutMs) and collects its output. */
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return Promise.reject(new Error('run: empty argv'));
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const status = code ?? (signal ? 128 : 1);
      if (status !== 0 && !opts.allowFail) {
        reject(new Error(`${argv.join(' ')} exited ${signal ?? status}: ${stderr.trim() || stdout.trim()}`));
      } else {
        resolve({ code: status, stdout, stderr });
      }
    });
    child.stdin.on('error', () => { /* the command may exit before reading its input */ });
    child.stdin.end(opts.input ?? '');
  });
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts a long-running foreground process with stdout+stderr appended to logPath. */
export function startDaemon(name: string, argv: readonly string[], logPath: string): Daemon {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('startDaemon: empty argv');
  const fd = openSync(logPath, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawn failed`);
  let running = true;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => { running = false; resolve(); });
    child.once('error', () => { running = false; resolve(); });
  });
  const stop = async (graceMs = 2_000): Promise<void> => {
    if (!running) return;
    try { process.kill(pid, 'SIGTERM'); } catch { return; }
    const timer = setTimeout(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }, graceMs);
    await exited;
    clearTimeout(timer);
  };
  return { name, pid, logPath, exited, isRunning: () => running, stop };
}

/** Polls check() until it returns a value other than undefined/false; bounded by timeoutMs. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000, intervalMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < 10_000; attempt++) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) { lastError = err; }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`lab: timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
}

export function readText(path: string): string {
  try { return readFileSync(path, 'utf8'); } catch { return ''; }
}

/** PIDs of every descendant of pid (children first found by scanning /proc). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readText(`/proc/${entry}/stat`);
    // the comm field may contain spaces: ppid is the second field after the closing paren
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (Number.isFinite(ppid)) parentOf.set(Number(entry), ppid);
  }
  const out: number[] = [];
  const queue = [pid];
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    for (const [child, parent] of parentOf) {
      if (parent === queue[i]) { out.push(child); queue.push(child); }
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Sends SIGKILL to each PID that still exists. */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
}
