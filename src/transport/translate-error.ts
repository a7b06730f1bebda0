// The one place where ssh2 / node / undici errors become VnfErrors. Messages name the hop
// (user@host:port, index) and never carry credentials or appliance output.
import { VnfError, type VnfErrorCode } from '../errors.js';

/** Where an error happened, for messages: "hop 1 (jump vnfjump@198.51.100.3:22)". */
export interface HopRef {
  label: string;
  index: number;
  role: 'jump' | 'target' | 'proxy' | 'direct';
}

export const describeHop = (ref: HopRef): string => `hop ${ref.index} (${ref.role} ${ref.label})`;

interface ErrLike { code?: unknown; level?: unknown; message?: unknown }

const NET_CODES: Record<string, VnfErrorCode> = {
  ENOTFOUND: 'VNF_ERR_NET_DNS',
  EAI_AGAIN: 'VNF_ERR_NET_DNS',
  EAI_FAIL: 'VNF_ERR_NET_DNS',
  ECONNREFUSED: 'VNF_ERR_NET_CONNECT',
  EHOSTUNREACH: 'VNF_ERR_NET_CONNECT',
  ENETUNREACH: 'VNF_ERR_NET_CONNECT',
  ECONNRESET: 'VNF_ERR_NET_CONNECT',
  EPIPE: 'VNF_ERR_NET_CONNECT',
  ETIMEDOUT: 'VNF_ERR_NET_TIMEOUT',
};

const fields = (err: unknown): { code: string; level: string; message: string } => {
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrLike;
  return {
    code: typeof e.code === 'string' ? e.code : '',
    level: typeof e.level === 'string' ? e.level : '',
    message: typeof e.message === 'string' ? e.message : String(err),
  };
};

/** Errors while dialling / logging in to an SSH hop. */
export function translateSshError(err: unknown, ref: HopRef): VnfError {
  if (err instanceof VnfError) return err;
  const { code, level, message } = fields(err);
  const where = describeHop(ref);
  const netCode = NET_CODES[code];
  if (netCode) return new VnfError(netCode, `${where}: ${code}`, { cause: err });
  if (level === 'client-dns') return new VnfError('VNF_ERR_NET_DNS', `${where}: host name did not resolve`, { cause: err });
  if (level === 'client-authentication') {
    return new VnfError('VNF_ERR_SSH_AUTH', `${where}: authentication refused`, { cause: err });
  }
  if (level === 'client-timeout') {
    return new VnfError('VNF_ERR_NET_TIMEOUT', `${where}: SSH handshake/authentication did not complete in time`, { cause: err });
  }
  if (level === 'handshake' || level === 'protocol') {
    // ssh2 messages here are protocol descriptions (no secrets), useful for algorithm mismatches
    return new VnfError('VNF_ERR_SSH_HANDSHAKE', `${where}: SSH handshake failed: ${message.slice(0, 200)}`, { cause: err });
  }
  if (/keepalive|No response from server/i.test(message)) {
    return new VnfError('VNF_ERR_SSH_DISCONNECTED', `${where}: keepalive unanswered`, { cause: err, stage: 'timeout' });
  }
  return new VnfError('VNF_ERR_SSH_HANDSHAKE', `${where}: SSH connection failed`, { cause: err });
}

/** Marks errors raised before anything reached the appliance (safe to retry elsewhere). */
export const NOT_SENT = Object.freeze({ sent: false });
export const wasNotSent = (err: unknown): boolean => err instanceof VnfError && err.details === NOT_SENT;

/** Errors from opening a channel: a forward (direct-tcpip) or a session (exec/shell). */
export function translateChannelError(err: unknown, ref: HopRef, kind: 'forward' | 'session', what: string): VnfError {
  if (err instanceof VnfError) return err;
  const { message } = fields(err);
  const where = describeHop(ref);
  if (/Not connected|No response|closed/i.test(message) && !/Channel open failure/.test(message)) {
    return new VnfError('VNF_ERR_SSH_DISCONNECTED', `${where}: connection lost before ${what}`, { cause: err, details: NOT_SENT });
  }
  const reason = /Channel open failure: (.{0,120})/.exec(message)?.[1] ?? 'refused';
  return kind === 'forward'
    ? new VnfError('VNF_ERR_SSH_FORWARD', `${where}: forward to ${what} refused: ${reason}`, { cause: err, details: NOT_SENT })
    : new VnfError('VNF_ERR_SSH_CHANNEL', `${where}: ${what} channel refused: ${reason}`, { cause: err, details: NOT_SENT });
}

/** Errors from a plain TCP connect (direct dialer, proxy). */
export function translateNetError(err: unknown, ref: HopRef): VnfError {
  if (err instanceof VnfError) return err;
  const { code } = fields(err);
  const netCode = NET_CODES[code] ?? 'VNF_ERR_NET_CONNECT';
  return new VnfError(netCode, `${describeHop(ref)}: ${code || 'connect failed'}`, { cause: err });
}

const TLS_VERIFY_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'INVALID_CA',
  'CERT_CHAIN_TOO_LONG', 'INVALID_PURPOSE', 'HOSTNAME_MISMATCH',
]);

export function translateTlsError(err: unknown, target: string): VnfError {
  if (err instanceof VnfError) return err;
  const { code } = fields(err);
  if (TLS_VERIFY_CODES.has(code)) {
    return new VnfError('VNF_ERR_TLS_VERIFY', `${target}: certificate did not verify (${code})`, { cause: err });
  }
  return new VnfError('VNF_ERR_TLS_HANDSHAKE', `${target}: TLS handshake failed${code ? ` (${code})` : ''}`, { cause: err });
}

/** undici request errors (connect errors arrive already translated). */
export function translateHttpError(err: unknown, target: string): VnfError {
  if (err instanceof VnfError) return err;
  const { code } = fields(err);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new VnfError('VNF_ERR_HTTP_TIMEOUT', `${target}: no answer in time (${code})`, { cause: err });
  }
  if (code.startsWith('ERR_TLS') || TLS_VERIFY_CODES.has(code)) return translateTlsError(err, target);
  return new VnfError('VNF_ERR_HTTP_PROTOCOL', `${target}: request failed${code ? ` (${code})` : ''}`, { cause: err });
}
