// The flow of one operation's steps: when: conditions, rendering with earlier results (save_as →
// {{steps.NAME.FIELD}}), retries while the appliance is busy, expected statuses and "already"
// answers (convergence), the merged result, and compensation (on_failure) when a later step fails.
import type { ResponseMatch, RetrySpec, Step } from '../dictionary/model.js';
import { VnfError, isVnfError } from '../errors.js';
import { compileCondition } from '../template/index.js';
import type { ErrorSummary, StepReport } from './engine-types.js';
import { checkHttpStatus } from './http-status.js';
import type { RenderedOperation, RenderedStep, StepResponse } from './render-plan.js';
import { evaluateJsonPath, parseResponse } from './response.js';
import { connectionOf, runSsh, sendHttp, type StepEnv } from './step-exec.js';
import { sameValue } from '../template/value.js';
import { isSecretName } from './values.js';

export interface StepsOutcome {
  result: unknown;
  steps: StepReport[];
}

/** One compensation (the on_failure list of one step) as it ran. */
export interface CompensationReport {
  /** 1-based index of the step whose on_failure this is */
  step: number;
  ok: boolean;
  steps: StepReport[];
  error?: ErrorSummary;
}

export type StepFlow = Pick<RenderedOperation, 'steps' | 'responses' | 'connections' | 'specs' | 'renderNow'>;

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

interface Ran {
  report: StepReport;
  skipped: boolean;
  parsed?: unknown;
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

function busy(retry: RetrySpec, status: number | undefined, text: string): boolean {
  if (status !== undefined && retry.on_status?.includes(status)) return true;
  return retry.on_output !== undefined && new RegExp(retry.on_output, 'm').test(text);
}

/** Every condition the match gives holds (status, JSONPath equalities, output regex). */
export function responseMatches(m: ResponseMatch, status: number | undefined, text: string): boolean {
  if (m.status && (status === undefined || !m.status.includes(status))) return false;
  if (m.output !== undefined && !new RegExp(m.output, 'm').test(text)) return false;
  if (m.json) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return false;
    }
    if (json === null || typeof json !== 'object') return false;
    for (const [path, want] of Object.entries(m.json)) {
      const found = evaluateJsonPath(path, json);
      if (!found.some((v) => sameValue(v, want))) return false;
    }
  }
  return true;
}

async function send(env: StepEnv, flow: StepFlow, step: RenderedStep): Promise<{ text: string; status?: number }> {
  const conn = connectionOf(env, step.connection);
  try {
    if (step.transport === 'ssh') {
      const rc = flow.connections[step.connection];
      if (!rc) throw new VnfError('VNF_ERR_DICT_SEMANTIC', `connection '${step.connection}' was not rendered`);
      return { text: await runSsh(env, step, conn, rc) };
    }
    return await sendHttp(env, step, conn);
  } catch (error) {
    throw env.clock.reason ?? error;
  }
}

/** One step: its condition, its rendering (with earlier results), its attempts, its verdict. */
async function runOne(env: StepEnv, flow: StepFlow, spec: Step, at: (string | number)[], planned?: { step?: RenderedStep; response?: StepResponse }): Promise<Ran> {
  const base: StepReport = { connection: spec.connection, transport: spec.transport, duration_ms: 0, ...(spec.save_as !== undefined ? { save_as: spec.save_as } : {}) };
  if (spec.when !== undefined && env.scope.condition(compileCondition(spec.when)) !== true) return { report: { ...base, skipped: true }, skipped: true };
  const usable = planned?.step && planned.response && !planned.step.deferred && !planned.step.skipped;
  const { step, response } = usable ? { step: planned.step as RenderedStep, response: planned.response as StepResponse } : flow.renderNow(spec, at);
  const started = Date.now();
  const attempts = spec.retry?.attempts ?? 1;
  let answer: { text: string; status?: number };
  let attempt = 0;
  for (;;) {
    attempt += 1;
    env.clock.check();
    answer = await send(env, flow, step);
    if (!spec.retry || attempt >= attempts || !busy(spec.retry, answer.status, answer.text)) break;
    await env.clock.sleep(spec.retry.interval * 1000);
  }
  const { text, status } = answer;
  const report: StepReport = { ...base, transport: step.transport, duration_ms: Date.now() - started };
  if (step.transport === 'ssh') report.commands = step.commands.length;
  if (status !== undefined) report.status = status;
  if (attempt > 1) report.attempts = attempt;
  let parsed: unknown;
  if (response.spec?.already?.some((m) => responseMatches(m, status, text))) {
    report.already = true;
    parsed = { already: true };
  } else {
    if (status !== undefined) checkHttpStatus(status, text, step.connection, response.spec?.expected_status);
    parsed = parseStep(response, text, status);
  }
  if (spec.save_as !== undefined) env.scope.setStep(spec.save_as, parsed, isSecretName);
  return { report, skipped: false, parsed };
}

function summary(error: unknown): ErrorSummary {
  return isVnfError(error) ? { code: error.code, message: error.message } : { code: 'VNF_ERR_BROKER_INTERNAL', message: 'internal error' };
}

/**
 * Runs the on_failure lists of the steps that succeeded, newest first (each list in order, stopping
 * at its first failure), then returns the original error with details.compensation added.
 */
async function compensate(env: StepEnv, flow: StepFlow, undo: Array<{ index: number; steps: Step[] }>, error: unknown, failedStep: number): Promise<unknown> {
  const done: CompensationReport[] = [];
  for (const u of [...undo].reverse()) {
    const rep: CompensationReport = { step: u.index + 1, ok: true, steps: [] };
    try {
      for (const [k, s] of u.steps.entries()) rep.steps.push((await runOne(env, flow, s, [u.index, 'on_failure', k])).report);
    } catch (e) {
      rep.ok = false;
      rep.error = summary(env.clock.reason ?? e);
    }
    done.push(rep);
  }
  if (!isVnfError(error)) return error;
  const prior = isPlainObject(error.details) ? error.details : error.details === undefined ? {} : { details: error.details };
  return new VnfError(error.code, error.message, { cause: error, stage: error.stage, details: { ...prior, failed_step: failedStep, compensation: done } });
}

/**
 * Runs every step in order. The result: the fields of the parsed results of the steps that declare a
 * `response` and ran, merged in step order (a later step's field wins); when no step declares one,
 * the last run step's parsed output. A declared result that is not an object (a JSON array without a
 * transform) is the result as it is when it comes from the last declaring step.
 */
export async function runSteps(env: StepEnv, flow: StepFlow): Promise<StepsOutcome> {
  const reports: StepReport[] = [];
  const undo: Array<{ index: number; steps: Step[] }> = [];
  let merged: Record<string, unknown> = {};
  let last: unknown;
  let declared = false;
  let lastDeclared: unknown;
  for (const [i, spec] of flow.specs.entries()) {
    env.clock.check();
    let ran: Ran;
    try {
      ran = await runOne(env, flow, spec, [i], { step: flow.steps[i], response: flow.responses[i] });
    } catch (error) {
      if (undo.length === 0) throw error;
      throw await compensate(env, flow, undo, error, i + 1);
    }
    reports.push(ran.report);
    if (ran.skipped) continue;
    if (spec.on_failure) undo.push({ index: i, steps: spec.on_failure });
    last = ran.parsed;
    if (spec.response === undefined) continue;
    declared = true;
    lastDeclared = last;
    if (isPlainObject(last)) merged = { ...merged, ...last };
  }
  if (!declared) return { result: last, steps: reports };
  return { result: isPlainObject(lastDeclared) ? merged : lastDeclared, steps: reports };
}
