// Linking records into the hash chain: composing the next record's line (seq, time, prev, key_id
// and hash added to a body) and checking that a log's last record can be extended with our key.
import { VnfError } from '../errors.js';
import { canonicalJsonWith } from './canonical-json.js';
import { chainHash, recordHash } from './chain.js';
import { hmacKeyId } from './hmac-key.js';
import { isSortedBody, type RecordBody } from './record-builder.js';
import type { AuditRecord } from './types.js';

/** A record ready to write: `text` is its line (after a newline that ends a torn one, if needed). */
export interface ComposedRecord { record: AuditRecord; text: string; bytes: number }

export class ChainLinker {
  private readonly keyId: string | undefined;

  constructor(private readonly key: Buffer | undefined, private readonly now: () => Date) {
    this.keyId = key ? hmacKeyId(key) : undefined;
  }

  /** The record after the one with `seq` and hash `prev`. */
  compose(body: RecordBody | Record<string, unknown>, seq: number, prev: string, needsNewline: boolean): ComposedRecord {
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

  /** Refuses to extend a chain written with another key (or none), or whose last record was altered. */
  assertExtends(last: Record<string, unknown>, file: string): void {
    const theirs = typeof last.key_id === 'string' ? last.key_id : undefined;
    if (theirs !== this.keyId) {
      const what = theirs ? `HMAC-keyed (key id ${theirs})` : 'not HMAC-keyed';
      const mine = this.keyId ? `the configured key has id ${this.keyId}` : 'no HMAC key is configured';
      throw new VnfError('VNF_ERR_AUDIT_KEY',
        `existing audit log ${file} is ${what} but ${mine}; use the right key, or move the old log aside to start a new chain`);
    }
    if (recordHash(last, this.key) !== last.hash) {
      throw new VnfError(this.key ? 'VNF_ERR_AUDIT_KEY' : 'VNF_ERR_AUDIT_VERIFY',
        `the last record (seq ${String(last.seq)}) of ${file} does not match its hash; refusing to extend the chain (run: vnf-broker audit verify)`);
    }
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
}
