// Durable small files for the server's state (provider dictionaries, job journal): write a temp
// file, fsync it, rename it into place, fsync the directory.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VnfError } from '../errors.js';

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // best effort: not every file system supports fsync on directories
  }
}

export function ensureDir(dir: string, mode = 0o750): void {
  try {
    mkdirSync(dir, { recursive: true, mode });
  } catch (error) {
    throw new VnfError('VNF_ERR_BROKER_INTERNAL', `cannot create directory ${dir}`, { cause: error });
  }
}

/** Replaces `path` atomically with `data` (readers see the old or the new file, never a mix). */
export function writeDurable(path: string, data: string, mode = 0o640): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDir(dirname(path));
  } catch (error) {
    try { if (existsSync(tmp)) unlinkSync(tmp); } catch { /* already gone */ }
    throw new VnfError('VNF_ERR_BROKER_INTERNAL', `cannot write ${path}`, { cause: error });
  }
}

/** Removes `path` durably; a missing file is fine. */
export function removeDurable(path: string): void {
  try {
    unlinkSync(path);
    syncDir(dirname(path));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new VnfError('VNF_ERR_BROKER_INTERNAL', `cannot remove ${path}`, { cause: error });
  }
}
