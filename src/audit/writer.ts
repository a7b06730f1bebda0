// The synchronous, hash-chained JSON Lines audit writer: one write(2) per append (one record, or
// several chained records at once) on an O_APPEND fd, continuation of an existing chain on open,
// size/on-demand rotation and retention of rotated files.
import { closeSync, fdatasyncSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { VnfError, isVnfError } from '../errors.js';
import { canonicalJsonWith } from './canonical-json.js';
import { GENESIS_PREV, chainHash, recordHash } from './chain.js';
import { hmacKeyId, loadHmacKey } from './hmac-key.js';
import { deleteExpiredRotated, lastRecordOfRotated, listRotated, readTail, rotatedName, type TailInfo } from './log-files.js';
import { DEFAULT_EXCERPT_BYTES, buildRecordBody, isSortedBody, type RecordBody } from './record-builder.js';
import { Redactor } from './redact.js';
import type { AuditEvent, AuditRecord, AuditSink } from './types.js';

export interface AuditLogOptions {
  file: string;
  /** fdatasync after every record (survives power loss, not just kill -9); default false */
  fsync?: boolean;
  hmacKey?: Buffer;
  hmacKeyFile?: string;
  /** rotate before a record would take the file past this size; 0/undefined = never */
  maxFileBytes?: number;
  /** rotated files to keep (oldest deleted first) */
  keepFiles?: number;
  /** delete rotated files older than this */
  maxAgeDays?: number;
  /** bound of output_excerpt/body_excerpt in UTF-8 bytes; default 512 */
  excerptBytes?: number;
  secrets?: readonly string[];
  /** share one redactor with the application logger */
  redactor?: Redactor;
  /** file mode when the log is created; default 0o600 */
  fileMode?: number;
  /** clock, for tests */
  now?: () => Date;
}

export interface AuditLogStatus {
  file: string;
  seq: number;
  last_hash: string;
  size: number;
  records_in_file: number;
}

interface Composed { record: AuditRecord; text: string; bytes: number }

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
}

export class AuditLog implements AuditSink {
  readonly file: string;
  readonly redactor: Redactor;
  private readonly fsync: boolean;
  private readonly key: Buffer | undefined;
  private readonly keyId: string | undefined;
  private readonly maxFileBytes: number;
  private readonly keepFiles: number | undefined;
  private readonly maxAgeDays: number | undefined;
  private readonly excerptBytes: number;
  private readonly fileMode: number;
  private readonly now: () => Date;
  private fd = -1;
  private ino = 0;
  private dev = 0;
  private size = 0;
  private seq = 0;
  private lastHash = GENESIS_PREV;
  private needsNewline = false;
  private recordsInFile = 0;
  private stale = false;
  private closed = false;
  private broken: string | undefined;

  constructor(options: AuditLogOptions) {
    this.file = options.file;
    this.fsync = options.fsync ?? false;
    this.key = options.hmacKey ?? (options.hmacKeyFile ? loadHmacKey(options.hmacKeyFile) : undefined);
    this.keyId = this.key ? hmacKeyId(this.key) : undefined;
    this.maxFileBytes = options.maxFileBytes ?? 0;
    this.keepFiles = options.keepFiles;
    this.maxAgeDays = options.maxAgeDays;
    this.excerptBytes = options.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.fileMode = options.fileMode ?? 0o600;
    this.now = options.now ?? (() => new Date());
    this.redactor = options.redactor ?? new Redactor();
    this.redactor.addSecrets(options.secrets ?? []);
    if (this.maxFileBytes !== 0 && !(this.maxFileBytes >= 1024)) {
      throw new VnfError('VNF_ERR_AUDIT_WRITE', 'audit max_file_bytes must be at least 1024');
    }
    if (this.excerptBytes < 0 || !Number.isInteger(this.excerptBytes)) {
      throw new VnfError('VNF_ERR_AUDIT_WRITE', 'audit excerpt bound must be a non-negative integer');
    }
    this.openFile();
    try {
      this.resume();
    } catch (error) {
      this.closeFd();
      throw error;
    }
  }

  /** Registers secrets that must never appear in any record (in addition to each event's `secrets`). */
  addSecrets(values: readonly string[]): void {
    this.redactor.addSecrets(values);
  }

  append(event: AuditEvent): AuditRecord {
    return this.appendMany([event])[0] as AuditRecord;
  }

  /**
   * Appends several records, chained in order, with one write(2) (and one fdatasync when fsync is
   * on): all of them are on disk when this returns, or it throws VNF_ERR_AUDIT_WRITE and none of
   * them counts as written. (A size rotation due in the middle writes the records before it first.)
   */
  appendMany(events: readonly AuditEvent[]): AuditRecord[] {
    this.assertUsable();
    if (events.length === 0) return [];
    try {
      const bodies = events.map((event) => buildRecordBody(event, this.redactor, this.excerptBytes));
      this.checkFile();
      const records: AuditRecord[] = [];
      let pending: Composed[] = [];
      let pendingBytes = 0;
      for (const body of bodies) {
        const last = pending.at(-1)?.record;
        let composed = this.compose(body, last ? last.seq : this.seq, last ? last.hash : this.lastHash, last ? false : this.needsNewline);
        if (this.maxFileBytes > 0 && this.size + pendingBytes > 0 && this.size + pendingBytes + composed.bytes > this.maxFileBytes) {
          this.writeComposed(pending);
          pending = [];
          pendingBytes = 0;
          this.rotateNow('size');
          composed = this.compose(body, this.seq, this.lastHash, this.needsNewline);
        }
        pending.push(composed);
        pendingBytes += composed.bytes;
        records.push(composed.record);
      }
      this.writeComposed(pending);
      return records;
    } catch (error) {
      throw this.asWriteError(error);
    }
  }

  /** Rotates now (SIGHUP): returns the rotated file's path, or undefined when the file is empty. */
  rotate(): string | undefined {
    this.assertUsable();
    try {
      this.checkFile();
      if (this.size === 0) return undefined;
      return this.rotateNow('request');
    } catch (error) {
      throw this.asWriteError(error);
    }
  }

  /** Closes and reopens the path (after an operator fixed a vanished directory, for instance). */
  reopen(): void {
    this.closeFd();
    this.closed = false;
    this.broken = undefined;
    this.openFile();
    this.resume();
  }

  close(): void {
    this.closeFd();
    this.closed = true;
  }

  status(): AuditLogStatus {
    return { file: this.file, seq: this.seq, last_hash: this.lastHash, size: this.size, records_in_file: this.recordsInFile };
  }

  /** The underlying descriptor (diagnostics and failure tests). */
  get fileDescriptor(): number {
    return this.fd;
  }

  private assertUsable(): void {
    if (this.closed) throw new VnfError('VNF_ERR_AUDIT_WRITE', `audit log ${this.file} is closed`);
    if (this.broken) throw new VnfError('VNF_ERR_AUDIT_WRITE', this.broken);
  }

  private openFile(): void {
    try {
      this.fd = openSync(this.file, 'a+', this.fileMode);
    } catch (error) {
      this.fd = -1;
      throw new VnfError('VNF_ERR_AUDIT_WRITE', `cannot open audit log ${this.file} (${errnoCode(error)})`, { cause: error });
    }
    const st = fstatSync(this.fd);
    this.ino = st.ino;
    this.dev = st.dev;
  }

  private closeFd(): void {
    if (this.fd < 0) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed underneath us: nothing left to release
    }
    this.fd = -1;
  }

  /** Re-reads size and tail: continues the chain from the last valid record on disk. */
  private syncFromDisk(): void {
    const st = fstatSync(this.fd);
    this.size = st.size;
    const tail: TailInfo = st.isFile() ? readTail(this.fd, st.size) : { torn: false };
    this.needsNewline = tail.torn;
    this.recordsInFile = tail.last ? 1 : 0;
    const last = tail.last ?? lastRecordOfRotated(this.file);
    if (last) {
      this.checkContinuable(last);
      this.seq = last.seq as number;
      this.lastHash = last.hash as string;
    } else if (this.recordsInFile === 0 && this.seq === 0) {
      this.lastHash = GENESIS_PREV;
    }
    this.stale = false;
  }

  private resume(): void {
    this.syncFromDisk();
    // every file starts with seq 1 or an audit.rotated marker, so verify can tell retention from cutting
    if (this.recordsInFile === 0 && this.seq > 0) this.writeMarker('resume', undefined);
    this.applyRetention();
  }

  private checkContinuable(last: Record<string, unknown>): void {
    const theirs = typeof last.key_id === 'string' ? last.key_id : undefined;
    if (theirs !== this.keyId) {
      const what = theirs ? `HMAC-keyed (key id ${theirs})` : 'not HMAC-keyed';
      const mine = this.keyId ? `the configured key has id ${this.keyId}` : 'no HMAC key is configured';
      throw new VnfError('VNF_ERR_AUDIT_KEY',
        `existing audit log ${this.file} is ${what} but ${mine}; use the right key, or move the old log aside to start a new chain`);
    }
    if (recordHash(last, this.key) !== last.hash) {
      throw new VnfError(this.key ? 'VNF_ERR_AUDIT_KEY' : 'VNF_ERR_AUDIT_VERIFY',
        `the last record (seq ${String(last.seq)}) of ${this.file} does not match its hash; refusing to extend the chain (run: vnf-broker audit verify)`);
    }
  }

  private checkFile(): void {
    let st;
    try {
      st = fstatSync(this.fd);
    } catch (error) {
      throw new VnfError('VNF_ERR_AUDIT_WRITE', `audit log ${this.file} descriptor is unusable (${errnoCode(error)})`, { cause: error });
    }
    if (st.ino !== this.ino || st.dev !== this.dev) {
      this.broken = `audit log ${this.file} descriptor no longer refers to the log file`;
      throw new VnfError('VNF_ERR_AUDIT_WRITE', this.broken);
    }
    if (st.nlink === 0) {
      this.broken = `audit log ${this.file} was removed while open (reopen() after fixing the location)`;
      throw new VnfError('VNF_ERR_AUDIT_WRITE', this.broken);
    }
    // another writer appended, or a failed write left part of a line: continue from what is on disk
    if (this.stale || st.size !== this.size) this.syncFromDisk();
  }

  private compose(body: RecordBody | Record<string, unknown>, seq: number, prev: string, needsNewline: boolean): Composed {
    const time = this.now().toISOString();
    const sorted = isSortedBody(body) ? this.composeSorted(body, seq + 1, time, prev) : undefined;
    let record: AuditRecord;
    let line: string;
    if (sorted) {
      ({ record, line } = sorted);
    } else {
      const unsigned: Record<string, unknown> = { ...body, seq: seq + 1, time, prev };
      if (this.keyId) unsigned.key_id = this.keyId;
      const json = canonicalJsonWith(unsigned, 'hash', (canonical) => chainHash(prev, canonical, this.key));
      unsigned.hash = json.value;
      record = unsigned as unknown as AuditRecord;
      line = json.with;
    }
    const text = `${needsNewline ? '\n' : ''}${line}\n`;
    return { record, text, bytes: Buffer.byteLength(text, 'utf8') };
  }

  /**
   * The canonical line of a body built sorted (record-builder): its members and the chain members
   * (key_id, prev, seq, time: all after "hash") go into two objects, those before "hash" and those
   * after, in sorted order, so two native JSON.stringify calls give the canonical text without and
   * with the hash.
   */
  private composeSorted(body: Record<string, unknown>, seq: number, time: string, prev: string): { record: AuditRecord; line: string } {
    const chain: Array<[string, unknown]> = this.keyId ? [['key_id', this.keyId], ['prev', prev], ['seq', seq], ['time', time]] : [['prev', prev], ['seq', seq], ['time', time]];
    const before: Record<string, unknown> = {};
    const after: Record<string, unknown> = {};
    let c = 0;
    for (const key of Object.keys(body)) {
      // the chain's own members replace a body's (as the spread in the general path does)
      if (key === 'hash' || key === 'prev' || key === 'seq' || key === 'time' || (key === 'key_id' && this.keyId)) continue;
      if (key < 'hash') {
        before[key] = body[key];
        continue;
      }
      for (; c < chain.length && (chain[c] as [string, unknown])[0] < key; c += 1) after[(chain[c] as [string, unknown])[0]] = (chain[c] as [string, unknown])[1];
      after[key] = body[key];
    }
    for (; c < chain.length; c += 1) after[(chain[c] as [string, unknown])[0]] = (chain[c] as [string, unknown])[1];
    const head = JSON.stringify(before).slice(1, -1);
    const tail = JSON.stringify(after).slice(1, -1);
    const hash = chainHash(prev, head === '' ? `{${tail}}` : `{${head},${tail}}`, this.key);
    const line = `{${head}${head === '' ? '' : ','}"hash":"${hash}",${tail}}`;
    return { record: Object.assign(before, { hash }, after) as unknown as AuditRecord, line };
  }

  /** One write(2) for the records, in order; state moves on only once all of them are written. */
  private writeComposed(list: readonly Composed[]): void {
    const last = list.at(-1);
    if (!last) return;
    const bytes = Buffer.from(list.length === 1 ? last.text : list.map((c) => c.text).join(''), 'utf8');
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
      if (this.fsync) fdatasyncSync(this.fd);
    } catch (error) {
      this.stale = true;
      throw new VnfError('VNF_ERR_AUDIT_WRITE', `audit log ${this.file} write failed (${errnoCode(error)})`, { cause: error });
    }
    this.size += bytes.length;
    this.seq = last.record.seq;
    this.lastHash = last.record.hash;
    this.needsNewline = false;
    this.recordsInFile += list.length;
  }

  private writeMarker(reason: 'size' | 'request' | 'resume', previous: string | undefined): void {
    const detail: Record<string, unknown> = { reason };
    if (previous) detail.previous_file = basename(previous);
    this.writeComposed([this.compose({ type: 'audit.rotated', detail }, this.seq, this.lastHash, this.needsNewline)]);
  }

  private rotateNow(reason: 'size' | 'request'): string {
    const existing = listRotated(this.file);
    const n = (existing.at(-1)?.n ?? 0) + 1;
    const target = rotatedName(this.file, this.now(), n);
    if (this.fsync) fdatasyncSync(this.fd);
    try {
      renameSync(this.file, target);
    } catch (error) {
      throw new VnfError('VNF_ERR_AUDIT_WRITE', `audit log rotation to ${target} failed (${errnoCode(error)})`, { cause: error });
    }
    this.closeFd();
    try {
      this.openFile();
    } catch (error) {
      this.broken = `audit log ${this.file} could not be reopened after rotation`;
      throw error;
    }
    this.size = 0;
    this.recordsInFile = 0;
    this.needsNewline = false;
    this.writeMarker(reason, target);
    this.applyRetention();
    return target;
  }

  private applyRetention(): void {
    if (this.keepFiles === undefined && this.maxAgeDays === undefined) return;
    deleteExpiredRotated(this.file, { keepFiles: this.keepFiles, maxAgeDays: this.maxAgeDays, now: this.now() });
  }

  private asWriteError(error: unknown): VnfError {
    if (isVnfError(error) && error.code === 'VNF_ERR_AUDIT_WRITE') return error;
    const why = isVnfError(error) ? error.message : `internal error (${errnoCode(error)})`;
    return new VnfError('VNF_ERR_AUDIT_WRITE', `audit record not written: ${why}`, { cause: error });
  }
}

/** Opens (creating if needed) an audit log and continues its chain. Throws VNF_ERR_AUDIT_WRITE/_KEY. */
export function openAuditLog(options: AuditLogOptions): AuditLog {
  return new AuditLog(options);
}
