import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, verifyAuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { readLines, tempDir } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./append-loop.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

let dir: string;
let cleanup: () => void;
let file: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'audit.log');
});
afterEach(() => cleanup());

interface Run { code: number | null; signal: NodeJS.Signals | null; progress: number }

/** Runs the append loop; with killAt, SIGKILLs it (by PID) once it reports that many records. */
function runWriter(count: number, spinUs: number, killAt?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, file, String(count), String(spinUs)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let progress = 0;
    let stderr = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      for (const n of chunk.split('\n').map(Number).filter((v) => v > 0)) progress = Math.max(progress, n);
      if (killAt !== undefined && progress >= killAt && child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      if (code !== 0 && signal === null) reject(new Error(`writer failed (${code}): ${stderr}`));
      else resolve({ code, signal, progress });
    });
  });
}

describe('crash safety and continuation across processes', () => {
  it('kill -9 in the middle of 10,000 appends loses nothing that was appended, and a new writer continues', async () => {
    const run = await runWriter(10_000, 100, 3000);
    expect(run.signal).toBe('SIGKILL');
    expect(run.progress).toBeGreaterThanOrEqual(3000);

    const lines = readLines(file);
    const complete = lines.filter((l) => l.endsWith('}'));
    const seqs = complete.map((l) => (JSON.parse(l) as AuditRecord).seq);
    // every seq from 1 up to the last complete record is present, in order, and killed before the end
    expect(seqs).toEqual(seqs.map((_s, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(run.progress);
    expect(seqs.length).toBeLessThan(10_000);

    const report = await verifyAuditLog([file]);
    if (!report.ok) expect(report.error).toMatchObject({ reason: 'torn', line: lines.length });
    expect(report.records).toBe(seqs.length);

    const next = openAuditLog({ file });
    const rec = next.append({ type: 'operation.end', outcome: 'success' });
    next.close();
    expect(rec.seq).toBe(seqs.length + 1);
    const after = await verifyAuditLog([file]);
    expect(after).toMatchObject({ ok: true, records: seqs.length + 1, last_seq: seqs.length + 1 });
    expect(after.warnings.length).toBeLessThanOrEqual(1);
  }, 90_000);

  it('a second process run continues the chain of the first', async () => {
    expect((await runWriter(300, 0)).code).toBe(0);
    expect((await runWriter(300, 0)).code).toBe(0);
    const report = await verifyAuditLog([file]);
    expect(report).toMatchObject({ ok: true, records: 600, first_seq: 1, last_seq: 600 });
  }, 60_000);
});
