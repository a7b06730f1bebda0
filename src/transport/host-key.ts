// Host-key decisions for one SSH hop: pin → must match; otherwise the known-hosts store and the
// policy (tofu = OpenSSH accept-new, strict). A changed key is always refused.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { VnfError } from '../errors.js';
import type { KnownHostKey, KnownHostsStore } from './known-hosts.js';
import type { HostKeyPolicy } from './types.js';

/** OpenSSH form: "SHA256:" + base64 (no padding) of SHA-256 over the raw key blob. */
export const sshFingerprint = (key: Buffer): string =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;

/** Key type from the blob's first SSH string (e.g. "ssh-ed25519"). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

const fingerprintBytes = (fp: string): Buffer => Buffer.from(fp.trim().replace(/^SHA256:/i, '').replace(/=+$/, ''), 'base64');

/** Constant-time comparison of two OpenSSH SHA-256 fingerprints. */
export function fingerprintsEqual(a: string, b: string): boolean {
  const x = fingerprintBytes(a);
  const y = fingerprintBytes(b);
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
}

const sameKey = (a: KnownHostKey, key: Buffer): boolean => a.key.length === key.length && timingSafeEqual(a.key, key);

export interface HostKeyCheckOptions {
  /** known-hosts name of this hop */
  name: string;
  /** "hop 0 (jump user@host:22)" for messages */
  where: string;
  hopIndex: number;
  pin?: string;
  policy: HostKeyPolicy;
  store: KnownHostsStore;
  audit: AuditSink;
  auditBase: Omit<AuditEvent, 'type'>;
}

/**
 * verify() runs inside ssh2's hostVerifier (must not throw); a refusal reason is kept in `failure`
 * because ssh2 only reports "Host denied". A new key (tofu) is learned in commit(), called on the
 * client's 'handshake' event, i.e. once the server proved it holds the key.
 */
export class HostKeyCheck {
  failure: VnfError | undefined;
  private pending: KnownHostKey | undefined;

  constructor(private readonly o: HostKeyCheckOptions) {}

  verify(key: Buffer): boolean {
    try {
      this.failure = this.decide(key);
    } catch (err) {
      this.failure = err instanceof VnfError ? err : new VnfError('VNF_ERR_SSH_HANDSHAKE', `${this.o.where}: host key check failed`, { cause: err });
    }
    return this.failure === undefined;
  }

  commit(): void {
    const k = this.pending;
    if (!k) return;
    this.pending = undefined;
    // audit first: if the record cannot be written the key is not trusted
    this.audit('hostkey.learned', k, 'success');
    this.o.store.add(this.o.name, k);
  }

  private decide(key: Buffer): VnfError | undefined {
    const type = keyTypeOf(key);
    const fp = sshFingerprint(key);
    const { name, where, pin } = this.o;
    if (pin) {
      if (fingerprintsEqual(fp, pin)) return undefined;
      this.audit('hostkey.rejected', { type, key }, 'denied', 'VNF_ERR_SSH_HOSTKEY_MISMATCH', { reason: 'pin mismatch' });
      return new VnfError('VNF_ERR_SSH_HOSTKEY_MISMATCH', `${where}: host key ${fp} does not match the pinned fingerprint`);
    }
    const known = this.o.store.lookup(name);
    if (known.some((k) => sameKey(k, key))) return undefined;
    if (known.length > 0) {
      this.audit('hostkey.rejected', { type, key }, 'denied', 'VNF_ERR_SSH_HOSTKEY_CHANGED', {
        reason: 'changed', known_fingerprints: known.map((k) => sshFingerprint(k.key)),
      });
      return new VnfError('VNF_ERR_SSH_HOSTKEY_CHANGED', `${where}: host key for ${name} changed (now ${fp}); refusing`);
    }
    if (this.o.policy === 'strict') {
      this.audit('hostkey.rejected', { type, key }, 'denied', 'VNF_ERR_SSH_HOSTKEY_UNKNOWN', { reason: 'unknown, policy strict' });
      return new VnfError('VNF_ERR_SSH_HOSTKEY_UNKNOWN', `${where}: no known or pinned host key for ${name} (policy strict; offered ${fp})`);
    }
    this.pending = { type, key };
    return undefined;
  }

  private audit(type: 'hostkey.learned' | 'hostkey.rejected', k: KnownHostKey, outcome: AuditEvent['outcome'],
    error_code?: string, extra: Record<string, unknown> = {}): void {
    this.o.audit.append({
      ...this.o.auditBase,
      type,
      outcome,
      ...(error_code ? { error_code } : {}),
      detail: { kind: 'ssh', host: this.o.name, hop_index: this.o.hopIndex, key_type: k.type, fingerprint: sshFingerprint(k.key), ...extra },
    });
  }
}
