// An in-memory AuditSink for transport tests: keeps events in order, can be made to fail.
import type { AuditEvent, AuditRecord, AuditSink } from '../../src/audit/types.js';
import { VnfError } from '../../src/errors.js';

export class MemoryAudit implements AuditSink {
  readonly events: AuditEvent[] = [];
  /** when set, append() throws like a full disk */
  failing = false;

  append(event: AuditEvent): AuditRecord {
    if (this.failing) throw new VnfError('VNF_ERR_AUDIT_WRITE', 'audit write failed (test)');
    this.events.push(structuredClone(event));
    const { output: _o, secrets: _s, ...rest } = event;
    return { ...rest, seq: this.events.length, time: new Date().toISOString(), prev: '', hash: '' };
  }

  ofType(type: AuditEvent['type']): AuditEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}
