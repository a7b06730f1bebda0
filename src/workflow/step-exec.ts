// Executes the rendered steps of one operation in order on the pooled transports — CLI shells or
// exec channels for ssh steps, HTTP(S) through the chain for http steps — and parses each response.
import type { ApplianceContext, Connection, Dictionary } from '../dictionary/index.js';
import { VnfError } from '../errors.js';
import type { RenderScope } from '../template/index.js';
import { DEFAULT_TIMEOUTS, type AuditContext } from '../transport/index.js';
import type { RunClock } from './clock.js';
import { cliSpecFrom, sshLoginOf } from './connection-spec.js';
import type { StepReport, WorkflowPool } from './engine-types.js';
import { checkHttpStatus } from './http-status.js';
import type { RenderedConnection, RenderedHttpStep, RenderedOperation, RenderedSshStep, StepResponse } from './render-plan.js';
import { parseResponse } from './response.js';

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

export interface StepsOutcome {
  result: unknown;
  steps: StepReport[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

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
  for (const command of step.commands) {
    const r = await clock.race(cli.send(command, { audit: env.audit, timeoutMs: within(env, DEFAULT_TIMEOUTS.commandTotalMs) }));
    outputs.push(r.output);
  }
  return outputs.join('\n');
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

async function runHttp(env: StepEnv, step: RenderedHttpStep, conn: Connection): Promise<{ text: string; status: number }> {
  const res = await sendHttp(env, step, conn);
  checkHttpStatus(res.status, res.text, conn.name);
  return res;
}

/** http steps without a response spec: JSON when the body is JSON, {status} when empty, else {output}. */
function parseUndeclaredHttp(text: string, status: number): unknown {
  if (text.trim() === '') return { status };
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { output: text };
  }
}

function parseStep(response: StepResponse | undefined, text: string, status: number | undefined): unknown {
  if (response?.spec === undefined && status !== undefined) return parseUndeclaredHttp(text, status);
  return parseResponse(response?.spec, { text, ...(status !== undefined ? { status } : {}) }, response?.patterns ?? {});
}

/**
 * Runs every step in order. The result: the fields of the parsed results of the steps that declare a
 * `response`, merged in step order (a later step's field wins); when no step declares one, the last
 * step's parsed output. A declared result that is not an object (a JSON array without a transform)
 * is the result as it is when it comes from the last declaring step.
 */
export async function runSteps(env: StepEnv, rendered: Pick<RenderedOperation, 'steps' | 'responses' | 'connections'>): Promise<StepsOutcome> {
  const reports: StepReport[] = [];
  let merged: Record<string, unknown> = {};
  let last: unknown;
  let declared = false;
  let lastDeclared: unknown;
  for (const [i, step] of rendered.steps.entries()) {
    env.clock.check();
    const conn = connectionOf(env, step.connection);
    const rc = rendered.connections[step.connection];
    if (!rc) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `connection '${step.connection}' was not rendered`);
    const started = Date.now();
    let text: string;
    let status: number | undefined;
    try {
      if (step.transport === 'ssh') {
        text = await runSsh(env, step, conn, rc);
      } else {
        ({ text, status } = await runHttp(env, step, conn));
      }
    } catch (error) {
      throw env.clock.reason ?? error;
    }
    const report: StepReport = { connection: step.connection, transport: step.transport, duration_ms: Date.now() - started };
    if (step.transport === 'ssh') report.commands = step.commands.length;
    if (status !== undefined) report.status = status;
    reports.push(report);
    last = parseStep(rendered.responses[i], text, status);
    if (rendered.responses[i]?.spec === undefined) continue;
    declared = true;
    lastDeclared = last;
    if (isPlainObject(last)) merged = { ...merged, ...last };
  }
  if (!declared) return { result: last, steps: reports };
  return { result: isPlainObject(lastDeclared) ? merged : lastDeclared, steps: reports };
}
