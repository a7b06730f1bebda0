// JSON Schema (draft 2020-12) of the broker's YAML configuration file and the constant defaults.
// Path defaults that depend on state_dir are filled by load.ts after validation.
import { LOG_LEVELS, ROLES } from './model.js';

/** `host:port`, `[v6]:port`; the host part is checked further by listen.ts. */
const LISTEN = { type: 'string', minLength: 3, maxLength: 300, pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$' } as const;
const PATH = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const POSITIVE = { type: 'integer', minimum: 1 } as const;
const NON_NEGATIVE = { type: 'integer', minimum: 0 } as const;

/** Constant defaults, by dotted key (also the README's reference table). */
export const CONFIG_DEFAULTS = {
  'tls.min_version': 'TLSv1.2',
  clients: [] as never[],
  'audit.fsync': false,
  'audit.max_file_bytes': 64 * 1024 * 1024,
  'audit.keep_files': 10,
  'audit.max_age_days': 90,
  'ssh.host_key_policy': 'tofu',
  'pool.max_connections': 1000,
  'pool.idle_ms': 300_000,
  'pool.max_sessions_per_connection': 8,
  'limits.max_concurrent_operations': 200,
  'limits.per_appliance_concurrency': 1,
  'limits.max_body_bytes': 1024 * 1024,
  'limits.queue_wait_ms': 2_000,
  'limits.max_queued_jobs': 1000,
  'timeouts.operation_ms': 120_000,
  'timeouts.connect_ms': 10_000,
  'timeouts.command_ms': 30_000,
  'timeouts.drain_ms': 30_000,
  'jobs.retention_ms': 86_400_000,
  'metrics.enabled': true,
  'metrics.listen': '127.0.0.1:9464',
  log_level: 'info',
  'cloudstack.callback_timeout_ms': 30_000,
  'ui.default_lifetime_s': 900,
  'ui.max_lifetime_s': 3600,
  'ui.proxy_timeout_ms': 30_000,
} as const;

function section(properties: Record<string, unknown>, required: string[] = []): Record<string, unknown> {
  return { type: 'object', additionalProperties: false, properties, required };
}

export const CONFIG_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://vnf-broker.invalid/schemas/config.json',
  title: 'vnf-broker configuration',
  ...section({
    listen: LISTEN,
    tls: section({
      cert_file: PATH,
      key_file: PATH,
      client_ca_file: PATH,
      crl_file: PATH,
      min_version: { enum: ['TLSv1.2', 'TLSv1.3'] },
    }, ['cert_file', 'key_file', 'client_ca_file']),
    clients: {
      type: 'array',
      maxItems: 10_000,
      items: section({
        name: { type: 'string', maxLength: 200 },
        match: {
          ...section({
            cn: { type: 'string', minLength: 1, maxLength: 1024 },
            san: { type: 'string', minLength: 1, maxLength: 1024 },
            fingerprint256: { type: 'string', pattern: '^(?:[Ss][Hh][Aa]-?256:)?(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^(?:[Ss][Hh][Aa]-?256:)?[0-9A-Fa-f]{64}$' },
          }),
          minProperties: 1,
        },
        roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...ROLES] } },
      }, ['match', 'roles']),
    },
    dictionaries_dir: PATH,
    state_dir: PATH,
    audit: section({
      file: PATH,
      fsync: { type: 'boolean' },
      hmac_key_file: PATH,
      max_file_bytes: NON_NEGATIVE,
      keep_files: NON_NEGATIVE,
      max_age_days: NON_NEGATIVE,
    }),
    ssh: section({
      host_key_policy: { enum: ['tofu', 'strict'] },
      known_hosts_file: PATH,
    }),
    tls_known_certs_file: PATH,
    pool: section({
      max_connections: POSITIVE,
      idle_ms: NON_NEGATIVE,
      max_sessions_per_connection: POSITIVE,
    }),
    limits: section({
      max_concurrent_operations: POSITIVE,
      per_appliance_concurrency: POSITIVE,
      max_body_bytes: { type: 'integer', minimum: 1024, maximum: 64 * 1024 * 1024 },
      queue_wait_ms: NON_NEGATIVE,
      max_queued_jobs: NON_NEGATIVE,
    }),
    timeouts: section({
      operation_ms: POSITIVE,
      connect_ms: POSITIVE,
      command_ms: POSITIVE,
      drain_ms: NON_NEGATIVE,
    }),
    jobs: section({ retention_ms: POSITIVE }),
    metrics: section({ enabled: { type: 'boolean' }, listen: LISTEN }),
    log_level: { enum: [...LOG_LEVELS] },
    cloudstack: section({
      api_url: { type: 'string', pattern: '^https?://[^\\s]+$', maxLength: 2048 },
      ca_file: PATH,
      callback_timeout_ms: POSITIVE,
    }, ['api_url']),
    ui: section({
      listen: LISTEN,
      public_url: { type: 'string', pattern: '^https://[^/?#\\s]+/?$', maxLength: 300 },
      cert_file: PATH,
      key_file: PATH,
      token_key_file: PATH,
      default_lifetime_s: { type: 'integer', minimum: 30, maximum: 86_400 },
      max_lifetime_s: { type: 'integer', minimum: 30, maximum: 86_400 },
      proxy_timeout_ms: POSITIVE,
    }, ['listen']),
  }, ['listen', 'tls', 'state_dir']),
};
