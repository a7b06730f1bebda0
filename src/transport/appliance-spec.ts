// Maps an appliance context (DESIGN §3.2) to transport specs: jump endpoints, the SSH target,
// TLS trust. Endpoints reached through a jump get appliance-qualified known-hosts names.
import { readFileSync } from 'node:fs';
import type { AuditAppliance } from '../audit/types.js';
import type { ApplianceContext, JumpHop } from '../dictionary/appliance-model.js';
import { VnfError } from '../errors.js';
import { knownHostName } from './known-hosts.js';
import type { ChainSpec, SshEndpoint, TlsTrust } from './types.js';

/** Per-connection overrides of the appliance's SSH login (a dictionary connection's values). */
export interface SshLoginOverride {
  /** another SSH server on the appliance's network (default: management.host) */
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  privateKey?: string;
}

const readSecretFile = (file: string, what: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `${what}: key file ${file} unreadable`, { cause: err });
  }
};

/**
 * Isolated guest networks reuse addresses (10.1.1.0/24 everywhere), so a host reached through a
 * jump is stored as "<appliance-id>/<name>"; a host the broker reaches directly keeps its
 * OpenSSH name ("host" or "[host]:port"), as ssh-keyscan writes it.
 */
export const hostKeyName = (applianceId: string, host: string, port: number, behindJump: boolean): string =>
  behindJump ? `${applianceId}/${knownHostName(host, port)}` : knownHostName(host, port);

export function jumpEndpoints(a: ApplianceContext): SshEndpoint[] {
  return (a.jump ?? []).map((h: JumpHop, i) => {
    if (!h.host || !h.username) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `jump hop ${i}: host and username are required`);
    const port = h.port ?? 22;
    const ep: SshEndpoint = { host: h.host, port, username: h.username };
    if (i > 0) ep.hostKeyAlias = hostKeyName(a.id, h.host, port, true);
    if (h.password !== undefined) ep.password = h.password;
    if (h.private_key !== undefined) ep.privateKey = h.private_key;
    else if (h.private_key_file !== undefined) ep.privateKey = readSecretFile(h.private_key_file, `jump hop ${i}`);
    if (h.passphrase !== undefined) ep.passphrase = h.passphrase;
    if (h.host_key !== undefined) ep.hostKey = h.host_key;
    return ep;
  });
}

export function targetEndpoint(a: ApplianceContext, o: SshLoginOverride = {}): SshEndpoint {
  const c = a.credentials ?? {};
  const username = o.username ?? c.username;
  if (!a.management?.host) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'management.host is required');
  if (!username) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'no SSH username for the appliance');
  const port = o.port ?? a.management.ssh_port ?? 22;
  const ep: SshEndpoint = { host: o.host ?? a.management.host, port, username };
  if ((a.jump ?? []).length > 0) ep.hostKeyAlias = hostKeyName(a.id, ep.host, port, true);
  const password = o.password ?? c.password;
  if (password !== undefined) ep.password = password;
  if (o.privateKey !== undefined) ep.privateKey = o.privateKey;
  else if (c.private_key !== undefined) ep.privateKey = c.private_key;
  else if (c.private_key_file !== undefined) ep.privateKey = readSecretFile(c.private_key_file, 'appliance');
  if (c.passphrase !== undefined) ep.passphrase = c.passphrase;
  // the context's pin belongs to the management host, not to another server a connection names
  if (a.ssh?.host_key && ep.host === a.management.host) ep.hostKey = a.ssh.host_key;
  if (a.ssh?.legacy_algorithms?.length) ep.legacyAlgorithms = [...a.ssh.legacy_algorithms];
  return ep;
}

export const chainSpecFor = (a: ApplianceContext, o?: SshLoginOverride): ChainSpec => ({ hops: jumpEndpoints(a), target: targetEndpoint(a, o) });

/** verifySsl false = pin (tofu) unless the context names a CA; true = CA-verify. */
export function tlsTrustFor(a: ApplianceContext, verifySsl?: boolean): TlsTrust {
  const t = a.tls ?? {};
  const ca = t.ca ?? (t.ca_file ? readSecretFile(t.ca_file, 'tls') : undefined);
  const trust: TlsTrust = { mode: ca !== undefined || verifySsl === true ? 'ca' : 'pin' };
  if (ca !== undefined) trust.ca = ca;
  if (t.fingerprint256) trust.fingerprint256 = t.fingerprint256;
  if (t.servername) trust.servername = t.servername;
  return trust;
}

export const auditApplianceOf = (a: ApplianceContext): AuditAppliance => ({
  id: a.id, ...(a.name ? { name: a.name } : {}), address: a.management?.host,
});

/** Values of the context that must never appear in records or messages. */
export function applianceSecrets(a: ApplianceContext): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(a.credentials ?? {})) if (!/^(username|user|private_key_file)$/.test(k) && v) out.push(v);
  for (const h of a.jump ?? []) for (const v of [h.password, h.passphrase, h.private_key]) if (v) out.push(v);
  return out;
}
