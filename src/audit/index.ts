// Audit: event types, the synchronous hash-chained JSON Lines writer (rotation, retention, HMAC),
// redaction shared with the application logger, and the auditors' verify/query readers. No network.
export * from './types.js';
export { canonicalJson } from './canonical-json.js';
export { GENESIS_PREV, chainHash, recordHash, sha256Hex } from './chain.js';
export { HMAC_KEY_MIN_BYTES, hmacKeyId, loadHmacKey } from './hmac-key.js';
export { REDACTED, Redactor, collectSecrets, truncateUtf8, type RedactExtra } from './redact.js';
export { MIN_SECRET_LENGTH, secretVariants } from './secret-variants.js';
export { DEFAULT_EXCERPT_BYTES, buildRecordBody, type RecordBody } from './record-builder.js';
export { AuditLog, openAuditLog, type AuditLogOptions, type AuditLogStatus } from './writer.js';
export { listRotated, rotatedName, type RotatedFile } from './log-files.js';
export { verifyAuditLog, type TamperReason, type VerifyIssue, type VerifyOptions, type VerifyReport } from './verify.js';
export { matchesFilter, parseAuditTime, queryAuditLog, type AuditFilter } from './query.js';
export { APP_LOG_REDACT_PATHS, createAppLogger, type AppLoggerOptions } from './app-logger.js';
