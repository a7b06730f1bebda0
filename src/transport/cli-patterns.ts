// The regexes a CLI spec declares (prompt, pager, error patterns, prompted input), compiled once
// per session: an invalid one is a dictionary error, not a crash mid-command.
import { VnfError } from '../errors.js';
import { DEFAULT_PAGER, DEFAULT_PROMPT } from './cli-text.js';
import type { CliSpec } from './types.js';

export function compilePattern(src: string, flags: string, what: string): RegExp {
  try {
    return new RegExp(src, flags);
  } catch (err) {
    throw new VnfError('VNF_ERR_DICT_SEMANTIC', `invalid ${what} regex /${src}/`, { cause: err });
  }
}

export interface CliPatterns {
  promptRe: RegExp;
  pagerRe: RegExp;
  errorRes: RegExp[];
}

export function compileCliPatterns(spec: CliSpec): CliPatterns {
  const promptRe = compilePattern(spec.prompt ?? DEFAULT_PROMPT, '', 'prompt');
  // pager: '' turns the pager safety net off
  const pagerRe = spec.pager === '' ? /(?!)/ : compilePattern(spec.pager ?? DEFAULT_PAGER, '', 'pager');
  const errorRes = (spec.errorPatterns ?? []).map((p) => compilePattern(p, 'm', 'error pattern'));
  return { promptRe, pagerRe, errorRes };
}

/** The whole output line where the first error pattern (in declared order) matched, trimmed. */
export function matchedErrorLine(errorRes: readonly RegExp[], output: string): string | undefined {
  for (const re of errorRes) {
    const m = re.exec(output);
    if (m) {
      const start = output.lastIndexOf('\n', m.index) + 1;
      const end = output.indexOf('\n', m.index);
      return output.slice(start, end < 0 ? undefined : end).trim();
    }
  }
  return undefined;
}
