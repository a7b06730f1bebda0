// Reading records for auditors (`audit show`, GET /v1/audit): streams files in chain order line by
// line and filters by appliance, principal, time window and event type.
import { readAllLines, sortByChain, assertReadable } from './line-reader.js';
import type { AuditRecord } from './types.js';

export interface AuditFilter {
  /** matches appliance id, name or address */
  appliance?: string;
  /** matches principal subject or fingerprint */
  principal?: string;
  since?: Date;
  until?: Date;
  types?: readonly string[];
}

/** Parses an ISO 8601 date or date-time (a bare date means midnight UTC); undefined if invalid. */
export function parseAuditTime(text: string): Date | undefined {
  const iso = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?$/;
  if (!iso.test(text.trim())) return undefined;
  const date = new Date(text.trim().replace(' ', 'T'));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function matchesFilter(record: AuditRecord, filter: AuditFilter): boolean {
  if (filter.types && filter.types.length > 0 && !filter.types.includes(record.type)) return false;
  if (filter.appliance !== undefined) {
    const a = record.appliance;
    if (!a || (a.id !== filter.appliance && a.name !== filter.appliance && a.address !== filter.appliance)) return false;
  }
  if (filter.principal !== undefined) {
    const p = record.principal;
    if (!p || (p.subject !== filter.principal && p.fingerprint !== filter.principal)) return false;
  }
  if (filter.since || filter.until) {
    const t = Date.parse(record.time);
    if (Number.isNaN(t)) return false;
    if (filter.since && t < filter.since.getTime()) return false;
    if (filter.until && t > filter.until.getTime()) return false;
  }
  return true;
}

/** Matching records of all files, in chain order; lines that are not records are skipped. */
export async function* queryAuditLog(files: readonly string[], filter: AuditFilter = {}): AsyncGenerator<AuditRecord> {
  for (const file of files) await assertReadable(file);
  for await (const entry of readAllLines(await sortByChain(files))) {
    if (entry.rec && matchesFilter(entry.rec as unknown as AuditRecord, filter)) yield entry.rec as unknown as AuditRecord;
  }
}
