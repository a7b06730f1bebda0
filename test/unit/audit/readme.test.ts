import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_EVENT_TYPES, listRotated, openAuditLog } from '../../../src/audit/index.js';
import { readLines, sampleEvent, tempDir, writeLines } from './helpers.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const auditSection = /\n## Audit log\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
const python = spawnSync('python3', ['--version']).status === 0;

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('README audit section', () => {
  it('lists exactly the AUDIT_EVENT_TYPES, one row each, in order', () => {
    const rows = [...auditSection.matchAll(/^\| `([a-z]+\.[a-z_]+)` \| [^|]+ \|$/gm)].map((m) => m[1]);
    expect(rows).toEqual([...AUDIT_EVENT_TYPES]);
  });

  it.skipIf(!python)('its Python re-implementation verifies a rotated log and rejects an edited one', () => {
    const script = /```python\n([\s\S]*?)```/.exec(auditSection)?.[1];
    expect(script).toBeDefined();
    const scriptFile = join(dir, 'verify-audit.py');
    writeFileSync(scriptFile, script ?? '');
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file, maxFileBytes: 4096 });
    for (let i = 1; i <= 30; i += 1) log.append(sampleEvent(i, { command: `set description "tür ${i}" \u0001\t`, duration_ms: i / 7 }));
    log.close();
    const files = [...listRotated(file).map((r) => r.path), file];
    const ok = spawnSync('python3', [scriptFile, ...files], { encoding: 'utf8' });
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok: last seq \d+/);

    const lines = readLines(file);
    lines[1] = (lines[1] ?? '').replace('"success"', '"failure"');
    writeLines(file, lines);
    const bad = spawnSync('python3', [scriptFile, ...files], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/record edited/);
  });
});
