// undici / node errors on the way to the CloudStack API, as VnfErrors. Messages name the endpoint's
// origin only (never the query, which carries apikey and signature); causes keep only the error code.
import { VnfError } from '../errors.js';

const UNREACHABLE = new Set([
  'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED',
]);
const TIMEOUT = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']);
const TLS = /^(ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|CERT_|INVALID_CA$|HOSTNAME_MISMATCH$)/;

const codeOf = (err: unknown): string => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  if (e && typeof e.code === 'string') return e.code;
  if (e && e.cause && typeof e.cause.code === 'string') return e.cause.code;
  return '';
};

/** Translates a failed undici request; `timedOut` is true when our own per-request deadline fired. */
export function translateCsNetError(err: unknown, origin: string, timedOut: boolean): VnfError {
  if (err instanceof VnfError) return err;
  const code = codeOf(err);
  const cause = { code: code || 'unknown' };
  if (timedOut || TIMEOUT.has(code)) {
    return new VnfError('VNF_ERR_CS_TIMEOUT', `CloudStack API ${origin} did not answer in time${code ? ` (${code})` : ''}`, { cause });
  }
  if (TLS.test(code)) {
    return new VnfError('VNF_ERR_CS_TLS', `CloudStack API ${origin}: TLS certificate did not verify or handshake failed (${code})`, { cause });
  }
  if (UNREACHABLE.has(code)) {
    return new VnfError('VNF_ERR_CS_UNREACHABLE', `CloudStack API ${origin} unreachable (${code})`, { cause });
  }
  const name = (err as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED') {
    return new VnfError('VNF_ERR_WORKFLOW_CANCELLED', `CloudStack API call to ${origin} was cancelled`, { cause });
  }
  return new VnfError('VNF_ERR_CS_UNREACHABLE', `CloudStack API ${origin}: request failed${code ? ` (${code})` : ''}`, { cause });
}
