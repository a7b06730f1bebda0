// Turns raw appliance output into structured results as a dictionary's `response` declares:
// JSON + JSONPath transforms (script evaluation off), CLI/text success/error patterns, named capture
// groups, built-in parsers. A parse that matches nothing is an error, never silent raw text; only a
// list (a multi-node JSONPath, regex-all) may be empty: an empty list is an answer.
import { JSONPath } from 'jsonpath-plus';
import { VnfError } from '../errors.js';
import type { ResponseSpec } from '../dictionary/model.js';
import { CLI_PARSERS } from '../dictionary/parsers/index.js';

export interface RawResponse {
  /** CLI output, or the HTTP response body */
  text: string;
  /** HTTP status, when the step was an HTTP request */
  status?: number;
}

/** Patterns arrive rendered (templates already filled and regex-escaped by the template engine). */
export interface RenderedPatterns {
  success_pattern?: string;
  error_pattern?: string;
}

/** `regex:P` → named groups of the first match; `regex-all:P` → array of every match (may be empty: an empty list). */
const REGEX_PREFIX = 'regex:';
const REGEX_ALL_PREFIX = 'regex-all:';
const MAX_ROWS = 10_000;

export function parseResponse(spec: ResponseSpec | undefined, raw: RawResponse, patterns: RenderedPatterns = {}): unknown {
  const format = spec?.format ?? 'text';
  if (format === 'json') return parseJson(spec, raw.text);
  return parseText(spec, raw.text, patterns);
}

function parseJson(spec: ResponseSpec | undefined, text: string): unknown {
  let json: unknown;
  try {
    json = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    throw new VnfError('VNF_ERR_PARSE_JSON', 'appliance response is not valid JSON');
  }
  if (!spec?.transform) return json;
  const out: Record<string, unknown> = {};
  for (const [field, expr] of Object.entries(spec.transform)) out[field] = jsonTransform(field, expr, json);
  return out;
}

function jsonTransform(field: string, expr: string, json: unknown): unknown {
  if (!expr.startsWith('$')) {
    throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `transform '${field}': '${expr}' is not a JSONPath for a json response`);
  }
  const multi = isMultiPath(expr);
  // an empty body (RESTCONF answers 204 No Content for an empty list) holds no nodes
  const root = json === null && multi ? {} : json;
  if (root === null || typeof root !== 'object') {
    throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `transform '${field}': response is not a JSON object or array`);
  }
  const matches = evaluateJsonPath(expr, root);
  // A path that can select several nodes yields an array, which may be empty (an empty list is an
  // answer); a plain path yields the value itself and must match.
  if (multi) return matches;
  if (matches.length === 0) {
    throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `transform '${field}': ${expr} matched nothing in the response`);
  }
  return matches[0];
}

export function evaluateJsonPath(path: string, json: object): unknown[] {
  // jsonpath-plus refuses a script only when it reaches one (not on an empty list): refuse it up front
  if (/\[\??\(/.test(barePath(path))) {
    throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `JSONPath ${path} uses a script expression ([?(...)], [(...)]), which is disabled`);
  }
  try {
    const result: unknown = JSONPath({ path, json, eval: false, wrap: true });
    return Array.isArray(result) ? result : [];
  } catch (error) {
    throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `JSONPath ${path} cannot be evaluated`, { cause: error });
  }
}

/** The path with quoted member names emptied: they may contain ':', ',', '*' or '(' (YANG module prefixes) and select one member. */
function barePath(path: string): string {
  return path.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
}

function isMultiPath(path: string): boolean {
  return /\[\*\]|\.\*|\.\.|\[[^\]]*[,:][^\]]*\]/.test(barePath(path));
}

function parseText(spec: ResponseSpec | undefined, text: string, patterns: RenderedPatterns): unknown {
  const errorPattern = patterns.error_pattern ?? spec?.error_pattern;
  if (errorPattern !== undefined) {
    const m = new RegExp(errorPattern, 'm').exec(text);
    if (m) throw new VnfError('VNF_ERR_PARSE_ERROR_PATTERN', `appliance output matched the error pattern: ${firstLine(m[0])}`);
  }
  const out: Record<string, unknown> = {};
  const successPattern = patterns.success_pattern ?? spec?.success_pattern;
  if (successPattern !== undefined) {
    const m = new RegExp(successPattern, 'm').exec(text);
    if (!m) throw new VnfError('VNF_ERR_PARSE_NO_MATCH', 'appliance output did not match the success pattern');
    Object.assign(out, m.groups ?? {});
  }
  for (const [field, expr] of Object.entries(spec?.transform ?? {})) out[field] = textTransform(field, expr, text);
  if (Object.keys(out).length === 0) return { output: text };
  return out;
}

function textTransform(field: string, expr: string, text: string): unknown {
  const parser = CLI_PARSERS[expr];
  if (parser) return parser(text);
  if (expr.startsWith(REGEX_PREFIX)) return regexFirst(field, expr.slice(REGEX_PREFIX.length), text);
  if (expr.startsWith(REGEX_ALL_PREFIX)) return regexAll(expr.slice(REGEX_ALL_PREFIX.length), text);
  throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `transform '${field}': '${expr}' is neither a built-in parser nor a regex`);
}

function regexFirst(field: string, source: string, text: string): unknown {
  const m = new RegExp(source, 'm').exec(text);
  if (!m) throw new VnfError('VNF_ERR_PARSE_NO_MATCH', `transform '${field}': the regex matched nothing`);
  return m.groups ? { ...m.groups } : m[0];
}

function regexAll(source: string, text: string): unknown[] {
  const rows: unknown[] = [];
  for (const m of text.matchAll(new RegExp(source, 'gm'))) {
    if (m[0] === '') break;
    rows.push(m.groups ? { ...m.groups } : m[0]);
    if (rows.length >= MAX_ROWS) break;
  }
  return rows;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 200);
}
