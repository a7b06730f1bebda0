// Streaming line reader for audit files: yields each line with its number and whether it ended with
// a newline (an unterminated last line is a torn write or a truncation), without loading the file.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { VnfError } from '../errors.js';
import { parseRecordLine } from './log-files.js';

export interface LogLine {
  file: string;
  /** 1-based */
  line: number;
  text: string;
  terminated: boolean;
  /** the parsed record, when the line is one */
  rec?: Record<string, unknown>;
}

export async function* readLines(file: string): AsyncGenerator<LogLine> {
  const stream = createReadStream(file, { highWaterMark: 256 * 1024 });
  let carry: Buffer[] = [];
  let line = 0;
  const emit = (buf: Buffer, terminated: boolean): LogLine => {
    line += 1;
    const text = buf.toString('utf8');
    const rec = terminated ? parseRecordLine(text) : undefined;
    return rec ? { file, line, text, terminated, rec } : { file, line, text, terminated };
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const whole = carry.length > 0 ? Buffer.concat([...carry, piece]) : piece;
      carry = [];
      yield emit(whole, true);
      start = nl + 1;
    }
    if (start < chunk.length) carry.push(chunk.subarray(start));
  }
  if (carry.length > 0) yield emit(Buffer.concat(carry), false);
}

/** Fails with VNF_ERR_INPUT_UNREADABLE (exit 2) when a file cannot be opened and read. */
export async function assertReadable(file: string): Promise<void> {
  try {
    const handle = await open(file, 'r');
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
      await handle.read(Buffer.alloc(1), 0, 1, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `cannot read audit file ${file} (${code})`, { cause: error });
  }
}

/** The first record of a file (within its first lines), used to put files in chain order. */
export async function firstRecord(file: string): Promise<Record<string, unknown> | undefined> {
  for await (const entry of readLines(file)) {
    if (entry.rec) return entry.rec;
    if (entry.line >= 16) break;
  }
  return undefined;
}

/** Files sorted by the seq of their first record; files without one go last, in the given order. */
export async function sortByChain(files: readonly string[]): Promise<string[]> {
  const unique = [...new Set(files)];
  const keyed = await Promise.all(unique.map(async (file, index) => {
    const first = await firstRecord(file);
    return { file, index, seq: typeof first?.seq === 'number' ? first.seq : Number.POSITIVE_INFINITY };
  }));
  keyed.sort((a, b) => a.seq - b.seq || a.index - b.index);
  return keyed.map((k) => k.file);
}

/** All lines of several files, in the given order. */
export async function* readAllLines(files: readonly string[]): AsyncGenerator<LogLine> {
  for (const file of files) yield* readLines(file);
}
