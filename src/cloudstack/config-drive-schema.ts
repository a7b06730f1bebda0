// The `vnf_broker:` section of the user data: its JSON Schema (ajv, strict; shared pieces taken from
// the broker config schema so both stay in step), its TypeScript shape, and readable schema errors.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { CONFIG_SCHEMA, type ClientRule, type LogLevel } from '../config/index.js';
import { VnfError } from '../errors.js';

export interface EnrollSection {
  endpoint: string;
  api_key: string;
  secret_key: string;
  /** PEM CA to trust the endpoint's TLS (default: the system store) */
  endpoint_ca?: string;
  /** default: the instance's local-hostname */
  cn?: string;
  /** default: local-hostname, local-ipv4 and public-ipv4 from the metadata */
  sans?: string[];
  days?: number;
  provider?: string;
}

export interface BrokerSection {
  version?: 1;
  zone?: string;
  listen?: string;
  tls: {
    client_ca?: string;
    certificate?: string;
    private_key?: string;
    enroll?: EnrollSection;
    min_version?: 'TLSv1.2' | 'TLSv1.3';
  };
  clients?: ClientRule[];
  known_hosts?: string[];
  ssh?: { host_key_policy?: 'tofu' | 'strict' };
  audit?: { fsync?: boolean; max_file_bytes?: number; keep_files?: number; max_age_days?: number; hmac?: boolean };
  log_level?: LogLevel;
}

type Schema = Record<string, unknown>;
const props = (CONFIG_SCHEMA as { properties: Record<string, Schema> }).properties;
const sub = (s: Schema | undefined, key: string): Schema => ((s as { properties: Record<string, Schema> }).properties[key] as Schema);

const PEM_CERTS = { type: 'string', minLength: 1, maxLength: 65_536, pattern: '-----BEGIN CERTIFICATE-----' } as const;
const TEXT = { type: 'string', minLength: 1, maxLength: 4096 } as const;
const object = (properties: Schema, required: string[] = []): Schema => ({ type: 'object', additionalProperties: false, properties, required });

export const BROKER_SECTION_SCHEMA: Schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://vnf-broker.invalid/schemas/user-data.json',
  title: 'vnf_broker section of the CloudStack user data',
  ...object({
    version: { const: 1 },
    zone: { type: 'string', minLength: 1, maxLength: 255 },
    listen: props.listen,
    tls: {
      ...object({
        client_ca: PEM_CERTS,
        certificate: PEM_CERTS,
        private_key: { type: 'string', minLength: 1, maxLength: 65_536, pattern: '-----BEGIN (RSA |EC )?PRIVATE KEY-----' },
        enroll: object({
          endpoint: { type: 'string', minLength: 8, maxLength: 2048, pattern: '^https?://' },
          api_key: TEXT,
          secret_key: TEXT,
          endpoint_ca: PEM_CERTS,
          cn: { type: 'string', minLength: 1, maxLength: 64 },
          sans: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 253 } },
          days: { type: 'integer', minimum: 1, maximum: 36_500 },
          provider: { type: 'string', minLength: 1, maxLength: 100 },
        }, ['endpoint', 'api_key', 'secret_key']),
        min_version: sub(props.tls, 'min_version'),
      }),
      oneOf: [
        { required: ['enroll'], properties: { enroll: true, certificate: false, private_key: false } },
        { required: ['certificate', 'private_key', 'client_ca'], properties: { certificate: true, private_key: true, client_ca: true, enroll: false } },
      ],
    },
    clients: props.clients,
    known_hosts: { type: 'array', maxItems: 10_000, items: { type: 'string', minLength: 1, maxLength: 16_384 } },
    ssh: object({ host_key_policy: sub(props.ssh, 'host_key_policy') }),
    audit: object({
      fsync: { type: 'boolean' },
      max_file_bytes: sub(props.audit, 'max_file_bytes'),
      keep_files: sub(props.audit, 'keep_files'),
      max_age_days: sub(props.audit, 'max_age_days'),
      hmac: { type: 'boolean' },
    }),
    log_level: props.log_level,
  }, ['tls']),
};

let compiled: ValidateFunction | undefined;

function where(e: ErrorObject): string {
  const path = e.instancePath.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return ['vnf_broker', ...path].reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : `${acc}.${seg}`));
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': return `${where(e)}: unknown key '${String(params.additionalProperty)}'`;
    case 'required': return `${where(e)}: missing required key '${String(params.missingProperty)}'`;
    case 'enum': return `${where(e)}: must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'pattern': return `${where(e)}: has an invalid format`;
    case 'oneOf': case 'false schema':
      return `${where(e)}: give either enroll (enrolment through CloudStack) or all of certificate, private_key and client_ca; not both`;
    default: return `${where(e)}: ${e.message ?? 'is invalid'}`;
  }
}

/** Validates the section; every problem at once in VNF_ERR_FIRSTBOOT_INVALID (no values are echoed). */
export function validateBrokerSection(section: unknown): BrokerSection {
  compiled ??= new Ajv2020({ strict: true, allErrors: true }).compile(BROKER_SECTION_SCHEMA);
  if (section === null || typeof section !== 'object' || Array.isArray(section)) {
    throw new VnfError('VNF_ERR_FIRSTBOOT_INVALID', 'vnf_broker: must be a mapping (zone: ..., tls: ..., clients: ...)');
  }
  if (!compiled(section)) {
    const errors = compiled.errors ?? [];
    const branchy = errors.some((e) => e.keyword === 'oneOf');
    const messages = [...new Set(errors
      .filter((e) => !(branchy && (e.instancePath === '/tls' ? e.keyword === 'required' : e.keyword === 'false schema')))
      .map(describe))];
    throw new VnfError('VNF_ERR_FIRSTBOOT_INVALID', `the vnf_broker section is invalid (${messages.length} problem${messages.length === 1 ? '' : 's'}):\n${messages.join('\n')}`, {
      details: messages,
    });
  }
  return section as BrokerSection;
}
