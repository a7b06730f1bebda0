// TLS to appliances, always verified: a CA (chain + name), or a pinned certificate used as the
// only trust anchor plus a fingerprint check. Unknown certs are learned (tofu) by a probe
// handshake that is closed before any application data, then trusted like a pin.
import { timingSafeEqual, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { VnfError } from '../errors.js';
import { normaliseFingerprint, type KnownCertsStore } from './known-certs.js';
import { translateTlsError } from './translate-error.js';
import type { HostKeyPolicy, TlsTrust } from './types.js';

export interface TlsConnectOptions {
  host: string;
  port: number;
  trust: TlsTrust;
  store: KnownCertsStore;
  /** name in the store (appliance-qualified: isolated networks reuse addresses) */
  storeName: string;
  policy: HostKeyPolicy;
  audit: AuditSink;
  auditBase: Omit<AuditEvent, 'type'>;
  /** raw stream factory (called twice on first use: probe + real) */
  dial: () => Promise<Duplex>;
}

const fpEqual = (a: string, b: string): boolean => {
  const x = Buffer.from(a.replace(/:/g, ''), 'hex');
  const y = Buffer.from(b.replace(/:/g, ''), 'hex');
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y);
};

const pemOf = (cert: PeerCertificate): string => new X509Certificate(cert.raw).toString();

/** One handshake on `socket`; `capture` sees the peer cert even when verification fails. */
function handshake(socket: Duplex, opts: ConnectionOptions, capture?: (c: PeerCertificate) => void): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const tls = tlsConnect({ ...opts, socket, rejectUnauthorized: true });
    // 'secure' fires before Node's own verification handler (which destroys a failed socket)
    if (capture) tls.prependOnceListener('secure', () => capture(tls.getPeerCertificate(true)));
    tls.once('secureConnect', () => {
      tls.removeAllListeners('error');
      tls.on('error', () => tls.destroy());
      resolve(tls);
    });
    tls.once('error', (err) => {
      tls.destroy();
      reject(err);
    });
  });
}

export async function connectTls(o: TlsConnectOptions): Promise<TLSSocket> {
  const target = `${o.host}:${o.port}`;
  const name = o.trust.servername ?? o.host;
  const base: ConnectionOptions = { host: name, ...(isIP(name) ? {} : { servername: name }) };
  const pin = o.trust.fingerprint256 ? normaliseFingerprint(o.trust.fingerprint256) : undefined;

  if (o.trust.ca !== undefined || o.trust.mode === 'ca') {
    // CA-verified: chain and name; a pin, if also given, must match too
    const check = pin ? pinCheck(pin) : undefined;
    return handshake(await o.dial(), { ...base, ...(o.trust.ca ? { ca: o.trust.ca } : {}), ...(check ? { checkServerIdentity: check } : {}) })
      .catch((err: unknown) => { throw translateTlsError(err, target); });
  }

  let known = o.store.get(o.storeName);
  if (!known || (pin && !fpEqual(known.fingerprint256, pin))) {
    if (!pin && o.policy === 'strict') {
      audit(o, 'hostkey.rejected', 'denied', 'VNF_ERR_TLS_VERIFY', { reason: 'unknown, policy strict' });
      throw new VnfError('VNF_ERR_TLS_VERIFY', `${target}: no pinned or known certificate (policy strict)`);
    }
    const cert = await probe(o, base, target);
    const fp = normaliseFingerprint(cert.fingerprint256);
    if (pin && !fpEqual(fp, pin)) {
      audit(o, 'hostkey.rejected', 'denied', 'VNF_ERR_TLS_VERIFY', { reason: 'pin mismatch', fingerprint256: fp });
      throw new VnfError('VNF_ERR_TLS_VERIFY', `${target}: certificate ${fp} does not match the pinned fingerprint`);
    }
    known = { fingerprint256: fp, pem: pemOf(cert), learned_at: new Date().toISOString() };
    audit(o, 'hostkey.learned', 'success', undefined, { reason: pin ? 'pinned' : 'first use', fingerprint256: fp });
    o.store.set(o.storeName, known);
  }

  // the known cert is the only trust anchor (partial chain: a pinned leaf need not be self-signed)
  let presented: string | undefined;
  const expected = known.fingerprint256;
  try {
    return await handshake(await o.dial(), { ...base, ca: known.pem, allowPartialTrustChain: true, checkServerIdentity: pinCheck(expected) },
      (c) => { presented = normaliseFingerprint(c.fingerprint256); });
  } catch (err) {
    if (presented && !fpEqual(presented, expected)) {
      audit(o, 'hostkey.rejected', 'denied', 'VNF_ERR_TLS_CERT_CHANGED', { reason: 'changed', fingerprint256: presented, known_fingerprint256: expected });
      throw new VnfError('VNF_ERR_TLS_CERT_CHANGED', `${target}: certificate changed (now ${presented}); refusing`, { cause: err });
    }
    throw translateTlsError(err, target);
  }
}

/** Replaces the name check by the fingerprint check: pinned certs often name no IP. */
const pinCheck = (expected: string) => (_host: string, cert: PeerCertificate): Error | undefined =>
  fpEqual(normaliseFingerprint(cert.fingerprint256), expected)
    ? undefined
    : Object.assign(new Error('certificate fingerprint does not match the pin'), { code: 'CERT_REJECTED' });

/** Reads the peer certificate; the socket is destroyed before any application data. */
async function probe(o: TlsConnectOptions, base: ConnectionOptions, target: string): Promise<PeerCertificate> {
  let cert: PeerCertificate | undefined;
  const sock = await o.dial();
  try {
    const tls = await handshake(sock, base, (c) => { cert = c; });
    tls.destroy();
  } catch {
    // expected for self-signed certificates: verification failed, the cert was captured
  }
  sock.destroy();
  if (!cert?.raw) throw new VnfError('VNF_ERR_TLS_HANDSHAKE', `${target}: no certificate received`);
  return cert;
}

function audit(o: TlsConnectOptions, type: 'hostkey.learned' | 'hostkey.rejected', outcome: AuditEvent['outcome'],
  error_code: string | undefined, detail: Record<string, unknown>): void {
  o.audit.append({ ...o.auditBase, type, outcome, ...(error_code ? { error_code } : {}), detail: { kind: 'tls', host: o.storeName, ...detail } });
}
