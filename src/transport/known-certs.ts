// Known TLS certificates of appliances (trust on first use, or the cert behind a pinned
// fingerprint): a JSON file { name: {fingerprint256, pem, learned_at} }, atomic writes.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VnfError } from '../errors.js';

export interface KnownCert {
  /** colon-separated upper-case hex, as X509Certificate.fingerprint256 */
  fingerprint256: string;
  pem: string;
  learned_at: string;
}

export interface KnownCertsStore {
  get(name: string): KnownCert | undefined;
  set(name: string, cert: KnownCert): void;
}

export class MemoryKnownCerts implements KnownCertsStore {
  private readonly map = new Map<string, KnownCert>();
  get(name: string): KnownCert | undefined { return this.map.get(name); }
  set(name: string, cert: KnownCert): void { this.map.set(name, cert); }
}

export class FileKnownCerts implements KnownCertsStore {
  private cache: Record<string, KnownCert> | undefined;

  constructor(readonly file: string) {}

  get(name: string): KnownCert | undefined {
    return Object.hasOwn(this.load(), name) ? this.load()[name] : undefined;
  }

  set(name: string, cert: KnownCert): void {
    const next = { ...this.load(), [name]: cert };
    const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, `${JSON.stringify(next, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (err) {
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `known-certs store ${this.file} could not be written`, { cause: err, stage: 'handshake' });
    }
    this.cache = next;
  }

  private load(): Record<string, KnownCert> {
    if (this.cache) return this.cache;
    try {
      this.cache = JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, KnownCert>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `known-certs store ${this.file} unreadable`, { cause: err, stage: 'handshake' });
      }
      this.cache = {};
    }
    return this.cache;
  }
}

/** "ab:cd..." / "ABCD..." → "AB:CD:..." */
export function normaliseFingerprint(fp: string): string {
  const hex = fp.replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? '';
}
