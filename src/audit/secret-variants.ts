// The spellings under which a known secret can appear in text the broker records: raw, percent- and
// form-encoded, JSON-escaped, and base64 (whole, and the fragments stable at any offset in a longer blob).

/** Base64 fragments shorter than this are not redacted on their own: too likely to hit innocent text. */
const MIN_FRAGMENT = 6;
/**
 * Secret values shorter than this are not searched for inside text (a 1-3 character value would
 * shred every word it occurs in); they are still redacted as values of credential-named fields,
 * sensitive headers and `key=value` pairs.
 */
export const MIN_SECRET_LENGTH = 4;

function base64Fragments(secret: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  // A secret at byte offset k (mod 3) inside a larger blob: only the characters whose 6 bits come
  // entirely from the secret are predictable; those are what we look for.
  for (let k = 0; k < 3; k += 1) {
    const encoded = Buffer.concat([Buffer.alloc(k), secret]).toString(alphabet);
    const start = Math.ceil((8 * k) / 6);
    const end = Math.floor((8 * (k + secret.length)) / 6);
    const fragment = encoded.slice(start, end);
    if (fragment.length >= MIN_FRAGMENT) out.push(fragment);
  }
  return out;
}

/** All variants of one secret, longest first. Secrets under MIN_SECRET_LENGTH yield nothing. */
export function secretVariants(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const variants = new Set<string>([secret]);
  const pct = encodeURIComponent(secret);
  variants.add(pct);
  variants.add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  variants.add(pct.replace(/%20/g, '+'));
  variants.add(new URLSearchParams({ v: secret }).toString().slice(2));
  variants.add(JSON.stringify(secret).slice(1, -1));
  const bytes = Buffer.from(secret, 'utf8');
  for (const alphabet of ['base64', 'base64url'] as const) {
    const whole = bytes.toString(alphabet);
    if (whole.length >= MIN_FRAGMENT || secret.length >= MIN_FRAGMENT) variants.add(whole);
    for (const fragment of base64Fragments(bytes, alphabet)) variants.add(fragment);
  }
  variants.delete('');
  return [...variants].sort((a, b) => b.length - a.length);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * One alternation regex over every variant of every secret (longest alternatives first), or
 * undefined; with the longest and shortest alternative's length (text shorter than `minLength`
 * cannot hold a match, so callers skip the scan).
 */
export function buildSecretPattern(secrets: Iterable<string>): { pattern: RegExp; maxLength: number; minLength: number } | undefined {
  const all = new Set<string>();
  for (const secret of secrets) for (const v of secretVariants(secret)) all.add(v);
  if (all.size === 0) return undefined;
  const sorted = [...all].sort((a, b) => b.length - a.length);
  return { pattern: new RegExp(sorted.map(escapeRegExp).join('|'), 'g'), maxLength: sorted[0]?.length ?? 0, minLength: sorted.at(-1)?.length ?? 0 };
}
