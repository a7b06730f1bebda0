// `vnf-broker render`: dry run of one service operation. Prints {"steps":[...]} with the exact commands
// and requests that would be sent, secrets redacted; connects to nothing.
import { readFile } from 'node:fs/promises';
import { VnfError } from '../../errors.js';
import { loadApplianceContext, resolveDictionary } from '../../dictionary/index.js';
import { redactedPlan, renderOperation } from '../../workflow/render-plan.js';
import { parseCommandArgs, optionalString, requireString } from '../args.js';
import { EXIT_OK, printJson } from '../io.js';

const MAX_DATA_BYTES = 1024 * 1024;

export const RENDER_USAGE =
  'usage: vnf-broker render --dictionary D --appliance A --service S --operation O [--data JSON|@file]';

/** `--data '{"a":1}'` or `--data @file.json`; unreadable or malformed input is VNF_ERR_INPUT_UNREADABLE. */
export async function readDataOption(value: string | undefined): Promise<unknown> {
  if (value === undefined) return {};
  let text = value;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      const bytes = await readFile(path);
      if (bytes.length > MAX_DATA_BYTES) throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `--data file ${path} is larger than ${MAX_DATA_BYTES} bytes`);
      text = bytes.toString('utf8');
    } catch (error) {
      if (error instanceof VnfError) throw error;
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `--data file ${path} cannot be read`, { cause: error });
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // the text may hold secrets: say where, not what
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `--data is not valid JSON${value.startsWith('@') ? ` (${value.slice(1)})` : ''}`, { cause: error });
  }
}

export async function renderCommand(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    dictionary: { type: 'string' },
    appliance: { type: 'string' },
    service: { type: 'string' },
    operation: { type: 'string' },
    data: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (parsed.values.help === true) {
    process.stdout.write(`${RENDER_USAGE}\n`);
    return EXIT_OK;
  }
  const dictionaryRef = requireString(parsed, 'dictionary');
  const appliancePath = requireString(parsed, 'appliance');
  const service = requireString(parsed, 'service');
  const operation = requireString(parsed, 'operation');
  const data = await readDataOption(optionalString(parsed, 'data'));
  const dictionary = await resolveDictionary(dictionaryRef);
  const appliance = await loadApplianceContext(appliancePath);
  const rendered = renderOperation({ dictionary, appliance, service, operation, data });
  printJson(redactedPlan(rendered));
  return EXIT_OK;
}

export default renderCommand;
