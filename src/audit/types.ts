// Audit event types and record fields (DESIGN.md §3.5). Writers fill an AuditEvent; the sink adds
// seq/time/prev/hash, redacts, and persists it synchronously before returning.

export const AUDIT_EVENT_TYPES = [
  'api.request',
  'auth.denied',
  'operation.start',
  'operation.end',
  'ssh.command',
  'http.request',
  'hostkey.learned',
  'hostkey.rejected',
  'provider.changed',
  'audit.read',
  'audit.rotated',
  'ui.session',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

export interface AuditPrincipal {
  subject: string;
  fingerprint?: string;
}

export interface AuditAppliance {
  id: string;
  name?: string;
  address?: string;
}

export interface AuditHttp {
  method: string;
  url: string;
  status?: number;
  /** redacted request headers */
  headers?: Record<string, string>;
  /** SHA-256 of the request body as sent (hex) */
  body_sha256?: string;
  /** redacted, bounded excerpt of the request body */
  body_excerpt?: string;
  /** raw request body (events only): the sink stores body_sha256 + a redacted body_excerpt instead */
  body?: string;
}

/** What a caller supplies; every field optional except type. */
export interface AuditEvent {
  type: AuditEventType;
  request_id?: string;
  job_id?: string;
  principal?: AuditPrincipal;
  appliance?: AuditAppliance;
  provider?: string;
  service?: string;
  operation?: string;
  /** jump hops then target, e.g. ["jump@198.51.100.3:22", "admin@203.0.113.10:22"] */
  path?: string[];
  transport?: 'ssh' | 'http' | 'https' | 'tcp' | 'api' | 'cli';
  command?: string;
  http?: AuditHttp;
  outcome?: 'started' | 'success' | 'failure' | 'denied';
  error_code?: string;
  duration_ms?: number;
  /** raw output; the sink stores only its SHA-256 and a redacted, bounded excerpt */
  output?: string;
  /** free-form, secret-free extra fields (e.g. host key fingerprint learned) */
  detail?: Record<string, unknown>;
  /** values that must never appear in the record (credentials known to the caller) */
  secrets?: readonly string[];
  /** extra key names (e.g. data fields typed `secret`) whose values are redacted wherever they appear */
  secret_fields?: readonly string[];
}

/** A persisted record: the event with output replaced by digest + excerpt, plus chain fields. */
export interface AuditRecord extends Omit<AuditEvent, 'output' | 'secrets' | 'secret_fields'> {
  seq: number;
  time: string;
  output_sha256?: string;
  output_excerpt?: string;
  /** HMAC mode only: first 16 hex digits of SHA-256(key), so verify can tell a wrong key from an edit */
  key_id?: string;
  prev: string;
  hash: string;
}

/**
 * The one thing the rest of the broker needs from the audit module. append() returns only after the
 * record is on disk (write(2) done; fsync too when configured) and throws VnfError VNF_ERR_AUDIT_WRITE
 * otherwise — the caller must then not send the command.
 */
export interface AuditSink {
  append(event: AuditEvent): AuditRecord;
  /**
   * Several records, in order, all on disk when it returns (the file sink: one write(2)); throws
   * like append() and then none of the commands they describe may be sent. Optional: callers fall
   * back to append() per event.
   */
  appendMany?(events: readonly AuditEvent[]): AuditRecord[];
}
