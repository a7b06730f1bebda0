// Installing a set of files (certificate, chain, key, config) as one unit: every file is first written
// and fsynced beside its target, then all are renamed into place; a failure restores what was there.
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, fchmodSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VnfError } from '../errors.js';

export interface PlannedFile {
  path: string;
  data: string;
  mode: number;
}

function errno(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

interface Previous { data: Buffer; mode: number }

function writeTemp(file: { path: string; data: string | Buffer; mode: number }): string {
  const tmp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', file.mode);
  try {
    fchmodSync(fd, file.mode);
    if (typeof file.data === 'string') writeSync(fd, file.data);
    else writeSync(fd, file.data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return tmp;
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // best effort: not every file system supports fsync on a directory
  }
}

/**
 * Writes all files or none. Targets are replaced (rename) in the given order, so put the file that
 * "commits" the set (a config file) last. Directories must exist. Returns the paths written.
 */
export function installFileSet(files: readonly PlannedFile[]): string[] {
  const temps: string[] = [];
  const previous = new Map<string, Previous | undefined>();
  const placed: PlannedFile[] = [];
  let current = '';
  try {
    for (const f of files) {
      current = f.path;
      temps.push(writeTemp(f));
      previous.set(f.path, existsSync(f.path) ? { data: readFileSync(f.path), mode: statSync(f.path).mode & 0o777 } : undefined);
    }
    files.forEach((f, i) => {
      current = f.path;
      renameSync(temps[i] as string, f.path);
      placed.push(f);
    });
  } catch (error) {
    rollback(placed, previous);
    for (const t of temps) if (existsSync(t)) unlinkSync(t);
    throw new VnfError('VNF_ERR_CERT_WRITE', `cannot install ${current} (${errno(error)}); no file was changed`, { cause: error });
  }
  for (const dir of new Set(files.map((f) => dirname(f.path)))) syncDir(dir);
  return files.map((f) => f.path);
}

function rollback(placed: readonly PlannedFile[], previous: Map<string, Previous | undefined>): void {
  for (const f of [...placed].reverse()) {
    const old = previous.get(f.path);
    try {
      if (old === undefined) unlinkSync(f.path);
      else renameSync(writeTemp({ path: f.path, data: old.data, mode: old.mode }), f.path);
    } catch {
      // keep restoring the others; the error that started the rollback is what gets reported
    }
  }
}
