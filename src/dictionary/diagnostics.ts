// Collecting and formatting load diagnostics (`FILE:LINE:COL: message`). Seed variants and
// duplicate identical keys are warnings, promoted to errors in strict mode.
import { VnfError } from '../errors.js';
import type { Diagnostic } from './model.js';

export interface Position {
  line: number;
  col: number;
}

/** Rules that are accepted seed syntax: warnings normally, errors under --strict. */
const STRICT_RULES = new Set(['seed-variant', 'duplicate-key']);

export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** errors reported as errors (not warnings promoted by strict mode): later stages depend on these */
  hardErrors = 0;

  constructor(readonly file: string, readonly strict = false) {}

  error(pos: Position, rule: string, message: string): void {
    this.hardErrors += 1;
    this.push('error', pos, rule, message);
  }

  warning(pos: Position, rule: string, message: string): void {
    const severity = this.strict && STRICT_RULES.has(rule) ? 'error' : 'warning';
    this.push(severity, pos, rule, message);
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === 'error').length;
  }

  private push(severity: Diagnostic['severity'], pos: Position, rule: string, message: string): void {
    const dup = this.items.some((d) => d.line === pos.line && d.col === pos.col && d.message === message);
    if (!dup) this.items.push({ severity, file: this.file, line: pos.line, col: pos.col, message, rule });
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.col - b.col);
  }
}

/** `FILE:LINE:COL: message` for errors, `FILE:LINE:COL: warning: message` for warnings. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return d.severity === 'error' ? `${where}: ${d.message}` : `${where}: warning: ${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Throws VNF_ERR_DICT_INVALID listing every error (details = all diagnostics) when any is an error. */
export function throwIfInvalid(file: string, diagnostics: readonly Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  const shown = errors.slice(0, 20).map(formatDiagnostic);
  const more = errors.length > shown.length ? `\n... and ${errors.length - shown.length} more` : '';
  throw new VnfError('VNF_ERR_DICT_INVALID', `dictionary ${file} is invalid (${errors.length} error${errors.length === 1 ? '' : 's'}):\n${shown.join('\n')}${more}`, {
    details: diagnostics.map((d) => ({ ...d })),
  });
}
