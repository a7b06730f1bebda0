// Sends one rendered step on the pooled transports — CLI shells or exec channels for ssh steps,
// HTTP(S) through the chain for http steps. The flow around it (conditions, retries, results) is
// step-flow.ts.
import type { ApplianceContext, Connection, Dictionary } from '../dictionary/index.js';
import { VnfError } from '../errors.js';
import type { RenderScope } from '../template/index.js';
import { DEFAULT_TIMEOUTS, type AuditContext } from '../transport/index.js';
import type { RunClock } from './clock.js';
import { cliSpecFrom, sshLoginOf } from './connection-spec.js';
import type { WorkflowPool } from './engine-types.js';
import type { RenderedConnection, RenderedHttpStep, RenderedSshStep } from './render-plan.js';

export interface StepEnv {
  pool: WorkflowPool;
  clock: RunClock;
  appliance: ApplianceContext;
  dictionary: Dictionary;
  scope: RenderScope;
  audit: AuditContext;
  /** held shells of this run are kept apart under this key (bootstrap logins) */
  shellKey?: string;
}

export function connectionOf(env: StepEnv, name: string): Connection {
  const conn = Object.hasOwn(env.dictionary.connections, name) ? env.dictionary.connections[name] : undefined;
  if (!conn) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `unknown connection '${name}'`);
  return conn;
}

/** A transport timeout that never outlives the run's deadline. */
const within = (env: StepEnv, ms: number): number => Math.min(env.clock.remaining(), ms);

export async function runSsh(env: StepEnv, step: RenderedSshStep, conn: Connection, rc: RenderedConnection): Promise<string> {
  const { pool, clock, appliance } = env;
  const outputs: string[] = [];
  if (conn.mode === 'exec') {
    const login = sshLoginOf(rc, appliance);
    const errorRes = (conn.error_patterns ?? []).map((p) => new RegExp(p, 'm'));
    for (const command of step.commands) {
      const r = await clock.race(pool.exec(appliance, command, { timeoutMs: within(env, conn.timeout * 1000), audit: env.audit, login }));
      if (r.exitCode !== 0) {
        throw new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `connection '${conn.name}': command exited with status ${r.exitCode ?? r.signal ?? '?'}`,
          { details: { exit_code: r.exitCode } });
      }
      if (errorRes.some((re) => re.test(r.stdout) || re.test(r.stderr))) {
        throw new VnfError('VNF_ERR_SSH_COMMAND_FAILED', `connection '${conn.name}': command output matched an error pattern`);
      }
      outputs.push(r.stdout.replace(/\r\n/g, '\n').replace(/\n$/, ''));
    }
    return outputs.join('\n');
  }
  const spec = cliSpecFrom(conn, rc, env.scope, appliance, env.shellKey ? { shellKey: env.shellKey } : {});
  const cli = await clock.race(pool.cli(appliance, spec, { audit: env.audit }));
  // one unit on the held shell (typed ahead in groups when the connection says `pipeline: true`);
  // once the run is aborted nothing more is sent
  const results = await clock.race(cli.sendAll(step.commands, { audit: env.audit, timeoutMs: within(env, DEFAULT_TIMEOUTS.commandTotalMs), signal: clock.signal }));
  return results.map((r) => r.output).join('\n');
}

/** One HTTP request of a step; any status is returned. */
export async function sendHttp(env: StepEnv, step: RenderedHttpStep, conn: Connection): Promise<{ text: string; status: number }> {
  const ms = within(env, conn.timeout * 1000);
  const res = await env.clock.race(env.pool.http(env.appliance, {
    method: step.method, url: step.url, headers: step.headers, ...(step.body !== null ? { body: step.body } : {}),
    verifySsl: conn.verify_ssl, audit: env.audit, headersTimeoutMs: ms, bodyTimeoutMs: ms,
  }));
  return { text: res.body, status: res.status };
}

// the step loop lives in step-flow.ts; kept importable from here for existing callers
export { runSteps, type StepsOutcome } from './step-flow.js';
