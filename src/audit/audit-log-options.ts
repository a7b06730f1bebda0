// What an audit log is opened with (writer.ts) and the state it reports.
import type { Redactor } from './redact.js';

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
