// Authorization: a verified client certificate's identity → the union of the roles of every client
// rule it matches (config `clients`). No match, no role: deny by default.
import { matchIdentity, type Principal } from '../certs/index.js';
import type { ClientRule, Role } from '../config/index.js';
import { VnfError } from '../errors.js';

export function rolesFor(principal: Principal, clients: readonly ClientRule[]): Set<Role> {
  const roles = new Set<Role>();
  for (const rule of clients) {
    if (matchIdentity(principal, rule.match)) for (const role of rule.roles) roles.add(role);
  }
  return roles;
}

/** True when any of `have` is allowed by `allowed`. */
export function permits(have: ReadonlySet<Role>, allowed: readonly Role[]): boolean {
  return allowed.some((role) => have.has(role));
}

export function forbidden(reason: 'unmapped' | 'role'): VnfError {
  return new VnfError('VNF_ERR_AUTH_FORBIDDEN', reason === 'unmapped'
    ? 'this client certificate is not mapped to any role'
    : 'this client certificate has no role that allows this request');
}
