import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installFileSet } from '../../../src/cloudstack/index.js';
import { tempDir } from '../firstboot/broker.js';

const tmp = tempDir('vnf-file-set-');
afterAll(() => tmp.cleanup());

describe('installFileSet', () => {
  it('installs every file with its mode, replacing existing ones', () => {
    writeFileSync(join(tmp.dir, 'cert.pem'), 'old cert', { mode: 0o644 });
    const written = installFileSet([
      { path: join(tmp.dir, 'key.pem'), data: 'new key', mode: 0o600 },
      { path: join(tmp.dir, 'cert.pem'), data: 'new cert', mode: 0o644 },
    ]);
    expect(written).toEqual([join(tmp.dir, 'key.pem'), join(tmp.dir, 'cert.pem')]);
    expect(readFileSync(join(tmp.dir, 'cert.pem'), 'utf8')).toBe('new cert');
    expect(statSync(join(tmp.dir, 'key.pem')).mode & 0o777).toBe(0o600);
  });

  it('when one file cannot be installed, none is changed and no temp file is left', () => {
    writeFileSync(join(tmp.dir, 'cert.pem'), 'good cert');
    chmodSync(join(tmp.dir, 'cert.pem'), 0o640);
    mkdirSync(join(tmp.dir, 'busy'));
    writeFileSync(join(tmp.dir, 'busy', 'inside'), 'x');
    const before = readdirSync(tmp.dir).sort();
    const set = (last: string) => [
      { path: join(tmp.dir, 'cert.pem'), data: 'half of a set', mode: 0o644 },
      { path: join(tmp.dir, 'fresh.pem'), data: 'new file', mode: 0o644 },
      { path: last, data: 'x', mode: 0o644 },
    ];
    // fails while writing the temp files (no directory), and while renaming (the target is a non-empty directory)
    expect(() => installFileSet(set(join(tmp.dir, 'missing-dir', 'config.yaml')))).toThrow(/cannot install .*config.yaml \(ENOENT\); no file was changed/);
    expect(() => installFileSet(set(join(tmp.dir, 'busy')))).toThrow(/cannot install .*busy \((EISDIR|ENOTEMPTY|EEXIST)\); no file was changed/);
    expect(readFileSync(join(tmp.dir, 'cert.pem'), 'utf8')).toBe('good cert');
    expect(statSync(join(tmp.dir, 'cert.pem')).mode & 0o777).toBe(0o640);
    expect(existsSync(join(tmp.dir, 'fresh.pem'))).toBe(false);
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
  });
});
