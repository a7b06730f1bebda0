// The broker configuration as the rest of the broker sees it: every key present (defaults filled),
// paths absolute, validated once and deep-frozen. Units are in the key names (_ms, _bytes, _days).

export const ROLES = ['admin', 'operator', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How a client certificate is recognised; every field given must match (certs/matchIdentity). */
export interface ClientMatch {
  cn?: string;
  san?: string;
  fingerprint256?: string;
}

export interface ClientRule {
  /** free-form label for logs and docs */
  name?: string;
  match: ClientMatch;
  roles: Role[];
}

export interface ListenAddress {
  host: string;
  port: number;
}

export interface BrokerConfig {
  /** the file this came from (undefined for --dev) */
  source?: string;
  listen: ListenAddress;
  tls: {
    cert_file: string;
    key_file: string;
    client_ca_file: string;
    crl_file?: string;
    min_version: 'TLSv1.2' | 'TLSv1.3';
  };
  clients: ClientRule[];
  dictionaries_dir: string;
  state_dir: string;
  audit: {
    file: string;
    fsync: boolean;
    hmac_key_file?: string;
    max_file_bytes: number;
    keep_files: number;
    max_age_days: number;
  };
  ssh: {
    host_key_policy: 'tofu' | 'strict';
    known_hosts_file: string;
  };
  tls_known_certs_file: string;
  pool: {
    max_connections: number;
    idle_ms: number;
    max_sessions_per_connection: number;
  };
  limits: {
    max_concurrent_operations: number;
    per_appliance_concurrency: number;
    max_body_bytes: number;
    /** how long a synchronous request waits for a free operation slot before 503 */
    queue_wait_ms: number;
    /** async jobs waiting for a slot, beyond which a new job is refused with 503 */
    max_queued_jobs: number;
  };
  timeouts: {
    operation_ms: number;
    connect_ms: number;
    command_ms: number;
    drain_ms: number;
  };
  jobs: {
    retention_ms: number;
  };
  metrics: {
    /** loopback only; `enabled: false` turns the listener off */
    enabled: boolean;
    listen: ListenAddress;
  };
  log_level: LogLevel;
  /**
   * The CloudStack management server that `cloudstack-api` dictionary callbacks are sent to. Pinned
   * by the admin: a value arriving with a request (cs_data.cloudstack_api_url) is used only when
   * this is absent.
   */
  cloudstack?: { api_url: string; ca_file?: string; callback_timeout_ms: number };
  /** the web UI access listener (README "Web UI access"); absent when `ui.listen` is not configured */
  ui?: UiConfig;
}

export interface UiConfig {
  /** server-TLS-only listener for `/ui/{token}/...` (no client certificate: browsers don't carry one) */
  listen: ListenAddress;
  /** base of the links handed out, e.g. `https://broker.example:9443` (default: https://<listen address>) */
  public_url?: string;
  cert_file: string;
  key_file: string;
  /** HMAC-SHA256 key of the session tokens (≥ 32 bytes); generated (0600) when missing */
  token_key_file: string;
  default_lifetime_s: number;
  max_lifetime_s: number;
  /** upstream response (headers) timeout of a proxied request */
  proxy_timeout_ms: number;
}
