// `vnf-broker healthcheck`: runs every health check of the dictionary against an appliance and
// prints each check's status; exit 1 when any check fails.
import { COMMON_USAGE, runWorkflowCommand } from './workflow-cli.js';

export const HEALTHCHECK_USAGE = `usage: vnf-broker healthcheck --dictionary D --appliance A ${COMMON_USAGE}`;

export async function healthcheckCommand(argv: string[]): Promise<number> {
  return runWorkflowCommand(argv, {}, HEALTHCHECK_USAGE, async (s) => {
    const out = await s.engine.runHealthchecks({ dictionary: s.dictionary, appliance: s.appliance, signal: s.signal, dryRun: s.dryRun, requestId: s.requestId });
    if ('dry_run' in out) return { ok: true, output: { ...out } };
    const failed = out.checks.filter((c) => c.status === 'fail').map((c) => c.name);
    return out.ok
      ? { ok: true, output: { ok: true, result: { checks: out.checks } } }
      : { ok: false, output: { ok: false, error: { code: 'VNF_ERR_HEALTHCHECK_FAILED', message: `health checks failed: ${failed.join(', ')}` }, result: { checks: out.checks } } };
  });
}

export default healthcheckCommand;
