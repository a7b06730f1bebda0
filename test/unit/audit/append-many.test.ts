// appendMany (several chained records in one write) and the one-pass record body: the same bytes on
// disk as the general path (redact, JSON round trip, member-by-member canonical JSON).
import fc from 'fast-check';
import { closeSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Redactor, buildRecordBody, canonicalJson, listRotated, openAuditLog, recordHash, verifyAuditLog, type AuditEvent, type AuditRecord,
} from '../../../src/audit/index.js';
import { VnfError } from '../../../src/errors.js';
import { readLines, sampleEvent, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** What buildRecordBody did before the one-pass copy: redactor.value + a JSON round trip. */
function referenceBody(event: AuditEvent, redactor: Redactor): unknown {
  const extra = { secrets: event.secrets, fields: event.secret_fields };
  const { output, secrets: _s, secret_fields: _f, http, detail, command, ...rest } = event;
  const body = redactor.value(rest, extra) as Record<string, unknown>;
  if (command !== undefined) body.command = redactor.text(command, extra);
  if (http) {
    const h: Record<string, unknown> = { method: redactor.text(http.method, extra), url: redactor.text(http.url, extra) };
    if (http.status !== undefined) h.status = http.status;
    if (http.headers) h.headers = redactor.headers(http.headers, extra);
    if (http.body_sha256 !== undefined) h.body_sha256 = http.body_sha256;
    body.http = h;
  }
  if (detail !== undefined) body.detail = redactor.value(detail, extra);
  if (output !== undefined) {
    body.output_sha256 = 'x';
    body.output_excerpt = redactor.excerpt(output, 512, extra);
  }
  if (typeof body.duration_ms === 'number') body.duration_ms = Math.round(body.duration_ms * 1000) / 1000;
  return JSON.parse(JSON.stringify(body)) as unknown;
}

describe('appendMany', () => {
  it('chains the records in order, returns them as written, and verifies', async () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    const first = log.append(sampleEvent(0));
    const many = log.appendMany([1, 2, 3, 4].map((i) => sampleEvent(i)));
    const after = log.append(sampleEvent(5));
    log.close();
    expect(many.map((r) => r.seq)).toEqual([2, 3, 4, 5]);
    expect(many[0]?.prev).toBe(first.hash);
    many.slice(1).forEach((r, i) => expect(r.prev).toBe(many[i]?.hash));
    expect(after.prev).toBe(many[3]?.hash);
    const lines = readLines(file);
    expect(lines.slice(1, 5)).toEqual(many.map((r) => canonicalJson(r)));
    for (const r of many) expect(recordHash(r as unknown as Record<string, unknown>)).toBe(r.hash);
    expect(await verifyAuditLog([file])).toMatchObject({ ok: true, records: 6 });
  });

  it('nothing counts when the write fails: the next append continues from what is on disk', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    log.append(sampleEvent(0));
    closeSync(log.fileDescriptor);
    expect(() => log.appendMany([sampleEvent(1), sampleEvent(2)])).toThrow(VnfError);
    log.reopen();
    const next = log.append(sampleEvent(3));
    log.close();
    // the failed batch took no sequence numbers
    expect(next.seq).toBe(2);
  });

  it('an empty list writes nothing; a closed log refuses', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    expect(log.appendMany([])).toEqual([]);
    expect(existsSync(file) ? readFileSync(file, 'utf8') : '').toBe('');
    log.close();
    expect(() => log.appendMany([sampleEvent(1)])).toThrow(/closed/);
  });

  it('a size rotation due in the middle of a batch keeps the chain across the files', async () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file, maxFileBytes: 2048 });
    const records: AuditRecord[] = [];
    for (let i = 0; i < 5; i++) records.push(...log.appendMany(Array.from({ length: 4 }, (_v, k) => sampleEvent(i * 4 + k))));
    log.close();
    // sequence numbers only grow; the gaps are the rotation markers written between records of a batch
    for (let i = 1; i < records.length; i++) expect(records[i]!.seq).toBeGreaterThan(records[i - 1]!.seq);
    const rotated = listRotated(file).map((f) => f.path);
    expect(rotated.length).toBeGreaterThan(0);
    expect(await verifyAuditLog([...rotated, file])).toMatchObject({ ok: true });
  });
});

describe('one-pass record body', () => {
  const SECRET = 'Hunter-2-Secret';
  const plain = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
      fc.constant(SECRET), fc.constant(`pw=${SECRET} x`), fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('password', 'token', 'name', '10', '9', 'a', 'B')), tie('value'), { maxKeys: 4 })),
  })).value;

  it('equals the redact + JSON round trip result, and the written line is canonical JSON', () => {
    const redactor = new Redactor();
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file, redactor });
    fc.assert(fc.property(plain, fc.option(fc.string(), { nil: undefined }), fc.double({ min: -1, max: 1e6, noNaN: true }), (detail, output, ms) => {
      const event: AuditEvent = {
        type: 'ssh.command', request_id: 'r-1', appliance: { id: 'a', name: 'n', address: '203.0.113.1' }, path: ['j@198.51.100.1:22'],
        command: `set password ${SECRET}`, outcome: 'success', duration_ms: ms, secrets: [SECRET],
        detail: detail !== null && typeof detail === 'object' && !Array.isArray(detail) ? detail as Record<string, unknown> : { v: detail },
        ...(output !== undefined ? { output } : {}),
      };
      const body = buildRecordBody(event, redactor) as unknown as Record<string, unknown>;
      const ref = referenceBody(event, redactor) as Record<string, unknown>;
      if (output !== undefined) ref.output_sha256 = body.output_sha256;
      expect(body).toEqual(ref);
      expect(JSON.stringify(body)).not.toContain(SECRET);
      const rec = log.append(event);
      const line = readLines(file).at(-1) as string;
      expect(line).toBe(canonicalJson(JSON.parse(line)));
      expect(recordHash(JSON.parse(line) as Record<string, unknown>)).toBe(rec.hash);
    }), { numRuns: 300 });
    log.close();
  });

  it('non-plain members (class instances, integer-like keys) take the general path with the same result', () => {
    const redactor = new Redactor();
    const event: AuditEvent = { type: 'api.request', outcome: 'success', detail: { when: new Date(0), 10: 'a', 9: 'b', nested: { 2: 1, 1: 2 } } };
    expect(buildRecordBody(event, redactor)).toEqual(referenceBody(event, redactor));
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    log.append(event);
    log.close();
    const line = readLines(file)[0] as string;
    expect(line).toBe(canonicalJson(JSON.parse(line)));
    expect(line).toContain('"detail":{"10":"a","9":"b","nested":{"1":2,"2":1},"when":{}}');
  });
});
