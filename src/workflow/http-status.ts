// Non-2xx answers of appliance HTTP APIs become VNF_ERR_HTTP_STATUS. Well-known JSON error
// envelopes (RESTCONF ietf-restconf:errors, {"error": {"code"}} ...) contribute only their
// standardised tokens (error-tag, app tag, code) — appliance text never reaches messages.
import { VnfError } from '../errors.js';

export interface HttpStatusDetails {
  status: number;
  connection: string;
  /** RESTCONF error-tag (RFC 8040 §7), e.g. "data-exists", "invalid-value", "access-denied" */
  error_tag?: string;
  error_app_tag?: string;
  /** a short code token from a generic {"error": {"code": ...}} / {"code": ...} envelope */
  error_code?: string;
}

const TOKEN = /^[A-Za-z0-9_.:-]{1,64}$/;
const token = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number') && TOKEN.test(String(v)) ? String(v) : undefined;
const obj = (v: unknown): Record<string, unknown> | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : undefined);

/** Extracts the tokens of a JSON error envelope; undefined fields when the body is not one. */
export function errorEnvelopeTokens(body: string): Pick<HttpStatusDetails, 'error_tag' | 'error_app_tag' | 'error_code'> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return {};
  }
  const root = obj(json);
  if (!root) return {};
  const restconf = obj(root['ietf-restconf:errors']) ?? obj(root.errors);
  const list = restconf?.error;
  const first = obj(Array.isArray(list) ? list[0] : list);
  if (first) {
    const tag = token(first['error-tag']);
    const app = token(first['error-app-tag']);
    if (tag !== undefined || app !== undefined) return { ...(tag ? { error_tag: tag } : {}), ...(app ? { error_app_tag: app } : {}) };
  }
  const generic = obj(root.error) ?? root;
  const code = token(generic.code) ?? token(generic.errorcode) ?? token(generic.error_code);
  return code !== undefined ? { error_code: code } : {};
}

/** Throws VNF_ERR_HTTP_STATUS for a status that is not success: any 2xx, or one of `expected` when given. */
export function checkHttpStatus(status: number, body: string, connection: string, expected?: readonly number[]): void {
  if (expected ? expected.includes(status) : status >= 200 && status < 300) return;
  const tokens = errorEnvelopeTokens(body);
  const details: HttpStatusDetails = { status, connection, ...tokens };
  const what = tokens.error_tag ?? tokens.error_code;
  const wanted = expected && status >= 200 && status < 300 ? `; expected ${expected.join(', ')}` : '';
  throw new VnfError('VNF_ERR_HTTP_STATUS', `connection '${connection}': HTTP ${status}${what ? ` (${what}${tokens.error_app_tag ? `/${tokens.error_app_tag}` : ''})` : ''}${wanted}`,
    { details, ...(status === 401 || status === 403 ? { stage: 'auth' as const } : {}) });
}
