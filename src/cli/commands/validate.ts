// `vnf-broker validate [--strict] [--print] FILE...`: load, normalise and check dictionaries.
// Diagnostics go to stderr as FILE:LINE:COL: message; the summary is JSON on stdout.
import { isVnfError } from '../../errors.js';
import { formatDiagnostic, loadDictionaryFile, toCanonicalObject } from '../../dictionary/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printErr, printJson, reportError } from '../io.js';

const USAGE = 'usage: vnf-broker validate [--strict] [--print] FILE...';

interface FileSummary {
  file: string;
  name?: string;
  errors: number;
  warnings: number;
  unreadable?: true;
  dictionary?: Record<string, unknown>;
}

export default async function validate(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandArgs(argv, { strict: { type: 'boolean' }, print: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  } catch (error) {
    reportError(error);
    printErr(USAGE);
    return EXIT_USAGE;
  }
  if (parsed.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  if (parsed.positionals.length === 0) {
    printErr(`vnf-broker: VNF_ERR_CLI_USAGE: no dictionary file given\n${USAGE}`);
    return EXIT_USAGE;
  }
  const strict = parsed.values.strict === true;
  const files: FileSummary[] = [];
  let unreadable = false;
  for (const file of parsed.positionals) {
    try {
      const result = await loadDictionaryFile(file, { strict });
      for (const d of result.diagnostics) printErr(formatDiagnostic(d));
      const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
      const name = result.loaded?.dictionary.name;
      const summary: FileSummary = { file, ...(name === undefined ? {} : { name }), errors, warnings: result.diagnostics.length - errors };
      if (result.loaded && parsed.values.print === true) summary.dictionary = toCanonicalObject(result.loaded.dictionary);
      files.push(summary);
    } catch (error) {
      if (!isVnfError(error)) throw error;
      printErr(`${file}: ${error.message.startsWith(file) ? error.message.slice(file.length + 2) : error.message}`);
      files.push({ file, errors: 1, warnings: 0, unreadable: true });
      unreadable = true;
    }
  }
  const ok = files.every((f) => f.errors === 0);
  printJson({ ok, files });
  if (unreadable) return EXIT_USAGE;
  return ok ? EXIT_OK : EXIT_FAILED;
}
