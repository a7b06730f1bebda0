import { rmSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson, openAuditLog, recordHash, verifyAuditLog, listRotated } from '../../../src/audit/index.js';
import { readLines, sampleEvent, tempDir, writeLines } from './helpers.js';

let dir: string;
let cleanup: () => void;
let file: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'audit.log');
});
afterEach(() => cleanup());

function makeLog(count: number, options: { hmacKey?: Buffer } = {}): string[] {
  const log = openAuditLog({ file, ...options });
  for (let i = 1; i <= count; i += 1) log.append(sampleEvent(i));
  log.close();
  return readLines(file);
}

/** Re-hashes a record after editing it, as an attacker without the HMAC key can in plain mode. */
function forge(line: string, edit: (rec: Record<string, unknown>) => void): string {
  const rec = JSON.parse(line) as Record<string, unknown>;
  edit(rec);
  rec.hash = recordHash(rec);
  return canonicalJson(rec);
}

async function verdict(files = [file], hmacKey?: Buffer) {
  const report = await verifyAuditLog(files, { hmacKey });
  return report.error;
}

describe('audit verify detects and names tampering', () => {
  it('accepts an untouched log', async () => {
    makeLog(12);
    expect(await verifyAuditLog([file])).toMatchObject({ ok: true, records: 12, first_seq: 1, last_seq: 12, chain_start: 'genesis', warnings: [] });
  });

  it('edited: a field changed', async () => {
    const lines = makeLog(12);
    lines[4] = (lines[4] ?? '').replace('"success"', '"failure"');
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'edited', line: 5, seq: 5 });
  });

  it('edited: a field changed and the hash recomputed (caught by the next record)', async () => {
    const lines = makeLog(12);
    lines[4] = forge(lines[4] ?? '', (r) => { r.command = 'show version'; });
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'edited', line: 5, seq: 5 });
  });

  it('edited: re-serialised with whitespace (not canonical)', async () => {
    const lines = makeLog(6);
    lines[2] = JSON.stringify(JSON.parse(lines[2] ?? ''), null, 1).replace(/\n/g, '');
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'edited', line: 3 });
  });

  it('deleted: a record removed from the middle', async () => {
    const lines = makeLog(12);
    lines.splice(6, 1);
    writeLines(file, lines);
    const error = await verdict();
    expect(error).toMatchObject({ reason: 'deleted', line: 7, seq: 8 });
    expect(error?.message).toMatch(/seq 7\.\.7 are missing/);
  });

  it('deleted: the first records cut off (the chain does not start at genesis or a rotation marker)', async () => {
    const lines = makeLog(12);
    writeLines(file, lines.slice(3));
    expect(await verdict()).toMatchObject({ reason: 'deleted', line: 1, seq: 4 });
  });

  it('inserted: a forged record with a correctly recomputed hash in the middle', async () => {
    const lines = makeLog(12);
    const forged = forge(lines[5] ?? '', (r) => { r.command = 'delete system login user admin'; r.prev = JSON.parse(lines[4] ?? '').hash; });
    lines.splice(5, 0, forged);
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'inserted', line: 6, seq: 6 });
  });

  it('inserted: a duplicated record', async () => {
    const lines = makeLog(12);
    lines.splice(8, 0, lines[3] ?? '');
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'inserted', line: 9, seq: 4 });
  });

  it('reordered: two records swapped', async () => {
    const lines = makeLog(12);
    [lines[6], lines[7]] = [lines[7] ?? '', lines[6] ?? ''];
    writeLines(file, lines);
    const error = await verdict();
    expect(error).toMatchObject({ reason: 'reordered', line: 7, seq: 8 });
    expect(error?.message).toMatch(/comes before seq 7/);
  });

  it('reordered: a record moved further back', async () => {
    const lines = makeLog(12);
    const [moved] = lines.splice(3, 1);
    lines.splice(9, 0, moved ?? '');
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'reordered', line: 4, seq: 5 });
  });

  it('torn: the file truncated mid-line', async () => {
    makeLog(12);
    truncateSync(file, statSync(file).size - 40);
    const report = await verifyAuditLog([file]);
    expect(report.error).toMatchObject({ reason: 'torn', line: 12 });
    expect(report.records).toBe(11);
    expect(report.last_seq).toBe(11);
  });

  it('wrong key: an HMAC log checked with another key, or without one', async () => {
    makeLog(5, { hmacKey: Buffer.alloc(32, 7) });
    const wrong = await verdict([file], Buffer.alloc(32, 8));
    expect(wrong).toMatchObject({ reason: 'wrong key', line: 1, seq: 1 });
    expect(wrong?.message).toMatch(/no record verifies with this key/);
    expect(await verdict([file])).toMatchObject({ reason: 'wrong key', line: 1 });
    expect(await verdict([file], Buffer.alloc(32, 7))).toBeUndefined();
  });

  it('edited (not wrong key): one record of an HMAC log changed even with its hash recomputed without the key', async () => {
    const lines = makeLog(5, { hmacKey: Buffer.alloc(32, 7) });
    lines[2] = forge(lines[2] ?? '', (r) => { r.outcome = 'failure'; });
    writeLines(file, lines);
    expect(await verdict([file], Buffer.alloc(32, 7))).toMatchObject({ reason: 'edited', line: 3, seq: 3 });
  });

  it('deleted: a middle rotated file missing, while removing the oldest files is reported as a mid-way start', async () => {
    const log = openAuditLog({ file, maxFileBytes: 2048 });
    for (let i = 1; i <= 40; i += 1) log.append(sampleEvent(i));
    log.close();
    const rotated = listRotated(file).map((r) => r.path);
    expect(rotated.length).toBeGreaterThanOrEqual(4);
    const all = [file, ...rotated];
    expect((await verifyAuditLog(all)).ok).toBe(true);

    const withoutMiddle = all.filter((f) => f !== rotated[1]);
    const error = await verdict(withoutMiddle);
    expect(error).toMatchObject({ reason: 'deleted', file: rotated[2], line: 1 });
    expect(error?.message).toMatch(/rotated file is missing/);

    rmSync(rotated[0] ?? '');
    const report = await verifyAuditLog(all.filter((f) => f !== rotated[0]));
    expect(report.ok).toBe(true);
    expect(report.chain_start).toBe('mid-way');
    expect(report.anchor).toMatchObject({ file: rotated[1] });
  });

  it('edited: garbage in place of a record that the chain does not bridge', async () => {
    const lines = makeLog(6);
    lines[2] = '{"seq":3,"this is":"not a record"}';
    writeLines(file, lines);
    expect(await verdict()).toMatchObject({ reason: 'edited', line: 3 });
    writeFileSync(file, `${lines.slice(0, 2).join('\n')}\n\n${lines.slice(3).join('\n')}\n`);
    expect(await verdict()).toMatchObject({ reason: 'edited', line: 3 });
  });
});
