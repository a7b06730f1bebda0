// Redaction applied before anything reaches the audit file or the application log: credential-named
// fields, sensitive headers, known secret values in any of their encodings, and common inline forms.
import { buildSecretPattern } from './secret-variants.js';

export const REDACTED = '***';

/** Keys (compared lower-case without `-`, `_`, `.`, spaces) whose values are always redacted. */
const SENSITIVE_KEY = /(?:password|passwd|passphrase|secret|secretkey|accesskey|token|apikey|privatekey|authorization|cookie|credentials?|sessionid|presharedkey|psk|community)$/;

const HEADER_LINE = /\b((?:proxy-)?authorization|set-cookie|cookie|x-api-key|api-key|x-auth-token)(\s*:\s*)(?!\*\*\*)([^\r\n'"]+)/gi;
const JSON_MEMBER = /("([\w.-]*)"\s*:\s*)"((?:[^"\\]|\\.)*)"/g;
const KEY_VALUE = /(^|[?&;\s"'-])([A-Za-z][\w.-]*)=([^&#\s;"']*)/g;
const CLI_SECRET = /\b(password|secret|passphrase|pre-shared-key|key-string|community)((?: +[0-9]{1,2})?) +(?!\*\*\*)(\S+)/gi;
const URL_USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@/\s]+)(@)/gi;

/** Redaction knobs that come with one event rather than with the sink. */
export interface RedactExtra {
  secrets?: readonly string[];
  /** extra key names (e.g. data fields typed `secret`) */
  fields?: readonly string[];
}

function normaliseKey(name: string): string {
  return name.toLowerCase().replace(/[-_. ]/g, '');
}

interface Matcher { pattern: RegExp; maxLength: number; minLength: number }

const keyVerdicts = new Map<string, boolean>();

/**
 * text() results for short strings, per matcher: record after record repeats the same ids, names,
 * addresses, path hops and principals, each of which would be scanned again. Bounded.
 */
const MEMO_MAX_LENGTH = 160;
const MEMO_MAX_ENTRIES = 1024;

class TextMemo {
  private readonly entries = new Map<string, string>();
  constructor(readonly matcher: Matcher | undefined) {}

  get(input: string): string | undefined {
    return this.entries.get(input);
  }

  set(input: string, output: string): void {
    if (this.entries.size >= MEMO_MAX_ENTRIES) this.entries.clear();
    this.entries.set(input, output);
  }
}

export class Redactor {
  private readonly secrets = new Set<string>();
  private base: Matcher | undefined;
  private readonly cache = new Map<string, Matcher | undefined>();
  private epoch = 0;
  private lastExtra: readonly string[] | undefined;
  private lastMatcher: Matcher | undefined;
  private lastMatcherEpoch = -1;
  /** one memo for calls without per-call secrets, one for the per-call matcher used last */
  private baseMemo = new TextMemo(undefined);
  private extraMemo = new TextMemo(undefined);

  constructor(secrets: Iterable<string> = []) {
    this.addSecrets(secrets);
  }

  /** Registers process-wide secrets (e.g. the CloudStack secret key); per-call secrets go in RedactExtra. */
  addSecrets(values: Iterable<unknown>): void {
    let changed = false;
    for (const value of values) {
      if (typeof value === 'string' && value !== '' && !this.secrets.has(value)) {
        this.secrets.add(value);
        changed = true;
      }
    }
    if (changed) {
      this.base = buildSecretPattern(this.secrets);
      this.cache.clear();
      this.epoch += 1;
    }
  }

  isSensitiveKey(name: string, extra?: RedactExtra): boolean {
    let known = keyVerdicts.get(name);
    if (known === undefined) {
      known = SENSITIVE_KEY.test(normaliseKey(name));
      // record field names repeat endlessly; cap the cache against hostile key floods
      if (keyVerdicts.size < 4096) keyVerdicts.set(name, known);
    }
    if (known) return true;
    if (!extra?.fields || extra.fields.length === 0) return false;
    const key = normaliseKey(name);
    return extra.fields.some((f) => normaliseKey(f) === key);
  }

  /** Redacts one piece of free text (command, URL, body, output, message). */
  text(input: string, extra?: RedactExtra): string {
    const matcher = this.matcher(extra?.secrets);
    // extra key names change what KEY_VALUE / JSON_MEMBER redact: memoise only without them
    if (input.length > MEMO_MAX_LENGTH || (extra?.fields !== undefined && extra.fields.length > 0)) return this.scan(input, matcher, extra);
    const memo = this.memoFor(matcher);
    const known = memo.get(input);
    if (known !== undefined) return known;
    const out = this.scan(input, matcher, extra);
    memo.set(input, out);
    return out;
  }

  private memoFor(matcher: Matcher | undefined): TextMemo {
    if (matcher === this.base) {
      if (this.baseMemo.matcher !== matcher) this.baseMemo = new TextMemo(matcher);
      return this.baseMemo;
    }
    if (this.extraMemo.matcher !== matcher) this.extraMemo = new TextMemo(matcher);
    return this.extraMemo;
  }

  private scan(input: string, matcher: Matcher | undefined, extra: RedactExtra | undefined): string {
    let out = input;
    // a literal alternation cannot match text shorter than its shortest alternative (ids, names,
    // addresses against key- or password-sized secrets): skip the scan
    if (matcher && out.length >= matcher.minLength) out = out.replace(matcher.pattern, REDACTED);
    // cheap guards first: most strings (ids, names, addresses) cannot match the patterns below
    const hasColon = out.includes(':');
    if (hasColon && out.includes('://')) out = out.replace(URL_USERINFO, `$1${REDACTED}$3`);
    if (hasColon) out = out.replace(HEADER_LINE, `$1$2${REDACTED}`);
    if (out.includes(' ')) out = out.replace(CLI_SECRET, `$1$2 ${REDACTED}`);
    if (out.includes('=')) {
      out = out.replace(KEY_VALUE, (m, pre: string, key: string) => (this.isSensitiveKey(key, extra) ? `${pre}${key}=${REDACTED}` : m));
    }
    if (out.includes('"')) {
      out = out.replace(JSON_MEMBER, (m, head: string, key: string) => (this.isSensitiveKey(key, extra) ? `${head}"${REDACTED}"` : m));
    }
    return out;
  }

  /** Deep copy with sensitive keys replaced and every string scrubbed. */
  value(input: unknown, extra?: RedactExtra, depth = 0): unknown {
    if (typeof input === 'string') return this.text(input, extra);
    if (input === null || typeof input !== 'object') return input;
    if (depth > 32) return REDACTED;
    if (Array.isArray(input)) return input.map((item: unknown) => this.value(item, extra, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, member] of Object.entries(input as Record<string, unknown>)) {
      out[key] = this.isSensitiveKey(key, extra) && member !== undefined && member !== null
        ? REDACTED
        : this.value(member, extra, depth + 1);
    }
    return out;
  }

  /** Headers: sensitive names always redacted, other values scrubbed as text. */
  headers(headers: Record<string, string>, extra?: RedactExtra): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      out[name] = this.isSensitiveKey(name, extra) ? REDACTED : this.text(String(value), extra);
    }
    return out;
  }

  /**
   * A redacted excerpt of at most maxBytes UTF-8 bytes. Redaction runs on a window longer than the
   * excerpt by the longest secret spelling, so a secret straddling the cut is still caught.
   */
  excerpt(raw: string, maxBytes: number, extra?: RedactExtra): string {
    const longest = this.matcher(extra?.secrets)?.maxLength ?? 0;
    const redacted = this.text(raw.slice(0, maxBytes + longest + 1024), extra);
    return truncateUtf8(redacted, maxBytes);
  }

  private matcher(extraSecrets?: readonly string[]): Matcher | undefined {
    if (extraSecrets === undefined || extraSecrets.length === 0) return this.base;
    // callers pass the same secrets for one appliance, usually in a fresh array per record (the
    // transport merges connection, run and prompt secrets): compare by content, not identity, and
    // skip the per-call key building. The copy keeps a caller's later mutation from aliasing it.
    if (this.lastMatcherEpoch === this.epoch && this.lastExtra !== undefined && sameStrings(extraSecrets, this.lastExtra)) return this.lastMatcher;
    const found = this.lookup(extraSecrets);
    this.lastExtra = [...extraSecrets];
    this.lastMatcher = found;
    this.lastMatcherEpoch = this.epoch;
    return found;
  }

  private lookup(extraSecrets: readonly string[]): Matcher | undefined {
    const fresh = extraSecrets.filter((s) => typeof s === 'string' && s !== '' && !this.secrets.has(s));
    if (fresh.length === 0) return this.base;
    const key = fresh.join('\u0000');
    if (this.cache.has(key)) return this.cache.get(key);
    const built = buildSecretPattern([...this.secrets, ...fresh]);
    if (this.cache.size >= 64) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, built);
    return built;
  }
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

/** Cuts a string to at most maxBytes of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length <= maxBytes / 3) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

/** String values found under credential-named keys anywhere in an object (e.g. an appliance context). */
export function collectSecrets(source: unknown, redactor = new Redactor(), depth = 0): string[] {
  const found: string[] = [];
  if (source === null || typeof source !== 'object' || depth > 16) return found;
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (typeof value === 'string') {
      // `credentials` itself is a container (username is not a secret): only leaf names count here
      if (value !== '' && redactor.isSensitiveKey(key) && !/^credentials?$/i.test(key)) found.push(value);
    } else if (value !== null && typeof value === 'object') {
      found.push(...collectSecrets(value, redactor, depth + 1));
    }
  }
  return found;
}
