// Argument parsing on node:util parseArgs, turning its errors into VNF_ERR_CLI_USAGE.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { VnfError } from '../errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export function parseCommandArgs(argv: string[], options: Options, allowPositionals = true): Parsed {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: parsed.values as Parsed['values'], positionals: parsed.positionals };
  } catch (error) {
    throw new VnfError('VNF_ERR_CLI_USAGE', error instanceof Error ? error.message : 'bad arguments');
  }
}

export function requireString(parsed: Parsed, name: string): string {
  const value = parsed.values[name];
  if (typeof value !== 'string' || value === '') {
    throw new VnfError('VNF_ERR_CLI_USAGE', `missing required option --${name}`);
  }
  return value;
}

export function optionalString(parsed: Parsed, name: string): string | undefined {
  const value = parsed.values[name];
  return typeof value === 'string' ? value : undefined;
}
