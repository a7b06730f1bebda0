import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  GENESIS_PREV, HMAC_KEY_MIN_BYTES, canonicalJson, hmacKeyId, loadHmacKey, openAuditLog, recordHash, verifyAuditLog,
  type AuditRecord,
} from '../../../src/audit/index.js';
import { VnfError } from '../../../src/errors.js';
import { readLines, sampleEvent, tempDir, writeLines } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof VnfError ? error.code : 'not a VnfError';
  }
  return undefined;
}

describe('AuditLog writer', () => {
  it('writes one canonical JSON line per record, chained from the genesis value', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    const records = [1, 2, 3].map((i) => log.append(sampleEvent(i)));
    log.close();
    const lines = readLines(file);
    expect(lines).toHaveLength(3);
    lines.forEach((line, i) => {
      const rec = JSON.parse(line) as AuditRecord;
      expect(line).toBe(canonicalJson(records[i]));
      expect(rec.seq).toBe(i + 1);
      expect(new Date(rec.time).toISOString()).toBe(rec.time);
      expect(rec.prev).toBe(i === 0 ? GENESIS_PREV : records[i - 1]?.hash);
      expect(recordHash(rec as unknown as Record<string, unknown>)).toBe(rec.hash);
      expect(rec).toMatchObject({ type: 'ssh.command', transport: 'ssh', outcome: 'success', appliance: { address: '203.0.113.10' } });
      expect(rec.output_sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('a restarted writer continues the chain of an existing log', async () => {
    const file = join(dir, 'audit.log');
    const first = openAuditLog({ file });
    first.append(sampleEvent(1));
    const last = first.append(sampleEvent(2));
    first.close();
    const second = openAuditLog({ file, fsync: true });
    const next = second.append(sampleEvent(3));
    second.close();
    expect(next.seq).toBe(3);
    expect(next.prev).toBe(last.hash);
    const report = await verifyAuditLog([file]);
    expect(report).toMatchObject({ ok: true, records: 3, first_seq: 1, last_seq: 3, last_hash: next.hash, chain_start: 'genesis' });
  });

  it('after a torn last line it starts on a new line, keeps the fragment out of the chain, and verify names it', async () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    const [, second] = [log.append(sampleEvent(1)), log.append(sampleEvent(2))];
    log.close();
    const whole = canonicalJson({ ...sampleEvent(3), seq: 3 });
    appendFileSync(file, whole.slice(0, 57)); // a crash mid-write
    expect((await verifyAuditLog([file])).error).toMatchObject({ reason: 'torn', line: 3 });
    const resumed = openAuditLog({ file });
    const third = resumed.append(sampleEvent(3));
    resumed.close();
    expect(third).toMatchObject({ seq: 3, prev: second.hash });
    expect(readLines(file)).toHaveLength(4);
    const report = await verifyAuditLog([file]);
    expect(report.ok).toBe(true);
    expect(report.records).toBe(3);
    expect(report.warnings).toEqual([expect.objectContaining({ reason: 'torn', line: 3 })]);
  });

  it('two writers on one file keep a single valid chain (each resyncs when the file grew)', async () => {
    const file = join(dir, 'audit.log');
    const a = openAuditLog({ file });
    const b = openAuditLog({ file });
    for (let i = 0; i < 10; i += 1) (i % 3 === 0 ? b : a).append(sampleEvent(i));
    a.close();
    b.close();
    expect(await verifyAuditLog([file])).toMatchObject({ ok: true, records: 10 });
  });

  it('refuses to extend a log whose last record does not match its hash', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    log.append(sampleEvent(1));
    log.close();
    writeFileSync(file, readFileSync(file, 'utf8').replace('"success"', '"failure"'));
    expect(codeOf(() => openAuditLog({ file }))).toBe('VNF_ERR_AUDIT_VERIFY');
  });
});

describe('HMAC mode', () => {
  const keyFile = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('keys every record (key_id + HMAC) and verifies only with the same key', async () => {
    const file = join(dir, 'audit.log');
    const hmacKeyFile = keyFile('k1', `${'a1'.repeat(32)}\n`);
    const log = openAuditLog({ file, hmacKeyFile });
    const rec = log.append(sampleEvent(1));
    log.close();
    expect(rec.key_id).toBe(hmacKeyId(loadHmacKey(hmacKeyFile)));
    expect(recordHash(rec as unknown as Record<string, unknown>)).not.toBe(rec.hash);
    expect(recordHash(rec as unknown as Record<string, unknown>, loadHmacKey(hmacKeyFile))).toBe(rec.hash);
    expect((await verifyAuditLog([file], { hmacKey: loadHmacKey(hmacKeyFile) })).ok).toBe(true);
  });

  it('refuses a short, missing or mismatched key with VNF_ERR_AUDIT_KEY and a clear message', () => {
    const file = join(dir, 'audit.log');
    expect(codeOf(() => openAuditLog({ file, hmacKeyFile: keyFile('short', 'x'.repeat(HMAC_KEY_MIN_BYTES - 1)) }))).toBe('VNF_ERR_AUDIT_KEY');
    expect(() => loadHmacKey(join(dir, 'absent'))).toThrow(/cannot be read \(ENOENT\)/);
    expect(() => loadHmacKey(keyFile('short2', 'abc'))).toThrow(/holds 3 bytes; at least 32/);
    const log = openAuditLog({ file, hmacKeyFile: keyFile('k1', 'k'.repeat(40)) });
    log.append(sampleEvent(1));
    log.close();
    expect(codeOf(() => openAuditLog({ file, hmacKeyFile: keyFile('k2', 'j'.repeat(40)) }))).toBe('VNF_ERR_AUDIT_KEY');
    expect(codeOf(() => openAuditLog({ file }))).toBe('VNF_ERR_AUDIT_KEY');
    expect(() => openAuditLog({ file })).toThrow(/HMAC-keyed/);
  });
});

describe('record contents', () => {
  it('bounds the output excerpt and redacts sensitive headers', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file, excerptBytes: 64 });
    const rec = log.append({ type: 'http.request', transport: 'https', outcome: 'success',
      http: { method: 'GET', url: 'https://203.0.113.10/api/core/firmware/status', status: 200, headers: { Authorization: 'Basic YWRtaW46eA==' } },
      output: 'y'.repeat(5000) });
    log.close();
    expect(Buffer.byteLength(rec.output_excerpt ?? '')).toBe(64);
    expect(rec.http?.headers).toEqual({ Authorization: '***' });
    expect(readFileSync(file, 'utf8')).not.toContain('YWRtaW46eA');
  });

  it('rejects nonsensical options', () => {
    expect(codeOf(() => openAuditLog({ file: join(dir, 'a.log'), maxFileBytes: 10 }))).toBe('VNF_ERR_AUDIT_WRITE');
    writeLines(join(dir, 'b.log'), []);
    expect(codeOf(() => openAuditLog({ file: join(dir, 'b.log'), excerptBytes: -1 }))).toBe('VNF_ERR_AUDIT_WRITE');
  });
});
