// Verification of a (possibly rotated) audit log: recomputes every hash, follows seq/prev across
// files in chain order, and names the first bad record: edited, deleted, inserted, reordered, torn, wrong key.
import { canonicalJson } from './canonical-json.js';
import { GENESIS_PREV, recordHash } from './chain.js';
import { hmacKeyId } from './hmac-key.js';
import { assertReadable, readAllLines, sortByChain, type LogLine } from './line-reader.js';
import { Lookahead } from './lookahead.js';

export type TamperReason = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'torn' | 'wrong key';

export interface VerifyIssue {
  reason: TamperReason;
  file: string;
  line: number;
  seq?: number;
  message: string;
}

export interface VerifyReport {
  ok: boolean;
  /** records verified (all of them when ok) */
  records: number;
  /** the files in chain order */
  files: string[];
  first_seq?: number;
  last_seq?: number;
  last_hash?: string;
  /** 'genesis' = complete from seq 1; 'mid-way' = older files were removed (retention), see anchor */
  chain_start?: 'genesis' | 'mid-way';
  anchor?: { file: string; seq: number; prev: string };
  /** recovered crashes: torn lines the chain continues around */
  warnings: VerifyIssue[];
  error?: VerifyIssue;
}

export interface VerifyOptions {
  hmacKey?: Buffer;
}

/** How far ahead verify looks to classify a break (records). */
const WINDOW = 256;

class Failure extends Error {
  constructor(readonly issue: VerifyIssue) {
    super(issue.message);
  }
}

function fail(reason: TamperReason, at: LogLine, message: string): never {
  const seq = typeof at.rec?.seq === 'number' ? at.rec.seq : undefined;
  throw new Failure({ reason, file: at.file, line: at.line, ...(seq === undefined ? {} : { seq }), message });
}

const where = (e: LogLine): string => `${e.file}:${e.line}`;

interface Accepted { entry: LogLine; rec: Record<string, unknown> }

export async function verifyAuditLog(files: readonly string[], options: VerifyOptions = {}): Promise<VerifyReport> {
  for (const file of files) await assertReadable(file);
  const ordered = await sortByChain(files);
  const report: VerifyReport = { ok: false, records: 0, files: ordered, warnings: [] };
  const key = options.hmacKey;
  const keyId = key ? hmacKeyId(key) : undefined;
  const la = new Lookahead<LogLine>(readAllLines(ordered));
  let last: Accepted | undefined;

  const checkHash = async (entry: LogLine, rec: Record<string, unknown>): Promise<void> => {
    const theirs = typeof rec.key_id === 'string' ? rec.key_id : undefined;
    if (theirs !== undefined && !key) fail('wrong key', entry, `records are HMAC-keyed (key id ${theirs}): pass --hmac-key-file`);
    if (recordHash(rec, key) === rec.hash) return;
    if (key && !last) {
      const next = (await la.peek(0))?.rec;
      const nextFails = !next || recordHash(next, key) !== next.hash;
      if (nextFails && theirs !== keyId) {
        fail('wrong key', entry, theirs
          ? `no record verifies with this key: the log was written with key id ${theirs}, the given key has id ${keyId ?? ''}`
          : 'no record verifies with this key: the log is not HMAC-keyed (verify without --hmac-key-file)');
      }
    }
    fail('edited', entry, `record seq ${String(rec.seq)} does not match its hash: its content was changed`);
  };

  const classifyBreak = async (entry: LogLine, rec: Record<string, unknown>, exp: { seq: number; prev: string }): Promise<never> => {
    const seq = rec.seq as number;
    const next = await la.peek(0);
    const nextIsExpected = next?.rec?.seq === exp.seq && next.rec.prev === exp.prev;
    if (seq === exp.seq) {
      if (nextIsExpected) fail('inserted', entry, `record at ${where(entry)} is not part of the chain: the expected seq ${exp.seq} follows it`);
      const prev = last as Accepted;
      fail('edited', prev.entry, `record seq ${String(prev.rec.seq)} was changed and its hash recomputed: the next record's prev (${where(entry)}) no longer matches it`);
    }
    if (seq < exp.seq) {
      if (last && rec.prev === last.rec.prev) {
        // two records claim the same predecessor: the one the chain continues from is genuine
        if (next?.rec?.prev === rec.hash) fail('inserted', last.entry, `record at ${where(last.entry)} (seq ${String(last.rec.seq)}) was inserted: the chain continues from ${where(entry)} instead`);
        fail('inserted', entry, `record at ${where(entry)} (seq ${seq}) was inserted: it repeats the predecessor of ${where(last.entry)}`);
      }
      fail('inserted', entry, `record seq ${seq} appears again at ${where(entry)} after seq ${exp.seq - 1}: inserted or duplicated`);
    }
    // seq jumped ahead: is the missing record further on (reordered), or gone (deleted)?
    let found: LogLine | undefined;
    let predecessorLater = false;
    for (let i = 0; i < WINDOW; i += 1) {
      const e = await la.peek(i);
      if (!e) break;
      if (e.rec?.seq === exp.seq && e.rec.prev === exp.prev) found = found ?? e;
      if (e.rec?.hash === rec.prev) predecessorLater = true;
    }
    if (found && predecessorLater) fail('reordered', entry, `records out of order: seq ${seq} at ${where(entry)} comes before seq ${exp.seq} at ${where(found)}`);
    if (found) fail('inserted', entry, `record at ${where(entry)} (seq ${seq}) was inserted: the expected seq ${exp.seq} follows at ${where(found)}`);
    const across = last && last.entry.file !== entry.file ? ` (between ${last.entry.file} and ${entry.file}: a rotated file is missing?)` : '';
    fail('deleted', entry, `records seq ${exp.seq}..${seq - 1} are missing before ${where(entry)}${across}`);
  };

  try {
    for (let entry = await la.next(); entry; entry = await la.next()) {
      const rec = entry.rec;
      if (!rec) {
        const next = await la.peek(0);
        if (!entry.terminated && !next) {
          fail('torn', entry, `last line ${where(entry)} is incomplete (${Buffer.byteLength(entry.text)} bytes, no newline): the writer crashed mid-write or the file was truncated; the ${report.records} records before it verify`);
        }
        const bridged = !!next?.rec && (last ? next.rec.seq === (last.rec.seq as number) + 1 && next.rec.prev === last.rec.hash : true);
        if (!entry.text.startsWith('{') || !bridged) {
          fail(entry.terminated ? 'edited' : 'torn', entry, `line ${where(entry)} is not a valid audit record`);
        }
        report.warnings.push({ reason: 'torn', file: entry.file, line: entry.line, message: `incomplete line from an interrupted write at ${where(entry)}; the chain continues around it` });
        continue;
      }
      await checkHash(entry, rec);
      if (entry.text !== canonicalJson(rec)) fail('edited', entry, `line ${where(entry)} is not in canonical form: it was re-serialised or hand-edited`);
      const seq = rec.seq as number;
      if (!last) {
        if (seq === 1 && rec.prev !== GENESIS_PREV) fail('edited', entry, 'the first record has seq 1 but its prev is not the genesis value');
        if (seq === 1) report.chain_start = 'genesis';
        else if (rec.type === 'audit.rotated') {
          report.chain_start = 'mid-way';
          report.anchor = { file: entry.file, seq, prev: rec.prev as string };
        } else {
          fail('deleted', entry, `the chain starts at seq ${seq}, which is neither the genesis record nor an audit.rotated marker: the records before it were removed`);
        }
        report.first_seq = seq;
      } else if (seq !== (last.rec.seq as number) + 1 || rec.prev !== last.rec.hash) {
        await classifyBreak(entry, rec, { seq: (last.rec.seq as number) + 1, prev: last.rec.hash as string });
      }
      last = { entry, rec };
      report.records += 1;
    }
  } catch (error) {
    if (!(error instanceof Failure)) throw error;
    report.error = error.issue;
  }
  if (last) {
    report.last_seq = last.rec.seq as number;
    report.last_hash = last.rec.hash as string;
  }
  report.ok = report.error === undefined;
  return report;
}
