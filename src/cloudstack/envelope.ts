// CloudStack JSON envelopes: {"<command>response": {...}} unwrapping, list normalisation (the empty
// list is {"listxresponse":{}} with no count), and API errors mapped to VnfError codes.
import { VnfError, type VnfErrorCode } from '../errors.js';

export type CsObject = Record<string, unknown>;

/** Secret-free facts about a failed call, carried in VnfError.details. */
export interface CsErrorDetails {
  command: string;
  http_status?: number;
  errorcode?: number;
  cserrorcode?: number;
  jobid?: string;
}

export interface CsList<T = CsObject> {
  count: number;
  items: T[];
  /** the object name the server used (virtualmachine, zone ...); absent for an empty list */
  name?: string;
}

const isObject = (v: unknown): v is CsObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Removes every occurrence of the given secrets and bounds the length. */
export function scrub(text: string, secrets: readonly string[], max = 400): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  out = out.replace(/[\r\n\t]+/g, ' ');
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** Finds the `<command>response` object (or the one `...response` key: errorresponse, renamed commands). */
export function unwrapEnvelope(command: string, body: unknown): CsObject | undefined {
  if (!isObject(body)) return undefined;
  const expected = `${command.toLowerCase()}response`;
  const direct = body[expected];
  if (isObject(direct)) return direct;
  const keys = Object.keys(body).filter((k) => k.toLowerCase().endsWith('response') && isObject(body[k]));
  if (keys.length === 1 && keys[0] !== undefined) return body[keys[0]] as CsObject;
  return undefined;
}

const PARAM_CODES = new Set([405, 430, 431, 432]);
const BUSY_CODES = new Set([429, 503, 533, 534, 535, 536]);

export function codeForStatus(status: number): VnfErrorCode {
  if (status === 401 || status === 411) return 'VNF_ERR_CS_AUTH';
  if (PARAM_CODES.has(status)) return 'VNF_ERR_CS_PARAM';
  if (BUSY_CODES.has(status)) return 'VNF_ERR_CS_UNAVAILABLE';
  return 'VNF_ERR_CS_API_ERROR';
}

const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/**
 * The error a response stands for, or undefined for success. CloudStack sets the HTTP status to
 * errorcode; either one is enough.
 */
export function errorFromResponse(
  command: string, status: number, inner: CsObject | undefined, secrets: readonly string[],
): VnfError | undefined {
  const errorcode = num(inner?.errorcode);
  if (status < 400 && errorcode === undefined) return undefined;
  const code = codeForStatus(errorcode ?? status);
  const text = typeof inner?.errortext === 'string' ? scrub(inner.errortext, secrets) : undefined;
  const details: CsErrorDetails = { command, http_status: status };
  if (errorcode !== undefined) details.errorcode = errorcode;
  const cs = num(inner?.cserrorcode);
  if (cs !== undefined) details.cserrorcode = cs;
  const what = code === 'VNF_ERR_CS_AUTH' ? 'refused the credentials or signature' : 'returned an error';
  const tail = text ? `: ${text}` : inner ? '' : ' (no CloudStack error body)';
  return new VnfError(code, `CloudStack ${command} ${what} (HTTP ${status}${errorcode !== undefined && errorcode !== status ? `, errorcode ${errorcode}` : ''})${tail}`, { details });
}

/** A job's failure (jobstatus 2): jobresult holds errorcode/errortext. */
export function jobFailure(command: string, jobid: string, jobresult: unknown, secrets: readonly string[]): VnfError {
  const r = isObject(jobresult) ? jobresult : {};
  const errorcode = num(r.errorcode);
  const text = typeof r.errortext === 'string' ? scrub(r.errortext, secrets) : 'no errortext';
  const details: CsErrorDetails = { command, jobid };
  if (errorcode !== undefined) details.errorcode = errorcode;
  return new VnfError('VNF_ERR_CS_JOB_FAILED',
    `CloudStack async job ${jobid} (${command}) failed${errorcode === undefined ? '' : ` (errorcode ${errorcode})`}: ${text}`, { details });
}

/**
 * A list response as {count, items}: {"count":N,"<name>":[...]} or the empty shape {}. A single
 * object-valued field (listCaCertificate's cacertificates) becomes a one-item list.
 */
export function normaliseList<T = CsObject>(inner: CsObject): CsList<T> {
  const arrays = Object.entries(inner).filter(([, v]) => Array.isArray(v));
  if (arrays.length === 1 && arrays[0]) {
    const [name, items] = arrays[0] as [string, T[]];
    return { count: num(inner.count) ?? items.length, items, name };
  }
  const objects = Object.entries(inner).filter(([k, v]) => k !== 'count' && isObject(v));
  if (arrays.length === 0 && objects.length === 1 && objects[0]) {
    const [name, item] = objects[0] as [string, T];
    return { count: 1, items: [item], name };
  }
  if (arrays.length === 0 && objects.length === 0) return { count: num(inner.count) ?? 0, items: [] };
  throw new VnfError('VNF_ERR_CS_RESPONSE', `CloudStack list response has ${arrays.length} array fields; cannot tell which holds the items`);
}
