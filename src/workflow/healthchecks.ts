// Health checks (DESIGN §3.3 `healthchecks`): http (expected_status, expected_output), ssh (a command
// on the CLI or an exec channel, expected_output) and tcp (a connect through the jump chain), each
// with its timeout per attempt and retries at its declared interval (abortable waits).
import type { HealthCheck, Step } from '../dictionary/index.js';
import { VnfError, asVnfError } from '../errors.js';
import type { RenderScope } from '../template/index.js';
import { RunClock } from './clock.js';
import { contextScope, matchesExpected } from './context-scope.js';
import type { CheckReport, DryRunChecks, HealthReport, RunRequest, WorkflowEngineOptions } from './engine-types.js';
import { redactedPlan, renderAdHocStep, renderConnection } from './render-plan.js';
import { auditContextOf, auditRun } from './run-audit.js';
import { connectionOf, runSsh, sendHttp, type StepEnv } from './step-exec.js';

export const DEFAULT_HEALTHCHECK_TIMEOUT_MS = 60_000;
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

type Prepared =
  | { kind: 'step'; step: ReturnType<typeof renderAdHocStep>['step']; connection: ReturnType<typeof renderAdHocStep>['connection'] }
  | { kind: 'tcp'; host: string; port: number };

function checkStep(check: HealthCheck): Step {
  if (check.connection === undefined) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `health check '${check.name}' names no connection`);
  return check.type === 'ssh'
    ? { connection: check.connection, transport: 'ssh', commands: [check.command ?? ''] }
    : {
      connection: check.connection, transport: 'https', method: check.method ?? 'GET', url: check.url ?? '/',
      ...(check.headers ? { headers: check.headers } : {}), ...(check.body !== undefined ? { body: check.body } : {}),
    };
}

function prepare(req: RunRequest, check: HealthCheck, index: number, scope: RenderScope): Prepared {
  if (check.type === 'tcp') {
    const dict = req.dictionary.dictionary;
    if (check.connection === undefined) {
      if (check.port === undefined) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `tcp health check '${check.name}' needs a port or a connection`);
      return { kind: 'tcp', host: req.appliance.management.host, port: check.port };
    }
    const rc = renderConnection(scope, connectionOf({ dictionary: dict } as StepEnv, check.connection), req.appliance);
    return { kind: 'tcp', host: rc.host, port: check.port ?? rc.port };
  }
  return { kind: 'step', ...renderAdHocStep({ dictionary: req.dictionary, scope, appliance: req.appliance, step: checkStep(check), base: ['healthchecks', index] }) };
}

async function attempt(o: WorkflowEngineOptions, env: StepEnv, check: HealthCheck, p: Prepared, scope: RenderScope): Promise<void> {
  if (p.kind === 'tcp') {
    await env.clock.race(o.pool.tcpProbe(env.appliance, p.host, p.port, env.clock.remaining()));
    return;
  }
  const conn = connectionOf(env, p.step.connection);
  const expected = check.expected_output !== undefined ? scope.render(check.expected_output, 'regex') : undefined;
  let text: string;
  if (p.step.transport === 'ssh') {
    text = await runSsh(env, p.step, conn, p.connection);
  } else {
    const res = await sendHttp(env, p.step, conn);
    const want = check.expected_status ?? 200;
    if (res.status !== want) throw new VnfError('VNF_ERR_HEALTHCHECK_FAILED', `expected HTTP ${want}, got ${res.status}`, { details: { status: res.status } });
    text = res.text;
  }
  if (expected !== undefined && !matchesExpected(text, expected)) {
    throw new VnfError('VNF_ERR_HEALTHCHECK_FAILED', 'the output does not contain the expected output');
  }
}

/** Runs one check with its retries; never throws except for an audit failure or the run's abort. */
export async function runCheck(o: WorkflowEngineOptions, base: Omit<StepEnv, 'clock'> & { clock: RunClock }, req: RunRequest, check: HealthCheck, index: number,
  scope: RenderScope): Promise<CheckReport> {
  const started = Date.now();
  const attempts = Math.max(1, check.retries + 1);
  const perAttempt = (check.timeout !== undefined ? check.timeout * 1000 : undefined) ?? o.defaults?.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  let error: VnfError | undefined;
  let n = 0;
  for (n = 1; n <= attempts; n++) {
    const clock = new RunClock({ deadlineMs: Math.min(perAttempt, base.clock.remaining()), signal: base.clock.signal, what: `health check '${check.name}'` });
    try {
      await attempt(o, { ...base, clock }, check, prepare(req, check, index, scope), scope);
      error = undefined;
      break;
    } catch (e) {
      error = clock.reason ?? asVnfError(e);
      if (error.code === 'VNF_ERR_AUDIT_WRITE') throw error;
    } finally {
      clock.dispose();
    }
    if (base.clock.aborted) break;
    if (n < attempts) await base.clock.sleep(check.interval * 1000);
  }
  const report: CheckReport = { name: check.name, type: check.type, status: error ? 'fail' : 'pass', duration_ms: Date.now() - started, attempts: Math.min(n, attempts) };
  if (error) report.error = { code: error.code, message: error.message };
  return report;
}

export async function runHealthchecks(o: WorkflowEngineOptions, req: RunRequest): Promise<HealthReport | DryRunChecks> {
  const checks = req.dictionary.dictionary.healthchecks;
  const scope = contextScope(req.appliance, o.now);
  if (req.dryRun) {
    return {
      ok: true, dry_run: true,
      checks: checks.map((c, i) => {
        const p = prepare(req, c, i, scope);
        return p.kind === 'tcp' ? { name: c.name, type: c.type, target: { host: p.host, port: p.port } }
          : { name: c.name, type: c.type, step: redactedPlan({ steps: [p.step], scope }).steps[0] };
      }),
    };
  }
  const clock = new RunClock({ deadlineMs: req.deadlineMs ?? o.defaults?.healthcheckTimeoutMs ?? DEFAULT_HEALTHCHECK_TIMEOUT_MS,
    ...(req.signal ? { signal: req.signal } : {}), what: 'health checks' });
  const ctx = auditContextOf(req, { operation: 'healthchecks' }, scope.secretForms());
  const end = auditRun(o.audit, ctx, { checks: checks.length });
  try {
    const reports = await o.pool.runOperation(req.appliance.id, async () => {
      const out: CheckReport[] = [];
      for (const [i, check] of checks.entries()) {
        out.push(await runCheck(o, { pool: o.pool, clock, appliance: req.appliance, dictionary: req.dictionary.dictionary, scope, audit: ctx }, req, check, i, scope));
      }
      return out;
    }, { exclusive: false });
    const ok = reports.every((r) => r.status === 'pass');
    end(ok ? undefined : new VnfError('VNF_ERR_HEALTHCHECK_FAILED', 'health check failed'));
    return { ok, checks: reports };
  } catch (error) {
    end(error);
    throw error;
  } finally {
    clock.dispose();
  }
}
