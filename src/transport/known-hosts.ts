// Known-hosts store in OpenSSH known_hosts format ("name key-type base64"), so admins can read it
// and seed it with ssh-keyscan. Writes are atomic (temp file + rename); reads are cached by mtime.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { VnfError } from '../errors.js';

export interface KnownHostKey {
  /** e.g. "ssh-ed25519" */
  type: string;
  /** raw public key blob (what ssh2 hands the hostVerifier) */
  key: Buffer;
}

export interface KnownHostsStore {
  lookup(name: string): readonly KnownHostKey[];
  /** records a key; must be durable before returning */
  add(name: string, key: KnownHostKey): void;
}

/** OpenSSH's name for a host: bare for port 22, `[host]:port` otherwise. */
export const knownHostName = (host: string, port: number): string => (port === 22 ? host : `[${host}]:${port}`);

/** Parses known_hosts text; hashed names (|1|...) and @marker lines are ignored. */
export function parseKnownHosts(text: string): Map<string, KnownHostKey[]> {
  const map = new Map<string, KnownHostKey[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('@') || line.startsWith('|')) continue;
    const [names, type, b64] = line.split(/\s+/);
    if (!names || !type || !b64) continue;
    const key = Buffer.from(b64, 'base64');
    if (key.length === 0) continue;
    for (const name of names.split(',')) {
      const list = map.get(name) ?? [];
      list.push({ type, key });
      map.set(name, list);
    }
  }
  return map;
}

export const formatKnownHostLine = (name: string, k: KnownHostKey): string => `${name} ${k.type} ${k.key.toString('base64')}`;

export class MemoryKnownHosts implements KnownHostsStore {
  private readonly map = new Map<string, KnownHostKey[]>();
  lookup(name: string): readonly KnownHostKey[] { return this.map.get(name) ?? []; }
  add(name: string, key: KnownHostKey): void { this.map.set(name, [...this.lookup(name), key]); }
}

export class FileKnownHosts implements KnownHostsStore {
  private cache = new Map<string, KnownHostKey[]>();
  private text = '';
  private mtimeMs = -1;

  constructor(readonly file: string) {}

  lookup(name: string): readonly KnownHostKey[] {
    this.refresh();
    return this.cache.get(name) ?? [];
  }

  add(name: string, key: KnownHostKey): void {
    this.refresh();
    const line = formatKnownHostLine(name, key);
    const next = `${this.text}${this.text === '' || this.text.endsWith('\n') ? '' : '\n'}${line}\n`;
    const tmp = join(dirname(this.file), `.${basename(this.file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, next);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (err) {
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `known-hosts store ${this.file} could not be written`, { cause: err, stage: 'hostkey' });
    }
    this.text = next;
    this.cache = parseKnownHosts(next);
    this.mtimeMs = statSync(this.file).mtimeMs;
  }

  /** Re-reads the file when an admin changed it (e.g. appended ssh-keyscan output). */
  private refresh(): void {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.text = '';
        this.cache.clear();
        this.mtimeMs = -1;
        return;
      }
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `known-hosts store ${this.file} unreadable`, { cause: err, stage: 'hostkey' });
    }
    if (mtimeMs === this.mtimeMs) return;
    this.text = readFileSync(this.file, 'utf8');
    this.cache = parseKnownHosts(this.text);
    this.mtimeMs = mtimeMs;
  }
}
