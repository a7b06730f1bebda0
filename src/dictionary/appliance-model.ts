// The appliance context (DESIGN.md §3.2): what CloudStack knows about one appliance. Read from a
// YAML/JSON file by the CLI or from the `appliance` object of an API request.

export interface JumpHop {
  host: string;
  port: number;
  username: string;
  password?: string;
  private_key?: string;
  private_key_file?: string;
  passphrase?: string;
  /** OpenSSH fingerprint form "SHA256:base64" */
  host_key?: string;
}

export interface ApplianceContext {
  /** CloudStack VM uuid; the pool key */
  id: string;
  name?: string;
  /** dictionary name (API requests) */
  provider?: string;
  management: {
    host: string;
    ssh_port?: number;
    http_port?: number;
    https_port?: number;
  };
  /** username, password, private_key, private_key_file, api_key, api_secret, token ... */
  credentials: Record<string, string>;
  ssh?: {
    host_key?: string;
    /** opt in to legacy algorithms for old appliances, e.g. ["diffie-hellman-group14-sha1", "ssh-rsa"] */
    legacy_algorithms?: string[];
  };
  tls?: {
    /** colon-separated hex SHA-256 as in X509Certificate.fingerprint256 */
    fingerprint256?: string;
    ca_file?: string;
    ca?: string;
    servername?: string;
  };
  jump: JumpHop[];
  http_proxy?: string;
  cs_data: Record<string, unknown>;
}

/** Credential keys whose values are secrets wherever they appear. */
export const SECRET_CREDENTIAL_KEYS = [
  'password', 'private_key', 'passphrase', 'api_secret', 'api_key', 'token', 'secret_key', 'secret',
  'bootstrap_password', 'new_password', 'vnf_api_key', 'user_secret_key', 'user_api_key',
] as const;
