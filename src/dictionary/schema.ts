// JSON Schema (draft 2020-12, dictionaries/schema.json) check of the canonical form. Compiled once;
// each ajv error becomes a diagnostic at the source line the offending value came from.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { VnfError } from '../errors.js';
import { parsePointer, type NormaliseContext } from './normalise-context.js';
import { DATA_TYPES } from './model.js';
import { SCHEMA_PATH } from './paths.js';

let compiled: ValidateFunction | undefined;

/** The dictionary schema as a JSON value (also served to editors and the API). */
export function dictionarySchema(): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new VnfError('VNF_ERR_BROKER_INTERNAL', 'dictionary schema (dictionaries/schema.json) is missing or unreadable', { cause: error });
  }
}

function validator(): ValidateFunction {
  // allErrors: dictionaries are operator-authored, and every problem should be reported at once
  compiled ??= new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true }).compile(dictionarySchema());
  return compiled;
}

export function validateCanonical(doc: unknown, ctx: NormaliseContext): boolean {
  const validate = validator();
  if (validate(doc)) return true;
  // a failing $ref (stepFields) evaluates none of its keys, so unevaluatedProperties would also
  // report every valid step key as unknown: only keys no step/operation declares are unknown
  const declared = stepKeys();
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames' && e.keyword !== 'if'
    && !(e.keyword === 'unevaluatedProperties' && declared.has(String((e.params as Record<string, unknown>).unevaluatedProperty))));
  for (const e of errors) report(e, ctx);
  return false;
}

let stepKeyCache: Set<string> | undefined;

function stepKeys(): Set<string> {
  if (!stepKeyCache) {
    const defs = (dictionarySchema().$defs ?? {}) as Record<string, { properties?: Record<string, unknown> }>;
    stepKeyCache = new Set([...Object.keys(defs.stepFields?.properties ?? {}), ...Object.keys(defs.operation?.properties ?? {})]);
  }
  return stepKeyCache;
}

function report(e: ErrorObject, ctx: NormaliseContext): void {
  const path = parsePointer(e.instancePath);
  const where = humanPath(path);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      ctx.error(path, 'schema', `${where || 'dictionary'}: missing required key '${String(params.missingProperty)}'`, path.length > 0);
      return;
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const key = String(params.additionalProperty ?? params.unevaluatedProperty);
      ctx.error([...path, key], 'schema', `unknown key '${key}'${where ? ` in ${where}` : ' at the top level'}`, true);
      return;
    }
    case 'pattern':
      if (e.propertyName !== undefined) {
        ctx.error([...path, e.propertyName], 'schema', `invalid name '${e.propertyName}'${where ? ` in ${where}` : ''}: use letters, digits, '_', '.', '-' (at most 64)`, true);
      } else {
        ctx.error(path, 'schema', `${where}: does not match ${String(params.pattern)}`);
      }
      return;
    case 'enum':
      ctx.error(path, 'schema', enumMessage(path, where, (params.allowedValues as unknown[]) ?? []));
      return;
    case 'type':
      ctx.error(path, 'schema', `${where || 'dictionary'}: must be ${article(String(params.type))}`);
      return;
    default:
      ctx.error(path, 'schema', `${where || 'dictionary'}: ${e.message ?? 'is invalid'}`);
  }
}

function enumMessage(path: string[], where: string, allowed: unknown[]): string {
  const list = allowed.map(String).join(', ');
  if (path.length === 5 && path[0] === 'services' && path[2] === 'data' && path[4] === 'type') {
    return `unknown data type for '${path[3]}' (known: ${DATA_TYPES.join(', ')})`;
  }
  return `${where}: must be one of ${list}`;
}

function article(type: string): string {
  const names = type.split(',').map((t) => ({ integer: 'an integer', object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false', null: 'empty' })[t] ?? t);
  return names.join(' or ');
}

/** `services.Firewall.create.steps[0].url`, for messages. */
export function humanPath(path: readonly string[]): string {
  return path.reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '');
}
