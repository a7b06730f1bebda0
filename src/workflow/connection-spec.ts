// Maps a dictionary connection (rendered for one appliance) to what the transports take: a CliSpec
// for held shells, an SSH login override for exec channels. Rendered host/port/credentials win
// over the appliance context's; the management host stays the default target.
import type { ApplianceContext, Connection } from '../dictionary/index.js';
import type { RenderScope } from '../template/index.js';
import type { CliSpec, SshLoginOverride } from '../transport/index.js';
import type { RenderedConnection } from './render-plan.js';

/** The SSH login a rendered connection asks for (only what differs from the appliance context is set). */
export function sshLoginOf(rc: RenderedConnection, appliance: ApplianceContext): SshLoginOverride {
  const login: SshLoginOverride = {};
  if (rc.host !== appliance.management.host) login.host = rc.host;
  const port = rc.port;
  if (login.host !== undefined || port !== (appliance.management.ssh_port ?? 22)) login.port = port;
  if (rc.username !== undefined) login.username = rc.username;
  if (rc.password !== undefined) login.password = rc.password;
  if (rc.private_key !== undefined) login.privateKey = rc.private_key;
  return login;
}

/**
 * CliSpec for a dictionary ssh connection: prompt, on_open, error_patterns, pipeline, prompts (responses
 * rendered in the run's scope), timeout → idle timeout (restarts on output). `shellKey` keeps held
 * shells logged in differently (bootstrap credentials) apart from the connection's own.
 */
export function cliSpecFrom(
  conn: Connection, rc: RenderedConnection, scope: RenderScope, appliance: ApplianceContext,
  o: { shellKey?: string } = {},
): CliSpec {
  const login = sshLoginOf(rc, appliance);
  const spec: CliSpec = {
    name: o.shellKey ? `${conn.name}@${o.shellKey}` : conn.name,
    idleTimeoutMs: conn.timeout * 1000,
    ...login,
  };
  if (conn.prompt !== undefined) spec.prompt = conn.prompt;
  if (conn.on_open?.length) spec.onOpen = conn.on_open.map((c) => scope.render(c, 'cli'));
  if (conn.error_patterns?.length) spec.errorPatterns = [...conn.error_patterns];
  if (conn.pipeline === true) spec.pipeline = true;
  if (conn.prompts?.length) {
    spec.prompts = conn.prompts.map((p) => ({ pattern: p.pattern, response: scope.render(p.response, 'cli'), max: p.max ?? 1 }));
  }
  return spec;
}
