// Writing certificate and key files safely: atomic (temp file + link/rename), private keys 0600,
// never replacing an existing file unless asked, and reading inputs with clear errors.
import { randomBytes } from 'node:crypto';
import {
  chmodSync, closeSync, existsSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync,
  statSync, unlinkSync, writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VnfError } from '../errors.js';

export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
export const PRIVATE_DIR_MODE = 0o700;

function errno(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

/** Creates `dir` (and parents) if missing; a directory created here gets mode 0700. Returns whether it was created. */
export function ensurePrivateDir(dir: string): boolean {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new VnfError('VNF_ERR_CERT_WRITE', `${dir} exists and is not a directory`);
    return false;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    chmodSync(dir, PRIVATE_DIR_MODE); // mkdir's mode is filtered by the umask; make the intent exact
  } catch (error) {
    throw new VnfError('VNF_ERR_CERT_WRITE', `cannot create directory ${dir} (${errno(error)})`, { cause: error });
  }
  return true;
}

/** Fails with VNF_ERR_CERT_FILE_EXISTS naming every path that already exists. */
export function assertAbsent(paths: readonly string[]): void {
  const present = paths.filter((p) => existsSync(p));
  if (present.length > 0) {
    throw new VnfError('VNF_ERR_CERT_FILE_EXISTS', `refusing to overwrite ${present.join(', ')} (use --force to replace)`);
  }
}

/**
 * Writes `data` to `path` atomically with `mode`: a temp file in the same directory is written,
 * fsynced and then hard-linked into place (fails if `path` exists) or renamed over it (`overwrite`).
 */
export function writeFileAtomic(path: string, data: string, mode: number, overwrite = false): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', mode);
    try {
      fchmodSync(fd, mode);
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (overwrite) {
      renameSync(tmp, path);
    } else {
      placeWithoutOverwrite(tmp, path);
    }
    syncDir(dirname(path));
  } catch (error) {
    if (existsSync(tmp)) unlinkSync(tmp);
    if (error instanceof VnfError) throw error;
    throw new VnfError('VNF_ERR_CERT_WRITE', `cannot write ${path} (${errno(error)})`, { cause: error });
  }
}

function placeWithoutOverwrite(tmp: string, path: string): void {
  try {
    linkSync(tmp, path);
    unlinkSync(tmp);
  } catch (error) {
    const code = errno(error);
    if (code === 'EEXIST') throw new VnfError('VNF_ERR_CERT_FILE_EXISTS', `refusing to overwrite ${path}`);
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    // file systems without hard links: check, then rename (not race-free, but never silent)
    if (existsSync(path)) throw new VnfError('VNF_ERR_CERT_FILE_EXISTS', `refusing to overwrite ${path}`);
    renameSync(tmp, path);
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // directory fsync is best-effort (not supported everywhere)
  }
}

/** Reads a text input (CA, CSR, CRL); a missing or unreadable file is VNF_ERR_INPUT_UNREADABLE. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `cannot read ${what} ${path} (${errno(error)})`, { cause: error });
  }
}

/** Permission bits of a file, or undefined when it does not exist. */
export function fileMode(path: string): number | undefined {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return undefined;
  }
}
