// JSON Schema of the appliance context (DESIGN.md §3.2), shared by the CLI (files) and the API.
const text = { type: 'string', maxLength: 65536 } as const;
const port = { type: 'integer', minimum: 1, maximum: 65535 } as const;
/** OpenSSH fingerprint form: "SHA256:" + unpadded base64 of 32 bytes */
export const SSH_FINGERPRINT = '^SHA256:[A-Za-z0-9+/]{43}=?$';
/** X509Certificate.fingerprint256 form: 32 colon-separated hex bytes */
export const TLS_FINGERPRINT = '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$';

export const APPLIANCE_SCHEMA = {
  type: 'object',
  required: ['id', 'management'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 128 },
    name: { type: 'string' },
    provider: { type: 'string' },
    management: {
      type: 'object',
      required: ['host'],
      additionalProperties: false,
      properties: { host: { type: 'string', minLength: 1, maxLength: 255 }, ssh_port: port, http_port: port, https_port: port },
    },
    credentials: { type: 'object', additionalProperties: text },
    ssh: {
      type: 'object',
      additionalProperties: false,
      properties: {
        host_key: { type: 'string', pattern: SSH_FINGERPRINT },
        legacy_algorithms: { type: 'array', items: { type: 'string' } },
      },
    },
    tls: {
      type: 'object',
      additionalProperties: false,
      properties: { fingerprint256: { type: 'string', pattern: TLS_FINGERPRINT }, ca_file: text, ca: text, servername: text },
    },
    jump: {
      type: 'array',
      maxItems: 8,
      items: {
        type: 'object',
        required: ['host', 'username'],
        additionalProperties: false,
        properties: {
          host: { type: 'string', minLength: 1, maxLength: 255 },
          port,
          username: { type: 'string', minLength: 1 },
          password: text,
          private_key: text,
          private_key_file: text,
          passphrase: text,
          host_key: { type: 'string', pattern: SSH_FINGERPRINT },
        },
      },
    },
    http_proxy: { type: 'string', pattern: '^https?://[^\\s/]+(/.*)?$' },
    cs_data: { type: 'object' },
  },
} as const;
