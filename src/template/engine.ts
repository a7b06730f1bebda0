// The one handlebars instance: isolated (Handlebars.create), strict, known helpers only, no HTML
// escaping (values are encoded per landing instead). Templates compile once and are cached.
import Handlebars from 'handlebars';
import { VnfError } from '../errors.js';
import type { TemplateLanding } from './landing.js';
import { collectReferences, TemplateSyntaxError, type TemplateReference } from './references.js';
import { CIDR_HELPERS, applyCidrHelper } from './cidr.js';
import { compareVersions, isTruthy, sameValue } from './value.js';

/** Every helper a template may call: block helpers, condition helpers and the value (CIDR) helpers. */
export const KNOWN_HELPERS = ['if', 'unless', 'eq', 'ne', 'and', 'or', 'not', 'version_lt', 'version_gte', ...CIDR_HELPERS] as const;

type HelperOptions = Handlebars.HelperOptions;

const hb = Handlebars.create();
// built-ins that would widen the language (lookup walks arbitrary properties); the AST check refuses them too
for (const name of ['lookup', 'each', 'with', 'log']) hb.unregisterHelper(name);

// if/unless are replaced so that they test the raw value of a TemplateValue, not the wrapper object
hb.registerHelper('if', function (this: unknown, condition: unknown, options: HelperOptions) {
  return isTruthy(condition, options.hash?.includeZero === true) ? options.fn(this) : options.inverse(this);
});
hb.registerHelper('unless', function (this: unknown, condition: unknown, options: HelperOptions) {
  return isTruthy(condition, options.hash?.includeZero === true) ? options.inverse(this) : options.fn(this);
});
// helpers receive their arguments followed by handlebars' options object, which is dropped here
const args = (list: unknown[]): unknown[] => list.slice(0, -1);
hb.registerHelper('eq', (a: unknown, b: unknown) => sameValue(a, b));
hb.registerHelper('ne', (a: unknown, b: unknown) => !sameValue(a, b));
hb.registerHelper('and', (...list: unknown[]) => args(list).every((v) => isTruthy(v)));
hb.registerHelper('or', (...list: unknown[]) => args(list).some((v) => isTruthy(v)));
hb.registerHelper('not', (v: unknown) => !isTruthy(v));
hb.registerHelper('version_lt', (a: unknown, b: unknown) => compareVersions(a, b) < 0);
hb.registerHelper('version_gte', (a: unknown, b: unknown) => compareVersions(a, b) >= 0);
for (const name of CIDR_HELPERS) hb.registerHelper(name, (value: unknown) => applyCidrHelper(name, value));

const COMPILE_OPTIONS: CompileOptions = {
  strict: true,
  knownHelpersOnly: true,
  noEscape: true,
  knownHelpers: {
    ...Object.fromEntries(KNOWN_HELPERS.map((h) => [h, true])),
    lookup: false, each: false, with: false, log: false,
  },
};

export interface CompiledTemplate {
  readonly source: string;
  readonly landing: TemplateLanding;
  /** values the template names, in first-use order */
  readonly references: readonly TemplateReference[];
  /** internal: runs the compiled template on a prepared context; use RenderScope to render */
  readonly execute: (context: object) => string;
}

const MAX_CACHED = 10_000;
const cache = new Map<string, CompiledTemplate>();

/**
 * Where a jison parse error happened. Its message carries the line and the last ≤20 consumed
 * characters (newlines removed) followed by a caret; find the offset that reproduces them.
 */
function parseErrorPosition(source: string, message: string): { line: number; column: number } {
  const line = Number(/on line (\d+)/.exec(message)?.[1] ?? '1');
  const lines = message.split('\n');
  const caret = lines.findIndex((l) => /^-*\^$/.test(l));
  const excerpt = caret > 0 ? (lines[caret - 1] ?? '') : '';
  const before = excerpt.slice(0, Math.max(0, (lines[caret] ?? '^').length - 1));
  for (let offset = 0; offset <= source.length; offset++) {
    const past = source.slice(0, offset);
    const shown = (past.length > 20 ? '...' : '') + past.slice(-20).replace(/\n/g, '');
    const lineStart = past.lastIndexOf('\n') + 1;
    if (shown === before && past.split('\n').length === line) return { line, column: offset - lineStart + 1 };
  }
  return { line, column: 1 };
}

/** kind 'syntax': handlebars could not parse it; 'language': it parses but uses what dictionaries may not. */
function compileError(message: string, line: number, column: number, kind: 'syntax' | 'language', cause?: unknown): VnfError {
  return new VnfError('VNF_ERR_TEMPLATE_COMPILE', `template does not compile (line ${line}, column ${column}): ${message}`, {
    cause,
    details: { line, column, reason: message, kind },
  });
}

/**
 * `{"port": {{get_data.port}}}` would lex as a triple-stash close; an empty comment after the
 * mustache's `}}` keeps the brace as text. (With noEscape, {{{x}}} and {{x}} are the same anyway.)
 */
export function protectBraceAfterMustache(source: string): string {
  if (!source.includes('}}}')) return source;
  let out = '';
  let open: 0 | 2 | 3 = 0;
  for (let i = 0; i < source.length;) {
    if (open === 0 && source.startsWith('{{{', i)) [out, open, i] = [`${out}{{{`, 3, i + 3];
    else if (open === 0 && source.startsWith('{{', i)) [out, open, i] = [`${out}{{`, 2, i + 2];
    else if (open === 3 && source.startsWith('}}}', i)) [out, open, i] = [`${out}}}}${source[i + 3] === '}' ? '{{!}}' : ''}`, 0, i + 3];
    else if (open === 2 && source.startsWith('}}', i)) [out, open, i] = [`${out}}}${source[i + 2] === '}' ? '{{!}}' : ''}`, 0, i + 2];
    else [out, i] = [out + (source[i] ?? ''), i + 1];
  }
  return out;
}

function build(source: string, landing: TemplateLanding): CompiledTemplate {
  let ast: hbs.AST.Program;
  try {
    ast = hb.parse(protectBraceAfterMustache(source));
  } catch (error) {
    const text = error instanceof Error ? error.message : 'parse error';
    const e = error as { lineNumber?: number; column?: number };
    const pos = typeof e.lineNumber === 'number' && typeof e.column === 'number'
      ? { line: e.lineNumber, column: e.column + 1 }
      : parseErrorPosition(source, text);
    const reason = text.split('\n').filter((l) => /^Expecting|^Parse error|doesn't match/.test(l)).pop() ?? 'syntax error';
    throw compileError(reason.replace(/ - \d+:\d+$/, ''), pos.line, pos.column, 'syntax', error);
  }
  let references: TemplateReference[];
  try {
    references = collectReferences(ast);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw compileError(error.message, error.line, error.column, 'language');
    throw error;
  }
  // handlebars compiles lazily on first use; precompile now so that any compiler error shows at load
  try {
    hb.precompile(ast, COMPILE_OPTIONS);
  } catch (error) {
    throw compileError(error instanceof Error ? error.message : 'compile error', 1, 1, 'syntax', error);
  }
  const template = hb.compile(ast, COMPILE_OPTIONS);
  return Object.freeze({ source, landing, references: Object.freeze(references), execute: (context: object) => template(context) });
}

/** Compiles a canonical template once per (landing, source); throws VNF_ERR_TEMPLATE_COMPILE with the position. */
export function compileTemplate(source: string, landing: TemplateLanding): CompiledTemplate {
  const key = `${landing}\u0000${source}`;
  let compiled = cache.get(key);
  if (!compiled) {
    compiled = build(source, landing);
    if (cache.size >= MAX_CACHED) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    cache.set(key, compiled);
  }
  return compiled;
}

/** The references of a template without keeping it compiled (dictionary checks). */
export function templateReferences(source: string): readonly TemplateReference[] {
  return compileTemplate(source, 'text').references;
}
