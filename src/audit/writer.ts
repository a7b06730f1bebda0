// The synchronous, hash-chained JSON Lines audit writer: one write(2) per append (one record, or
// several chained records at once) on an O_APPEND fd, continuation of an existing chain on open,
// size/on-demand rotation and retention of rotated files (records are linked by chain-link.ts).
import { closeSync, fdatasyncSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { VnfError, isVnfError } from '../errors.js';
import { GENESIS_PREV } from './chain.js';
import { ChainLinker, type ComposedRecord } from './chain-link.js';
import { loadHmacKey } from './hmac-key.js';
import { deleteExpiredRotated, lastRecordOfRotated, listRotated, readTail, rotatedName, type TailInfo } from './log-files.js';
import { DEFAULT_EXCERPT_BYTES, buildRecordBody } from './record-builder.js';
import { Redactor } from './redact.js';
import type { AuditEvent, AuditRecord, AuditSink } from './types.js';
import type { AuditLogOptions, AuditLogStatus } from './audit-log-options.js';

export type { AuditLogOptions, AuditLogStatus } from './audit-log-options.js';

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? 'unknown error';
}

export class AuditLog implements AuditSink {
  readonly file: string;
  readonly redactor: Redactor;
  private readonly fsync: boolean;
  private readonly chain: ChainLinker;
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
    this.now = options.now ?? (() => new Date());
    this.chain = new ChainLinker(options.hmacKey ?? (options.hmacKeyFile ? loadHmacKey(options.hmacKeyFile) : undefined), this.now);
    this.maxFileBytes = options.maxFileBytes ?? 0;
    this.keepFiles = options.keepFiles;
    this.maxAgeDays = options.maxAgeDays;
    this.excerptBytes = options.excerptBytes ?? DEFAULT_EXCERPT_BYTES;
    this.fileMode = options.fileMode ?? 0o600;
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
      let pending: ComposedRecord[] = [];
      let pendingBytes = 0;
      for (const body of bodies) {
        const last = pending.at(-1)?.record;
        let composed = this.chain.compose(body, last ? last.seq : this.seq, last ? last.hash : this.lastHash, last ? false : this.needsNewline);
        if (this.maxFileBytes > 0 && this.size + pendingBytes > 0 && this.size + pendingBytes + composed.bytes > this.maxFileBytes) {
          this.writeComposed(pending);
          pending = [];
          pendingBytes = 0;
          this.rotateNow('size');
          composed = this.chain.compose(body, this.seq, this.lastHash, this.needsNewline);
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
      this.chain.assertExtends(last, this.file);
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

  /** One write(2) for the records, in order; state moves on only once all of them are written. */
  private writeComposed(list: readonly ComposedRecord[]): void {
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
    this.writeComposed([this.chain.compose({ type: 'audit.rotated', detail }, this.seq, this.lastHash, this.needsNewline)]);
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
