// The one catalogue of VnfError codes: every failure the broker reports carries one of these.
// Codes are never reused; the README's error table is checked against this file by a test.

export type ErrorStage =
  | 'dns' | 'connect' | 'proxy' | 'handshake' | 'hostkey' | 'auth' | 'exec'
  | 'prompt' | 'timeout' | 'parse' | 'template' | 'validation';

export interface ErrorSpec {
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly stage: ErrorStage;
  readonly summary: string;
}

const spec = (httpStatus: number, retryable: boolean, stage: ErrorStage, summary: string): ErrorSpec =>
  ({ httpStatus, retryable, stage, summary });

export const ERROR_CATALOGUE = {
  // usage and input
  VNF_ERR_CLI_USAGE: spec(400, false, 'validation', 'Command-line usage error (unknown command, missing or bad option).'),
  VNF_ERR_INPUT_UNREADABLE: spec(400, false, 'validation', 'An input file or value could not be read or decoded.'),
  VNF_ERR_BROKER_INTERNAL: spec(500, false, 'exec', 'Unexpected internal error (a bug); details are in the application log, never in the response.'),

  // provider dictionaries
  VNF_ERR_DICT_YAML_SYNTAX: spec(422, false, 'validation', 'A dictionary is not well-formed YAML (syntax error, duplicate key, alias limit).'),
  VNF_ERR_DICT_SCHEMA: spec(422, false, 'validation', 'A dictionary does not match the JSON Schema of the canonical form.'),
  VNF_ERR_DICT_SEMANTIC: spec(422, false, 'validation', 'A dictionary is well-formed but inconsistent (unknown connection, bad regex, unknown parser ...).'),
  VNF_ERR_DICT_INVALID: spec(422, false, 'validation', 'A dictionary failed validation; the message lists each problem with its line.'),
  VNF_ERR_DICT_NOT_FOUND: spec(404, false, 'validation', 'No provider dictionary with that name or path.'),
  VNF_ERR_DICT_SERVICE_NOT_FOUND: spec(404, false, 'validation', 'The dictionary has no service with that name.'),
  VNF_ERR_DICT_OPERATION_NOT_FOUND: spec(404, false, 'validation', 'The service has no operation with that name.'),

  // appliance context and operation input
  VNF_ERR_APPLIANCE_INVALID: spec(400, false, 'validation', 'The appliance context is missing fields or has invalid values.'),
  VNF_ERR_DATA_INVALID: spec(400, false, 'validation', 'Operation input data does not match the operation\'s data declaration.'),

  // templates
  VNF_ERR_TEMPLATE_COMPILE: spec(422, false, 'template', 'A template in a dictionary does not compile.'),
  VNF_ERR_TEMPLATE_MISSING_VALUE: spec(400, false, 'template', 'A template names a value that is not present at render time.'),
  VNF_ERR_TEMPLATE_UNSAFE_VALUE: spec(400, false, 'template', 'A value cannot be placed safely where the template puts it (control characters, newline, wrong type, breaks JSON).'),
  VNF_ERR_TEMPLATE_RENDER: spec(400, false, 'template', 'A template failed to render for another reason.'),

  // audit
  VNF_ERR_AUDIT_WRITE: spec(503, true, 'exec', 'The audit record could not be written; nothing was sent.'),
  VNF_ERR_AUDIT_VERIFY: spec(422, false, 'validation', 'The audit log hash chain does not verify.'),
  VNF_ERR_AUDIT_KEY: spec(500, false, 'validation', 'The audit HMAC key file is missing, unreadable or too short.'),

  // network and SSH
  VNF_ERR_NET_DNS: spec(502, true, 'dns', 'A host name could not be resolved.'),
  VNF_ERR_NET_CONNECT: spec(502, true, 'connect', 'TCP connection refused or unreachable.'),
  VNF_ERR_NET_TIMEOUT: spec(504, true, 'timeout', 'A TCP connection or forward did not complete in time.'),
  VNF_ERR_SSH_HANDSHAKE: spec(502, true, 'handshake', 'The SSH handshake failed (protocol or algorithm mismatch).'),
  VNF_ERR_SSH_HOSTKEY_MISMATCH: spec(502, false, 'hostkey', 'The SSH host key does not match the pinned fingerprint.'),
  VNF_ERR_SSH_HOSTKEY_CHANGED: spec(502, false, 'hostkey', 'The SSH host key differs from the one recorded in the known-hosts store.'),
  VNF_ERR_SSH_HOSTKEY_UNKNOWN: spec(502, false, 'hostkey', 'No pinned or known host key and the policy is strict.'),
  VNF_ERR_SSH_AUTH: spec(502, false, 'auth', 'SSH authentication was refused.'),
  VNF_ERR_SSH_FORWARD: spec(502, true, 'connect', 'A jump host refused or failed to open the forwarded channel.'),
  VNF_ERR_SSH_CHANNEL: spec(502, true, 'exec', 'An SSH session channel could not be opened (MaxSessions, administratively prohibited).'),
  VNF_ERR_SSH_DISCONNECTED: spec(502, true, 'exec', 'The SSH connection closed while a command was running.'),
  VNF_ERR_SSH_PROMPT_TIMEOUT: spec(504, true, 'prompt', 'The expected CLI prompt did not arrive in time.'),
  VNF_ERR_SSH_COMMAND_FAILED: spec(502, false, 'exec', 'The appliance reported an error for a command (error pattern or exit status).'),
  VNF_ERR_SSH_EXEC_TIMEOUT: spec(504, true, 'timeout', 'An SSH exec command did not finish in time; its channel was closed.'),

  // certificates (CA, issuing, CSRs, CRLs)
  VNF_ERR_CERT_INVALID: spec(400, false, 'validation', 'A certificate, key or CSR is malformed or unsuitable (not PEM, not RSA, not a CA, key does not match).'),
  VNF_ERR_CERT_NAME_INVALID: spec(400, false, 'validation', 'A certificate name (CN or SAN) is not a valid DNS name or IP address.'),
  VNF_ERR_CERT_CSR_SIGNATURE: spec(400, false, 'validation', 'A CSR\'s self-signature does not verify (tampered or corrupt); nothing was signed.'),
  VNF_ERR_CERT_FILE_EXISTS: spec(409, false, 'validation', 'A certificate or key file already exists; it is never overwritten without --force.'),
  VNF_ERR_CERT_WRITE: spec(500, false, 'exec', 'Certificate or key files could not be written.'),
  VNF_ERR_CERT_CRL_INVALID: spec(400, false, 'validation', 'A certificate revocation list could not be loaded (not PEM, or rejected by TLS).'),

  // TLS and HTTP to appliances
  VNF_ERR_TLS_VERIFY: spec(502, false, 'handshake', 'The appliance TLS certificate did not verify against the CA or pin.'),
  VNF_ERR_TLS_CERT_CHANGED: spec(502, false, 'handshake', 'The appliance TLS certificate differs from the one recorded on first use.'),
  VNF_ERR_TLS_HANDSHAKE: spec(502, true, 'handshake', 'The TLS handshake with the appliance failed.'),
  VNF_ERR_HTTP_PROXY: spec(502, true, 'proxy', 'The HTTP CONNECT proxy refused or failed the tunnel.'),
  VNF_ERR_HTTP_TIMEOUT: spec(504, true, 'timeout', 'The appliance HTTP API did not answer in time.'),
  VNF_ERR_HTTP_PROTOCOL: spec(502, true, 'exec', 'The appliance HTTP response was malformed or the connection broke.'),
  VNF_ERR_HTTP_STATUS: spec(502, false, 'exec', 'The appliance HTTP API answered with an unexpected status.'),

  // connection pool
  VNF_ERR_POOL_CLOSED: spec(503, true, 'connect', 'The connection pool is shutting down.'),
  VNF_ERR_POOL_BUSY: spec(503, true, 'connect', 'Concurrency limit reached and the wait timed out.'),

  // workflows and parsing
  VNF_ERR_PARSE_NO_MATCH: spec(502, false, 'parse', 'Appliance output did not match the expected pattern or parser.'),
  VNF_ERR_PARSE_JSON: spec(502, false, 'parse', 'Appliance output was not the JSON the dictionary expects.'),
  VNF_ERR_PARSE_ERROR_PATTERN: spec(502, false, 'parse', 'Appliance output matched the dictionary\'s error pattern.'),
  VNF_ERR_WORKFLOW_DEADLINE: spec(504, true, 'timeout', 'The operation did not finish before its overall deadline.'),
  VNF_ERR_WORKFLOW_CANCELLED: spec(499, true, 'exec', 'The operation was cancelled.'),
  VNF_ERR_HEALTHCHECK_FAILED: spec(502, true, 'exec', 'A health check did not pass.'),
  VNF_ERR_BOOTSTRAP_FAILED: spec(502, true, 'exec', 'A bootstrap step or the ready test failed.'),
  VNF_ERR_CALLBACK_FAILED: spec(502, true, 'exec', 'The operation succeeded but its callback failed.'),

  // CloudStack API (signed calls, async jobs, callbacks)
  VNF_ERR_CS_REQUEST_INVALID: spec(400, false, 'validation', 'A CloudStack API call could not be built (bad endpoint, missing command or API keys, a parameter that cannot be encoded).'),
  VNF_ERR_CS_AUTH: spec(502, false, 'auth', 'CloudStack refused the API key or request signature, or the signed request had expired (HTTP 401).'),
  VNF_ERR_CS_PARAM: spec(502, false, 'validation', 'CloudStack rejected the call\'s parameters or command (HTTP 405, 430, 431, 432).'),
  VNF_ERR_CS_UNAVAILABLE: spec(503, true, 'exec', 'CloudStack is rate-limiting, short of capacity or busy (HTTP 429, 503, 533-536); retry later.'),
  VNF_ERR_CS_API_ERROR: spec(502, false, 'exec', 'The CloudStack API answered with an error (errorcode, cserrorcode, errortext).'),
  VNF_ERR_CS_UNREACHABLE: spec(502, true, 'connect', 'The CloudStack API endpoint could not be reached (DNS, refused, reset).'),
  VNF_ERR_CS_TLS: spec(502, false, 'handshake', 'The CloudStack API TLS certificate did not verify against the configured CA, or the handshake failed.'),
  VNF_ERR_CS_TIMEOUT: spec(504, true, 'timeout', 'The CloudStack API did not answer in time.'),
  VNF_ERR_CS_RESPONSE: spec(502, false, 'parse', 'The CloudStack API response was not the expected JSON envelope (one object named after the command plus "response").'),
  VNF_ERR_CS_JOB_FAILED: spec(502, false, 'exec', 'A CloudStack async job finished with jobstatus 2 (failed); the message carries its errortext.'),
  VNF_ERR_CS_JOB_DEADLINE: spec(504, false, 'timeout', 'A CloudStack async job was still pending at the deadline; it may still complete (job id in the message).'),

  // certificate enrolment through CloudStack, and first boot from the config drive
  VNF_ERR_ENROLL_RESPONSE: spec(502, false, 'parse', 'issueCertificate or listCaCertificate answered without a usable PEM certificate; nothing was installed.'),
  VNF_ERR_ENROLL_VERIFY: spec(502, false, 'validation', 'The issued certificate does not match the key, does not chain to the listCaCertificate CA, lacks a requested name or usage, or is not valid now; nothing was installed.'),
  VNF_ERR_FIRSTBOOT_SOURCE: spec(400, false, 'validation', 'No config drive or metadata service could be read (missing, unreadable, not ISO9660, inconsistent user data copies).'),
  VNF_ERR_FIRSTBOOT_USER_DATA: spec(400, false, 'parse', 'The user data could not be decoded (base64, gzip, MIME, YAML) or holds no single vnf_broker section; nothing was written.'),
  VNF_ERR_FIRSTBOOT_INVALID: spec(400, false, 'validation', 'The vnf_broker section does not match its schema or is inconsistent (zone, PEM, key/certificate, known_hosts line); nothing was written.'),
  VNF_ERR_FIRSTBOOT_MODIFIED: spec(409, false, 'validation', 'The broker config was changed since first boot wrote it (or was not written by it); new user data is not applied without --force.'),

  // broker configuration
  VNF_ERR_CONFIG_INVALID: spec(500, false, 'validation', 'The broker configuration file does not match its schema or has invalid values (each problem with its line).'),

  // HTTP API, authorization and jobs
  VNF_ERR_API_NOT_FOUND: spec(404, false, 'validation', 'No API route with that path.'),
  VNF_ERR_API_METHOD_NOT_ALLOWED: spec(405, false, 'validation', 'The API route does not accept that HTTP method.'),
  VNF_ERR_API_BAD_REQUEST: spec(400, false, 'validation', 'The request body or query is malformed JSON or does not match the route\'s schema.'),
  VNF_ERR_API_BODY_TOO_LARGE: spec(413, false, 'validation', 'The request body is larger than limits.max_body_bytes.'),
  VNF_ERR_API_MEDIA_TYPE: spec(415, false, 'validation', 'The request Content-Type is not one the route accepts.'),
  VNF_ERR_API_IDEMPOTENCY_CONFLICT: spec(409, false, 'validation', 'The Idempotency-Key was already used with a different request body.'),
  VNF_ERR_API_SHUTTING_DOWN: spec(503, true, 'exec', 'The broker is shutting down and accepts no new requests.'),

  // web UI access (ui-sessions and the /ui/ listener)
  VNF_ERR_UI_DISABLED: spec(404, false, 'validation', 'Web UI access is not configured (no ui.listen).'),
  VNF_ERR_UI_TOKEN_INVALID: spec(403, false, 'auth', 'The UI session token or cookie is malformed, has a bad signature, or names another appliance or session.'),
  VNF_ERR_UI_TOKEN_EXPIRED: spec(403, false, 'auth', 'The UI session has expired, was revoked, or is no longer known to the broker.'),
  VNF_ERR_UI_SESSION_NOT_FOUND: spec(404, false, 'validation', 'No UI session with that token id.'),
  VNF_ERR_UI_UPSTREAM: spec(502, true, 'proxy', 'The appliance web UI could not be reached or answered with a malformed response.'),
  VNF_ERR_UI_UPSTREAM_TIMEOUT: spec(504, true, 'timeout', 'The appliance web UI did not answer in time.'),
  VNF_ERR_AUTH_FORBIDDEN: spec(403, false, 'auth', 'The client certificate\'s identity has no role that allows this request.'),
  VNF_ERR_JOB_NOT_FOUND: spec(404, false, 'validation', 'No job with that id (unknown, expired or owned by another client).'),
  VNF_ERR_JOB_INTERRUPTED: spec(503, true, 'exec', 'The broker stopped (shutdown or restart) before the job finished.'),
} as const satisfies Record<string, ErrorSpec>;

export type VnfErrorCode = keyof typeof ERROR_CATALOGUE;

export interface VnfErrorOptions {
  cause?: unknown;
  /** Overrides the catalogue's default stage when the same code arises at a different step. */
  stage?: ErrorStage;
  /** Structured, secret-free details (e.g. a list of `file:line:col` problems). */
  details?: unknown;
}

export class VnfError extends Error {
  readonly code: VnfErrorCode;
  readonly httpStatus: number;
  readonly retryable: boolean;
  readonly stage: ErrorStage;
  readonly details: unknown;

  constructor(code: VnfErrorCode, message: string, options: VnfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: ErrorSpec = ERROR_CATALOGUE[code];
    this.name = 'VnfError';
    this.code = code;
    this.httpStatus = entry.httpStatus;
    this.retryable = entry.retryable;
    this.stage = options.stage ?? entry.stage;
    this.details = options.details;
  }

  /** The secret-free shape used in CLI output and API problem responses. */
  toJSON(): { code: VnfErrorCode; message: string; stage: ErrorStage; retryable: boolean; details?: unknown } {
    return {
      code: this.code,
      message: this.message,
      stage: this.stage,
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export function isVnfError(value: unknown): value is VnfError {
  return value instanceof VnfError;
}

/** Wraps anything thrown into a VnfError without leaking its message (which may hold output or secrets). */
export function asVnfError(value: unknown): VnfError {
  if (value instanceof VnfError) return value;
  return new VnfError('VNF_ERR_BROKER_INTERNAL', 'internal error', { cause: value });
}
