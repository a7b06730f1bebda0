// The values templates see as get_cs_data.X: the appliance's cs_data over its flattened context
// (DESIGN.md §3.2), and which of them are secrets that must never appear in output.
import { SECRET_CREDENTIAL_KEYS, type ApplianceContext } from '../dictionary/appliance-model.js';

const SECRET_KEYS: ReadonlySet<string> = new Set(SECRET_CREDENTIAL_KEYS);
const SECRET_NAME = /(^|[_-])(password|passwd|secret|token|private[_-]?key|passphrase|api[_-]?key|apikey)([_-]|$)/i;

/** True for names whose values are secrets wherever they appear (password, api_secret, *_token ...). */
export function isSecretName(name: string): boolean {
  return SECRET_KEYS.has(name.toLowerCase()) || SECRET_NAME.test(name);
}

/**
 * Flattened context: id, name, provider, management_ip / mgmt_ip / vnf_mgmt_ip (= management.host),
 * ssh_port / http_port / https_port, every credential; then cs_data, which wins on a clash.
 */
export function applianceValues(ctx: ApplianceContext): Record<string, unknown> {
  // null prototype: cs_data keys such as "__proto__" become plain entries
  const out = Object.create(null) as Record<string, unknown>;
  out.id = ctx.id;
  if (ctx.name !== undefined) out.name = ctx.name;
  if (ctx.provider !== undefined) out.provider = ctx.provider;
  out.management_ip = ctx.management.host;
  out.mgmt_ip = ctx.management.host;
  out.vnf_mgmt_ip = ctx.management.host;
  for (const port of ['ssh_port', 'http_port', 'https_port'] as const) {
    if (ctx.management[port] !== undefined) out[port] = ctx.management[port];
  }
  for (const [key, value] of Object.entries(ctx.credentials ?? {})) out[key] = value;
  for (const [key, value] of Object.entries(ctx.cs_data ?? {})) out[key] = value;
  return out;
}

/** Keys of applianceValues() that hold secrets. */
export function applianceSecretKeys(values: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(values).filter(isSecretName);
}

/** Every secret value the context carries, including ones templates cannot reach (jump-hop credentials). */
export function applianceSecrets(ctx: ApplianceContext): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if ((typeof v === 'string' || typeof v === 'number') && String(v) !== '') out.push(String(v));
  };
  for (const [key, value] of Object.entries(ctx.credentials ?? {})) if (isSecretName(key)) add(value);
  for (const [key, value] of Object.entries(ctx.cs_data ?? {})) if (isSecretName(key)) add(value);
  for (const hop of ctx.jump ?? []) {
    add(hop.password);
    add(hop.private_key);
    add(hop.passphrase);
  }
  return out;
}
