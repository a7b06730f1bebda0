// `vnf-broker run`: executes one service operation against an appliance and prints
// {"ok":true,"result":...,"steps":[...]} or {"ok":false,"error":{"code","message"}}.
import { optionalString, requireString } from '../args.js';
import { readDataOption } from './render.js';
import { COMMON_USAGE, runWorkflowCommand } from './workflow-cli.js';

export const RUN_USAGE = `usage: vnf-broker run --dictionary D --appliance A --service S --operation O [--data JSON|@file] ${COMMON_USAGE}`;

export async function runCommand(argv: string[]): Promise<number> {
  return runWorkflowCommand(argv, { service: { type: 'string' }, operation: { type: 'string' }, data: { type: 'string' } }, RUN_USAGE,
    async (s, parsed) => {
      const service = requireString(parsed, 'service');
      const operation = requireString(parsed, 'operation');
      const data = await readDataOption(optionalString(parsed, 'data'));
      const out = await s.engine.runOperation({
        dictionary: s.dictionary, appliance: s.appliance, service, operation, data, signal: s.signal, dryRun: s.dryRun, requestId: s.requestId,
      });
      return { ok: true, output: { ...out } };
    }, ['service', 'operation']);
}

export default runCommand;
