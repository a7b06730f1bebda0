// `vnf-broker bootstrap`: runs the dictionary's bootstrap section (initial actions with the
// bootstrap login, then the ready test) and prints each step's state.
import { COMMON_USAGE, runWorkflowCommand } from './workflow-cli.js';

export const BOOTSTRAP_USAGE = `usage: vnf-broker bootstrap --dictionary D --appliance A ${COMMON_USAGE}`;

export async function bootstrapCommand(argv: string[]): Promise<number> {
  return runWorkflowCommand(argv, {}, BOOTSTRAP_USAGE, async (s) => {
    const out = await s.engine.runBootstrap({ dictionary: s.dictionary, appliance: s.appliance, signal: s.signal, dryRun: s.dryRun, requestId: s.requestId });
    if ('dry_run' in out) return { ok: true, output: { ...out } };
    return { ok: true, output: { ok: true, result: { steps: out.steps } } };
  });
}

export default bootstrapCommand;
