import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import validate from '../../../src/cli/commands/validate.js';
import { FIXTURES, SAMPLES } from './helpers.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let out = '';
let err = '';

beforeEach(() => {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
});
afterEach(() => { vi.restoreAllMocks(); });

describe('vnf-broker validate (handler)', () => {
  it('exit 0 and a JSON summary for valid dictionaries', async () => {
    const files = ['cisco-ios-xe.yaml', 'routeros.yaml', 'opnsense.yaml'].map((f) => `${SAMPLES}${f}`);
    expect(await validate(['--strict', ...files])).toBe(0);
    expect(JSON.parse(out)).toEqual({ ok: true, files: files.map((file, i) => ({ file, name: ['cisco-ios-xe', 'routeros', 'opnsense'][i], errors: 0, warnings: 0 })) });
    expect(err).toBe('');
  });

  it('warnings go to stderr as FILE:LINE:COL: warning: message; --strict makes them errors (exit 1)', async () => {
    const file = `${FIXTURES}seed/opnsense-create.yaml`;
    expect(await validate([file])).toBe(0);
    expect(err).toContain(`${file}:51:13: warning: duplicate key 'secret_key' (same value as line 50): remove one\n`);
    expect(JSON.parse(out).files[0]).toMatchObject({ file, name: 'opnsense-seed', errors: 0, warnings: 13 });
    out = '';
    err = '';
    expect(await validate(['--strict', file])).toBe(1);
    expect(err).toContain(`${file}:51:13: duplicate key 'secret_key'`);
    expect(JSON.parse(out)).toMatchObject({ ok: false, files: [{ file, errors: 13, warnings: 0 }] });
  });

  it('exit 1 with FILE:LINE:COL: message for an invalid dictionary', async () => {
    const file = `${FIXTURES}broken/unknown-connection.yaml`;
    expect(await validate([file])).toBe(1);
    expect(err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:9:19: unknown connection 'nope' \\(declared: cli, api\\)$`, 'm'));
    expect(JSON.parse(out)).toEqual({ ok: false, files: [{ file, errors: 1, warnings: 0 }] });
  });

  it('--print adds the normalised dictionary', async () => {
    expect(await validate(['--print', `${FIXTURES}seed/cisco-ios-xe-v3.yaml`])).toBe(0);
    const printed = JSON.parse(out).files[0].dictionary;
    expect(printed.connections.restconf).toMatchObject({ type: 'https', port: 443 });
    expect(printed.services.Interfaces.configure.connection).toBe('primary');
  });

  it('exit 2 for unreadable files and usage errors', async () => {
    expect(await validate(['/nonexistent/x.yaml'])).toBe(2);
    expect(err).toContain('/nonexistent/x.yaml: cannot read (ENOENT)');
    expect(JSON.parse(out).ok).toBe(false);
    expect(await validate([])).toBe(2);
    expect(await validate(['--bogus', 'x.yaml'])).toBe(2);
    expect(err).toContain('usage: vnf-broker validate');
  });
});

describe('vnf-broker validate (process)', () => {
  it('runs through the CLI entry point with exit codes 0/1/2 and no stack traces', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-validate-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: x\nservices: [\n');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'validate', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const ok = run(`${SAMPLES}opnsense.yaml`);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).ok).toBe(true);
    const invalid = run(bad);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toMatch(/bad\.yaml:\d+:\d+: YAML syntax: /);
    expect(invalid.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    const missing = run(join(dir, 'missing.yaml'));
    expect(missing.status).toBe(2);
  });
});
