// On-disk layout helpers: reading the last record of a log without reading the whole file, naming
// and listing rotated files (`audit.log.2026-11-23T13-50-00Z.1`, numbered in rotation order).
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface TailInfo {
  /** the last complete line that parses as a record, if any */
  last?: Record<string, unknown>;
  /** file is non-empty and does not end with a newline (a torn write) */
  torn: boolean;
}

const TAIL_CHUNK = 64 * 1024;

export function parseRecordLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const rec = value as Record<string, unknown>;
    if (!Number.isSafeInteger(rec.seq) || typeof rec.hash !== 'string' || typeof rec.prev !== 'string') return undefined;
    if (typeof rec.type !== 'string' || typeof rec.time !== 'string') return undefined;
    return rec;
  } catch {
    return undefined;
  }
}

/** Reads backwards in growing chunks until a complete record line is found (or the file start). */
export function readTail(fd: number, size: number): TailInfo {
  if (size === 0) return { torn: false };
  let chunk = TAIL_CHUNK;
  let torn = false;
  for (;;) {
    const start = Math.max(0, size - chunk);
    const buf = Buffer.alloc(size - start);
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, start + got);
      if (n === 0) break;
      got += n;
    }
    const text = buf.subarray(0, got).toString('utf8');
    if (start + got === size) torn = !text.endsWith('\n');
    const lines = text.split('\n');
    const fragment = lines.pop() ?? ''; // after the last newline: empty, or the torn fragment
    // a write cut just before its newline left a whole record: it is part of the chain
    if (start + got === size && fragment !== '') {
      const whole = parseRecordLine(fragment);
      if (whole) return { last: whole, torn };
    }
    // the first piece may be cut by our chunk boundary unless we started at 0
    const firstUsable = start === 0 ? 0 : 1;
    for (let i = lines.length - 1; i >= firstUsable; i -= 1) {
      const rec = parseRecordLine(lines[i] ?? '');
      if (rec) return { last: rec, torn };
    }
    if (start === 0) return { torn };
    chunk *= 4;
  }
}

export function rotationStamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
}

export interface RotatedFile {
  path: string;
  /** rotation number: increases with every rotation of this log */
  n: number;
  /** rotation time from the name */
  time: Date;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rotated siblings of a log file, oldest first. */
export function listRotated(file: string): RotatedFile[] {
  const dir = dirname(file);
  const re = new RegExp(`^${escapeRegExp(basename(file))}\\.(\\d{4}-\\d\\d-\\d\\dT\\d\\d)-(\\d\\d)-(\\d\\d)Z\\.(\\d+)$`);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: RotatedFile[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m) continue;
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
    } catch {
      continue;
    }
    out.push({ path, n: Number(m[4]), time: new Date(`${m[1]}:${m[2]}:${m[3]}Z`) });
  }
  return out.sort((a, b) => a.n - b.n);
}

export function rotatedName(file: string, date: Date, n: number): string {
  return `${file}.${rotationStamp(date)}.${n}`;
}

/** The last record of the newest rotated file that has one (a writer resuming after a rotation). */
export function lastRecordOfRotated(file: string): Record<string, unknown> | undefined {
  for (const rotated of listRotated(file).reverse()) {
    let fd = -1;
    try {
      fd = openSync(rotated.path, 'r');
      const tail = readTail(fd, fstatSync(fd).size);
      if (tail.last) return tail.last;
    } catch {
      // unreadable rotated file: try the one before
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }
  return undefined;
}

export interface RetentionPolicy {
  keepFiles?: number;
  maxAgeDays?: number;
  now: Date;
}

/** Deletes the oldest rotated files beyond keepFiles and those rotated more than maxAgeDays ago. */
export function deleteExpiredRotated(file: string, policy: RetentionPolicy): void {
  if (policy.keepFiles === undefined && policy.maxAgeDays === undefined) return;
  const rotated = listRotated(file);
  const cutoff = policy.maxAgeDays === undefined ? undefined : policy.now.getTime() - policy.maxAgeDays * 86_400_000;
  const excess = policy.keepFiles === undefined ? 0 : Math.max(0, rotated.length - policy.keepFiles);
  rotated.forEach((entry, index) => {
    if (index < excess || (cutoff !== undefined && entry.time.getTime() < cutoff)) {
      try {
        unlinkSync(entry.path);
      } catch {
        // retention is housekeeping: a file we cannot delete must not stop auditing
      }
    }
  });
}
