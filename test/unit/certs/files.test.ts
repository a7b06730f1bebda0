import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertAbsent, ensurePrivateDir, writeFileAtomic } from '../../../src/certs/index.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => { tmp = tempDir(); });
afterEach(() => tmp.cleanup());

describe('certificate file writing', () => {
  it('writes atomically with the requested mode despite the umask, leaving no temp files', () => {
    const old = process.umask(0o000);
    try {
      writeFileAtomic(join(tmp.dir, 'k.pem'), 'key', 0o600);
    } finally {
      process.umask(old);
    }
    expect(statSync(join(tmp.dir, 'k.pem')).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir)).toEqual(['k.pem']);
  });

  it('never replaces an existing file unless asked to', () => {
    const path = join(tmp.dir, 'k.pem');
    writeFileSync(path, 'original');
    expect(() => writeFileAtomic(path, 'new', 0o600)).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_FILE_EXISTS' }) as Error);
    expect(readFileSync(path, 'utf8')).toBe('original');
    expect(() => assertAbsent([path, join(tmp.dir, 'other')])).toThrow(path);
    writeFileAtomic(path, 'new', 0o600, true);
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(tmp.dir)).toEqual(['k.pem']);
  });

  it('creates missing directories 0700 and reports write failures as VNF_ERR_CERT_WRITE', () => {
    const dir = join(tmp.dir, 'a', 'b');
    expect(ensurePrivateDir(dir)).toBe(true);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(ensurePrivateDir(dir)).toBe(false);
    expect(() => writeFileAtomic(join(tmp.dir, 'missing', 'k.pem'), 'x', 0o600)).toThrow(expect.objectContaining({ code: 'VNF_ERR_CERT_WRITE' }) as Error);
  });
});
