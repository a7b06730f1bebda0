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
}
