// Transport-level descriptions of SSH endpoints, chains, CLI sessions and HTTP targets. They carry
// rendered values only; the workflow maps dictionaries and appliance contexts into them.
import type { AuditAppliance, AuditPrincipal } from '../audit/types.js';

export type HostKeyPolicy = 'tofu' | 'strict';

/** One SSH server to log in to: a jump hop or the appliance itself. */
export interface SshEndpoint {
  host: string;
  port: number;
  username: string;
  password?: string;
  privateKey?: string | Buffer;
  passphrase?: string;
  /** pinned OpenSSH fingerprint "SHA256:<base64>" */
  hostKey?: string;
  /** name in the known-hosts store; default `host` / `[host]:port` */
  hostKeyAlias?: string;
  /** legacy algorithm names appended to ssh2's defaults (this endpoint only) */
  legacyAlgorithms?: string[];
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

/** Jump hops in order from the broker, then the appliance. */
export interface ChainSpec {
  hops: SshEndpoint[];
  target: SshEndpoint;
}

/** Timeouts and limits shared by dialers, sessions and the pool (all in ms). */
export interface TransportTimeouts {
  /** SSH handshake + auth per hop (ssh2 readyTimeout) */
  readyMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  /** one forwardOut (direct-tcpip) on a jump host; ssh2 has none of its own */
  forwardMs: number;
  /** TCP connect (direct) and, for HTTPS, forward/tunnel + TLS handshake together */
  connectMs: number;
  headersMs: number;
  bodyMs: number;
  /** CLI: restarts whenever output arrives */
  commandIdleMs: number;
  /** CLI: overall cap per command, never restarted */
  commandTotalMs: number;
  /** exec channel: whole command */
  execMs: number;
}

export const DEFAULT_TIMEOUTS: TransportTimeouts = Object.freeze({
  readyMs: 20_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  forwardMs: 10_000,
  connectMs: 10_000,
  headersMs: 30_000,
  bodyMs: 30_000,
  commandIdleMs: 30_000,
  commandTotalMs: 120_000,
  execMs: 60_000,
});

/** Audit fields the caller (workflow, API) adds to every record a transport writes. */
export interface AuditContext {
  appliance?: AuditAppliance;
  request_id?: string;
  job_id?: string;
  principal?: AuditPrincipal;
  provider?: string;
  service?: string;
  operation?: string;
  /** values to redact from records (rendered secrets) */
  secrets?: readonly string[];
}

/** A prompt a CLI may show mid-command, and the answer to type. */
export interface PromptAnswer {
  /** regex source, tested against the last line of output */
  pattern: string;
  response: string;
  /** answers per command (default 1) */
  max?: number;
}

/** How to drive one interactive CLI (from a dictionary `ssh` connection). */
export interface CliSpec {
  /** connection name; held shells are cached per (appliance, name) */
  name: string;
  /** end-anchored prompt regex source, tested against the last output line */
  prompt?: string;
  /** sent once when the shell opens (paging off, width ...) */
  onOpen?: string[];
  /** regex sources; output matching any is VNF_ERR_SSH_COMMAND_FAILED */
  errorPatterns?: string[];
  prompts?: PromptAnswer[];
  /** pager regex answered with a space (safety net if paging is not disabled); '' = off */
  pager?: string;
  /** line terminator sent after each command (default "\n") */
  newline?: string;
  /** whether the device echoes commands (default true) */
  echo?: boolean;
  /**
   * sendAll types the commands ahead in groups instead of waiting for each prompt (dictionary
   * `pipeline: true`; needs an echoing CLI that reads typed-ahead lines one by one, like readline)
   */
  pipeline?: boolean;
  idleTimeoutMs?: number;
  commandTimeoutMs?: number;
  cols?: number;
  rows?: number;
  term?: string;
  /** overrides of the appliance's SSH login for this connection */
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  privateKey?: string;
}

export interface CliResult {
  /** output without the echoed command and the trailing prompt, "\n" line ends */
  output: string;
  /** the prompt line that ended the command (e.g. "router(config-if)#") */
  prompt: string;
  durationMs: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal?: string;
  durationMs: number;
}

export interface TlsTrust {
  /** 'ca': verify chain + name (against `ca`, or the system store); 'pin': pinned/learned cert. Default: 'ca' when `ca` is set. */
  mode?: 'ca' | 'pin';
  /** PEM CA bundle: verify the chain and the name */
  ca?: string | Buffer;
  /** pinned colon-hex SHA-256 of the certificate (X509Certificate.fingerprint256) */
  fingerprint256?: string;
  /** name to verify/SNI instead of the URL host */
  servername?: string;
}

export interface HttpRequestSpec {
  method: string;
  /** absolute URL, e.g. https://10.1.1.109:443/api/core/firmware/status */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
  /** response bodies beyond this fail with VNF_ERR_HTTP_PROTOCOL (default 16 MiB) */
  maxBodyBytes?: number;
  audit?: AuditContext;
  /** the dictionary's verify_ssl: true = CA-verify, false = pin (tofu/pinned); never "don't verify" */
  verifySsl?: boolean;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
  durationMs: number;
}
