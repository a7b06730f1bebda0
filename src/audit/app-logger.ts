// The application logger (pino, JSON to stdout for journald): operational messages only, separate
// from the audit stream, with the same redaction (credential paths, sensitive keys, known secrets).
import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { REDACTED, Redactor } from './redact.js';

export interface AppLoggerOptions {
  level?: Level | 'silent';
  /** share the audit sink's redactor so secrets registered there are scrubbed here too */
  redactor?: Redactor;
  /** defaults to a synchronous stdout destination */
  destination?: DestinationStream;
  name?: string;
}

/**
 * Fixed (never user-supplied) redaction paths for pino's fast path; the log formatter below catches
 * everything else by key name and by value.
 */
export const APP_LOG_REDACT_PATHS = [
  'password', 'passphrase', 'private_key', 'api_key', 'api_secret', 'token', 'secret', 'secret_key', 'credentials',
  '*.password', '*.passphrase', '*.private_key', '*.api_key', '*.api_secret', '*.token', '*.secret', '*.secret_key',
  '*.credentials', 'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie',
  'headers["x-api-key"]', '*.headers["x-api-key"]',
];

function scrubError(error: Error, redactor: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = { type: error.name, message: redactor.text(error.message) };
  if (error.stack) out.stack = redactor.text(error.stack);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') out.code = code;
  return out;
}

function scrubLogObject(value: unknown, redactor: Redactor, depth = 0): unknown {
  if (value instanceof Error) return scrubError(value, redactor);
  if (value === null || typeof value !== 'object' || depth > 32) return redactor.value(value);
  if (Array.isArray(value)) return value.map((item: unknown) => scrubLogObject(item, redactor, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    out[key] = redactor.isSensitiveKey(key) && member !== undefined && member !== null
      ? REDACTED
      : scrubLogObject(member, redactor, depth + 1);
  }
  return out;
}

export function createAppLogger(options: AppLoggerOptions = {}): Logger {
  const redactor = options.redactor ?? new Redactor();
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino({
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: APP_LOG_REDACT_PATHS, censor: REDACTED },
    // the formatter below already turned errors into scrubbed objects: keep pino from re-serialising
    serializers: { err: (error: unknown) => error },
    formatters: {
      level: (label) => ({ level: label }),
      // runs before pino's serializers, so Errors (message, stack) are turned into scrubbed objects here
      log: (object) => scrubLogObject(object, redactor) as Record<string, unknown>,
    },
    hooks: {
      // messages and printf-style arguments are scrubbed before pino formats them
      logMethod(args, method) {
        const clean = args.map((arg: unknown) => {
          if (typeof arg === 'string') return redactor.text(arg);
          if (arg instanceof Error) return Object.assign(new Error(redactor.text(arg.message)), { name: arg.name, stack: arg.stack ? redactor.text(arg.stack) : undefined });
          return arg;
        });
        method.apply(this, clean as Parameters<typeof method>);
      },
    },
  }, destination);
}
