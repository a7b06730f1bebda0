import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, parseAuditTime, queryAuditLog, type AuditRecord } from '../../../src/audit/index.js';
import { readLines, sampleEvent, tempDir, writeLines } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'audit', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let cleanup: () => void;
let file: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  file = join(dir, 'audit.log');
  let t = Date.parse('2026-11-23T10:00:00Z');
  const log = openAuditLog({ file, now: () => new Date((t += 60_000)) });
  for (let i = 1; i <= 9; i += 1) log.append(sampleEvent(i, i === 5 ? { principal: { subject: 'CN=auditor' }, type: 'audit.read', transport: 'api' } : {}));
  log.close();
});
afterEach(() => cleanup());

async function collect(filter: Parameters<typeof queryAuditLog>[1]): Promise<number[]> {
  const seqs: number[] = [];
  for await (const r of queryAuditLog([file], filter)) seqs.push(r.seq);
  return seqs;
}

describe('audit query', () => {
  it('filters by appliance (id, name or address), principal, type and time window', async () => {
    expect(await collect({ appliance: 'app-1' })).toEqual([1, 4, 7]);
    expect(await collect({ appliance: 'vyos-2' })).toEqual([2, 5, 8]);
    expect(await collect({ principal: 'CN=auditor' })).toEqual([5]);
    expect(await collect({ types: ['audit.read'] })).toEqual([5]);
    expect(await collect({ since: parseAuditTime('2026-11-23T10:03:00Z'), until: parseAuditTime('2026-11-23T11:05+01:00') })).toEqual([3, 4, 5]);
  });

  it('accepts ISO 8601 only', () => {
    expect(parseAuditTime('2026-11-23')?.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(parseAuditTime('yesterday')).toBeUndefined();
    expect(parseAuditTime('2026-13-45T99:00Z')).toBeUndefined();
  });
});

describe('vnf-broker audit (CLI)', () => {
  it('verify: exit 0 with a JSON summary, 1 naming the bad record, 2 for unreadable input', () => {
    const ok = cli('verify', file);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, records: 9, files: [file], first_seq: 1, last_seq: 9 });

    const lines = readLines(file);
    lines.splice(3, 1);
    writeLines(file, lines);
    const bad = cli('verify', file);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { reason: 'deleted', line: 4, seq: 5 } });
    expect(bad.stderr).toMatch(/FAILED \(deleted\)/);

    expect(cli('verify', join(dir, 'nope.log')).status).toBe(2);
    expect(cli('verify', dir).status).toBe(2);
    writeFileSync(join(dir, 'short.key'), 'abc');
    const key = cli('verify', '--hmac-key-file', join(dir, 'short.key'), file);
    expect(key.status).toBe(2);
    expect(key.stderr).toMatch(/VNF_ERR_AUDIT_KEY/);
    expect(cli('verify').status).toBe(2);
  }, 60_000);

  it('show: a table by default, JSON Lines with --json, usage errors exit 2', () => {
    const table = cli('show', file, '--appliance', 'vyos-1');
    expect(table.status).toBe(0);
    const rows = table.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^TIME\s+SEQ\s+TYPE\s+PRINCIPAL\s+APPLIANCE\s+TRANSPORT\s+OUTCOME\s+DURATION\s+COMMAND \/ REQUEST$/);
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatch(/CN=cloudstack-mgmt.*vyos-1.*ssh.*success.*1\.5 ms.*set protocols static route/);
    expect(table.stderr).toMatch(/3 records/);

    const json = cli('show', file, '--type', 'audit.read,ssh.command', '--since', '2026-11-23T10:08:00Z', '--json');
    expect(json.status).toBe(0);
    const recs = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as AuditRecord);
    expect(recs.map((r) => r.seq)).toEqual([8, 9]);
    expect(json.stdout.trim().split('\n')[0]).toBe(readLines(file)[7]);

    expect(cli('show', file, '--since', 'last tuesday').status).toBe(2);
    expect(cli('frobnicate').status).toBe(2);
  }, 60_000);
});
