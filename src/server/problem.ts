// RFC 9457 problem responses built from VnfErrors: {type, title, status, detail, code, request_id},
// plus structured `errors` for validation problems. Never a stack trace, output or secret.
import { ERROR_CATALOGUE, asVnfError, type VnfError, type VnfErrorCode } from '../errors.js';
import type { Redactor } from '../audit/index.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: VnfErrorCode;
  request_id: string;
  retryable: boolean;
  /** validation problems: field problems, line-numbered diagnostics */
  errors?: unknown[];
}

export function problemType(code: VnfErrorCode): string {
  return `urn:vnf-broker:problem:${code}`;
}

/** Only these shapes of `details` are passed on: arrays of small records of scalar fields. */
function safeDetails(details: unknown): unknown[] | undefined {
  if (!Array.isArray(details)) return undefined;
  return details.slice(0, 100).map((item: unknown) => {
    if (item === null || typeof item !== 'object') return String(item).slice(0, 500);
    const out: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(item as Record<string, unknown>)) {
      if (typeof v === 'string') out[k] = v.slice(0, 500);
      else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    }
    return out;
  });
}

export function toProblem(error: unknown, requestId: string, redactor?: Redactor): Problem {
  const e: VnfError = asVnfError(error);
  const spec = ERROR_CATALOGUE[e.code];
  // internal errors say nothing: the cause may hold anything (output, paths, secrets)
  const raw = e.code === 'VNF_ERR_BROKER_INTERNAL' ? 'internal error; see the broker log for this request id' : e.message;
  const detail = redactor ? redactor.text(raw) : raw;
  const errors = safeDetails(e.details);
  return {
    type: problemType(e.code),
    title: spec.summary,
    status: e.httpStatus,
    detail: detail.slice(0, 4000),
    code: e.code,
    request_id: requestId,
    retryable: e.retryable,
    ...(errors && e.code !== 'VNF_ERR_BROKER_INTERNAL' ? { errors: redactor ? redactor.value(errors) as unknown[] : errors } : {}),
  };
}
