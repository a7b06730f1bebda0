import { existsSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listRotated, openAuditLog, rotatedName, verifyAuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { readLines, sampleEvent, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
let file: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'audit.log');
});
afterEach(() => cleanup());

const parse = (line: string | undefined): AuditRecord => JSON.parse(line ?? '') as AuditRecord;

describe('rotation', () => {
  it('rotates by size, names files by time and number, and keeps the chain across files', async () => {
    const log = openAuditLog({ file, maxFileBytes: 4096, now: () => new Date('2026-11-23T13:50:00.250Z') });
    for (let i = 1; i <= 60; i += 1) log.append(sampleEvent(i));
    log.close();
    const rotated = listRotated(file);
    expect(rotated.length).toBeGreaterThan(3);
    expect(basename(rotated[0]?.path ?? '')).toBe('audit.log.2026-11-23T13-50-00Z.1');
    expect(rotated.map((r) => r.n)).toEqual(rotated.map((_r, i) => i + 1));
    const files = [...rotated.map((r) => r.path), file];
    for (let i = 1; i < files.length; i += 1) {
      const prevLast = parse(readLines(files[i - 1] ?? '').at(-1));
      const first = parse(readLines(files[i] ?? '')[0]);
      expect(first).toMatchObject({ type: 'audit.rotated', seq: prevLast.seq + 1, prev: prevLast.hash, detail: { reason: 'size', previous_file: basename(files[i - 1] ?? '') } });
      expect(readLines(files[i - 1] ?? '').join('\n').length).toBeLessThanOrEqual(4096);
    }
    // given in any order, verify sorts by chain
    const report = await verifyAuditLog([...files].reverse());
    expect(report).toMatchObject({ ok: true, files, first_seq: 1, chain_start: 'genesis' });
    expect(report.records).toBe(60 + rotated.length);
  });

  it('rotates on demand and a restarted writer continues from the newest file', async () => {
    const log = openAuditLog({ file });
    log.append(sampleEvent(1));
    const rotatedPath = log.rotate();
    expect(rotatedPath).toMatch(/audit\.log\.\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.1$/);
    expect(readLines(file).map((l) => parse(l).type)).toEqual(['audit.rotated']);
    log.close();
    const again = openAuditLog({ file });
    expect(again.append(sampleEvent(2)).seq).toBe(3);
    again.close();
    expect(await verifyAuditLog([file, rotatedPath ?? ''])).toMatchObject({ ok: true, records: 3 });
    // nothing to rotate in an empty file
    const { dir: d2, cleanup: c2 } = tempDir();
    const empty = openAuditLog({ file: join(d2, 'audit.log') });
    expect(empty.rotate()).toBeUndefined();
    empty.close();
    c2();
  });

  it('a crash between rename and the new file: the next writer finds the chain in the newest rotated file', async () => {
    const log = openAuditLog({ file });
    const last = log.append(sampleEvent(1));
    log.close();
    const moved = rotatedName(file, new Date(), 1);
    renameSync(file, moved);
    const resumed = openAuditLog({ file });
    const rec = resumed.append(sampleEvent(2));
    resumed.close();
    expect(parse(readLines(file)[0])).toMatchObject({ type: 'audit.rotated', seq: 2, prev: last.hash, detail: { reason: 'resume' } });
    expect(rec.seq).toBe(3);
    expect(await verifyAuditLog([moved, file])).toMatchObject({ ok: true, records: 3 });
  });
});

describe('retention', () => {
  it('keep_files deletes the oldest rotated files; the rest verify as a chain anchored mid-way', async () => {
    const log = openAuditLog({ file, maxFileBytes: 2048, keepFiles: 2 });
    for (let i = 1; i <= 50; i += 1) log.append(sampleEvent(i));
    log.close();
    const rotated = listRotated(file);
    expect(rotated).toHaveLength(2);
    expect(rotated[0]?.n).toBeGreaterThan(1);
    const report = await verifyAuditLog([file, ...rotated.map((r) => r.path)]);
    expect(report).toMatchObject({ ok: true, chain_start: 'mid-way', anchor: { file: rotated[0]?.path } });
    expect(report.first_seq).toBeGreaterThan(1);
  });

  it('max_age_days deletes rotated files older than the limit', () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const log = openAuditLog({ file, maxAgeDays: 7, now: () => now });
    log.append(sampleEvent(1));
    const old = log.rotate() ?? '';
    now = new Date('2026-01-05T00:00:00Z');
    log.append(sampleEvent(2));
    const recent = log.rotate() ?? '';
    expect(existsSync(old)).toBe(true);
    now = new Date('2026-01-09T00:00:00Z');
    log.append(sampleEvent(3));
    log.rotate();
    log.close();
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
  });
});
