// Bootstrap (DESIGN §3.3): initial actions as service operations logged in with the bootstrap
// credentials (initial_connection), then the ready test polled until the appliance answers.
// Re-runnable: when the bootstrap login is refused, the actions run with the final credentials.
import type { Bootstrap, HealthCheck, InitialAction, LoadedDictionary } from '../dictionary/index.js';
import { VnfError, asVnfError, isVnfError } from '../errors.js';
import type { RenderScope } from '../template/index.js';
import { RunClock } from './clock.js';
import { contextScope } from './context-scope.js';
import type { BootstrapReport, BootstrapStepReport, DryRunBootstrap, RunRequest, WorkflowEngineOptions } from './engine-types.js';
import { runCheck } from './healthchecks.js';
import { executeRendered, renderFor } from './operation-run.js';
import { redactedPlan, renderAdHocStep } from './render-plan.js';
import { auditContextOf, auditRun } from './run-audit.js';

export const DEFAULT_BOOTSTRAP_TIMEOUT_MS = 15 * 60_000;

/** The dictionary as the initial actions see it: the initial connection's login replaced by the bootstrap one. */
function bootstrapDictionary(loaded: LoadedDictionary, bs: Bootstrap): LoadedDictionary | undefined {
  const ic = bs.initial_connection;
  if (!ic || (ic.username === undefined && ic.password === undefined && ic.port === undefined)) return undefined;
  const dict = loaded.dictionary;
  const name = ic.connection ?? Object.values(dict.connections).find((c) => c.type === ic.method)?.name;
  const conn = name !== undefined && Object.hasOwn(dict.connections, name) ? dict.connections[name] : undefined;
  if (!conn) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `bootstrap initial_connection: no ${ic.method} connection to log in with`);
  const { private_key: _key, ...rest } = conn;
  const patched = {
    ...(ic.password !== undefined ? rest : conn),
    ...(ic.username !== undefined ? { username: ic.username } : {}),
    ...(ic.password !== undefined ? { password: ic.password } : {}),
    ...(ic.port !== undefined ? { port: ic.port } : {}),
  };
  return { ...loaded, dictionary: { ...dict, connections: { ...dict.connections, [conn.name]: patched } } };
}

/** Parameters are templates over cs_data; a list runs the action once per element. */
function actionInputs(action: InitialAction, scope: RenderScope): Record<string, unknown>[] {
  const render = (v: unknown): unknown => {
    if (typeof v === 'string') return v.includes('{{') ? scope.render(v, 'text') : v;
    if (Array.isArray(v)) return v.map(render);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, render(x)]));
    return v;
  };
  const list = Array.isArray(action.parameters) ? action.parameters : [action.parameters];
  return list.map((p) => {
    const out = render(p);
    if (out === null || typeof out !== 'object' || Array.isArray(out)) {
      throw new VnfError('VNF_ERR_DICT_SEMANTIC', `bootstrap action ${action.service}.${action.action}: parameters must be an object or a list of objects`);
    }
    return out as Record<string, unknown>;
  });
}

/** The login itself was refused: SSH authentication, or HTTP 401/403. */
function isLoginRefused(e: unknown): boolean {
  if (!isVnfError(e)) return false;
  if (e.code === 'VNF_ERR_SSH_AUTH') return true;
  const status = (e.details as { status?: number } | undefined)?.status;
  return e.code === 'VNF_ERR_HTTP_STATUS' && (status === 401 || status === 403);
}

/** Errors a freshly started appliance gives while it is still booting (nothing was configured yet). */
const NOT_UP_YET = new Set(['VNF_ERR_NET_CONNECT', 'VNF_ERR_NET_TIMEOUT', 'VNF_ERR_SSH_HANDSHAKE', 'VNF_ERR_SSH_DISCONNECTED',
  'VNF_ERR_SSH_PROMPT_TIMEOUT', 'VNF_ERR_TLS_HANDSHAKE', 'VNF_ERR_HTTP_PROTOCOL', 'VNF_ERR_HTTP_TIMEOUT']);
const DEFAULT_WAIT = { retries: 10, interval: 5 };

/**
 * Until the appliance answers for the first time, the first initial action is retried on
 * "not up yet" errors with the ready test's retries/interval: bootstrap starts right after the VM
 * does, and must wait for it rather than fail.
 */
async function untilReachable<T>(bs: Bootstrap, clock: RunClock, attempt: () => Promise<T>): Promise<T> {
  const { retries, interval } = bs.ready_test ?? DEFAULT_WAIT;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (i >= retries || !isVnfError(error) || !NOT_UP_YET.has(error.code)) throw error;
      await clock.sleep(interval * 1000);
    }
  }
}

function readyCheck(bs: Bootstrap): HealthCheck | undefined {
  const t = bs.ready_test;
  if (!t) return undefined;
  return {
    name: 'ready_test', type: t.command !== undefined ? 'ssh' : 'http', retries: t.retries, interval: t.interval,
    ...(t.connection !== undefined ? { connection: t.connection } : {}),
    ...(t.command !== undefined ? { command: t.command } : {}),
    ...(t.method !== undefined ? { method: t.method } : {}),
    ...(t.url !== undefined ? { url: t.url } : {}),
    ...(t.expected_output !== undefined ? { expected_output: t.expected_output } : {}),
    ...(t.expected_status !== undefined ? { expected_status: t.expected_status } : {}),
  };
}

function dryRun(o: WorkflowEngineOptions, req: RunRequest, bs: Bootstrap, scope: RenderScope): DryRunBootstrap {
  const boot = bootstrapDictionary(req.dictionary, bs) ?? req.dictionary;
  const initial_actions = bs.initial_actions.flatMap((a) => actionInputs(a, scope).map((data) => ({
    service: a.service, action: a.action,
    steps: redactedPlan(renderFor(o, { ...req, dictionary: boot, service: a.service, operation: a.action, data })).steps,
  })));
  const check = readyCheck(bs);
  if (!check?.connection) return { ok: true, dry_run: true, initial_actions };
  const step = check.type === 'ssh'
    ? { connection: check.connection, transport: 'ssh' as const, commands: [check.command ?? ''] }
    : { connection: check.connection, transport: 'https' as const, method: check.method ?? 'GET', url: check.url ?? '/' };
  const ready = renderAdHocStep({ dictionary: req.dictionary, scope, appliance: req.appliance, step, base: ['bootstrap', 'ready_test'] });
  return { ok: true, dry_run: true, initial_actions, ready_test: redactedPlan({ steps: [ready.step], scope }).steps[0] };
}

async function runActions(o: WorkflowEngineOptions, req: RunRequest, bs: Bootstrap, scope: RenderScope, clock: RunClock, steps: BootstrapStepReport[]): Promise<boolean> {
  const boot = bootstrapDictionary(req.dictionary, bs);
  let login: 'bootstrap' | 'final' = boot ? 'bootstrap' : 'final';
  let reached = false;
  for (const action of bs.initial_actions) {
    for (const data of actionInputs(action, scope)) {
      const started = Date.now();
      const name = `initial_action ${action.service}.${action.action}`;
      const run = (which: 'bootstrap' | 'final') => {
        const opReq = { ...req, dictionary: which === 'bootstrap' && boot ? boot : req.dictionary, service: action.service, operation: action.action, data };
        return executeRendered(o, opReq, renderFor(o, opReq), { clock, ...(which === 'bootstrap' ? { shellKey: 'bootstrap' } : {}) });
      };
      try {
        try {
          await (reached ? run(login) : untilReachable(bs, clock, () => run(login)));
        } catch (error) {
          // bootstrap login refused: already bootstrapped (password changed) → continue with the final login
          if (login !== 'bootstrap' || !isLoginRefused(error)) throw error;
          login = 'final';
          await run(login);
        }
        reached = true;
        steps.push({ step: name, status: 'done', duration_ms: Date.now() - started, credentials: login });
      } catch (error) {
        const e = clock.reason ?? asVnfError(error);
        steps.push({ step: name, status: 'failed', duration_ms: Date.now() - started, credentials: login, error: { code: e.code, message: e.message } });
        if (e.code === 'VNF_ERR_AUDIT_WRITE') throw e;
        return false;
      }
    }
  }
  return true;
}

export async function runBootstrap(o: WorkflowEngineOptions, req: RunRequest): Promise<BootstrapReport | DryRunBootstrap> {
  const bs = req.dictionary.dictionary.bootstrap;
  const scope = contextScope(req.appliance, o.now);
  if (!bs) return req.dryRun ? { ok: true, dry_run: true, initial_actions: [] } : { ok: true, steps: [] };
  if (req.dryRun) return dryRun(o, req, bs, scope);
  const clock = new RunClock({ deadlineMs: req.deadlineMs ?? o.defaults?.bootstrapTimeoutMs ?? DEFAULT_BOOTSTRAP_TIMEOUT_MS,
    ...(req.signal ? { signal: req.signal } : {}), what: 'bootstrap' });
  const ctx = auditContextOf(req, { operation: 'bootstrap' }, scope.secretForms());
  const end = auditRun(o.audit, ctx, { initial_actions: bs.initial_actions.length, ready_test: bs.ready_test !== undefined });
  const steps: BootstrapStepReport[] = [];
  try {
    const ok = await o.pool.runOperation(req.appliance.id, async () => {
      clock.check();
      if (!await runActions(o, req, bs, scope, clock, steps)) return false;
      const check = readyCheck(bs);
      if (!check) return true;
      // the ready test's own overall timeout (seconds) bounds the polling inside the bootstrap deadline
      const polling = new RunClock({ deadlineMs: Math.min(clock.remaining(), (bs.ready_test?.timeout ?? Infinity) * 1000), signal: clock.signal, what: 'ready test' });
      try {
        const r = await runCheck(o, { pool: o.pool, clock: polling, appliance: req.appliance, dictionary: req.dictionary.dictionary, scope, audit: ctx }, req, check, 0, scope);
        steps.push({ step: 'ready_test', status: r.status === 'pass' ? 'done' : 'failed', duration_ms: r.duration_ms, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) });
        return r.status === 'pass';
      } finally {
        polling.dispose();
      }
    }, { exclusive: true });
    if (!ok) {
      const failed = steps.find((s) => s.status === 'failed');
      throw new VnfError('VNF_ERR_BOOTSTRAP_FAILED', `bootstrap failed at ${failed?.step ?? 'an unknown step'}: ${failed?.error?.code ?? ''}`, { details: { steps } });
    }
    end();
    return { ok: true, steps };
  } catch (error) {
    end(error);
    throw error;
  } finally {
    clock.dispose();
  }
}
