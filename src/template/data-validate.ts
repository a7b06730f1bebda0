// Operation input validation: checks `data` against a service's typed declaration before anything
// renders, applies defaults, and reports every problem at once (VNF_ERR_DATA_INVALID, values never quoted).
import { VnfError } from '../errors.js';
import { checkFieldValue, type DataValue, type FieldSpec } from './data-types.js';

export interface DataProblem {
  field: string;
  problem: string;
}

export type ValidatedData = Record<string, DataValue>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Unknown keys come from the caller: bound and de-control them before they reach a message. */
function printableName(key: string): string {
  const clipped = key.length > 64 ? `${key.slice(0, 64)}...` : key;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * Returns the normalised input: declared fields only, defaults applied, unambiguous strings coerced.
 * Absent optional fields without a default stay absent (templates see them as missing).
 */
export function validateData(fields: Readonly<Record<string, FieldSpec>>, data: unknown): ValidatedData {
  const input = data === undefined || data === null ? {} : data;
  if (!isPlainObject(input)) {
    throw new VnfError('VNF_ERR_DATA_INVALID', 'input data must be a JSON object', {
      details: [{ field: '', problem: 'must be an object' }] satisfies DataProblem[],
    });
  }
  const problems: DataProblem[] = [];
  const entries: [string, DataValue][] = [];
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(fields, key)) problems.push({ field: printableName(key), problem: 'is not a declared field' });
  }
  for (const [name, spec] of Object.entries(fields)) {
    const given = Object.hasOwn(input, name) ? input[name] : undefined;
    if (given === undefined || given === null) {
      if (spec.default !== undefined) {
        const checked = checkFieldValue(spec, spec.default);
        if (checked.ok) entries.push([name, checked.value]);
        else problems.push({ field: name, problem: `has an invalid default: ${checked.problem}` });
      } else if (spec.required === true) {
        problems.push({ field: name, problem: 'is required' });
      }
      continue;
    }
    const checked = checkFieldValue(spec, given);
    if (checked.ok) entries.push([name, checked.value]);
    else problems.push({ field: name, problem: checked.problem });
  }
  if (problems.length > 0) {
    const list = problems.map((p) => (p.field === '' ? p.problem : `'${p.field}' ${p.problem}`)).join('; ');
    throw new VnfError('VNF_ERR_DATA_INVALID', `input data is invalid: ${list}`, { details: problems });
  }
  // fromEntries defines own properties, so a field named "__proto__" cannot reach the prototype
  return Object.fromEntries(entries);
}

/** Names of the declared fields whose values are secrets (type `secret`). */
export function secretFieldNames(fields: Readonly<Record<string, FieldSpec>>): string[] {
  return Object.entries(fields).filter(([, spec]) => spec.type === 'secret').map(([name]) => name);
}

/** The values of secret-typed fields in validated data, as strings, for redaction. */
export function secretDataValues(fields: Readonly<Record<string, FieldSpec>>, data: ValidatedData): string[] {
  const out: string[] = [];
  for (const name of secretFieldNames(fields)) {
    const value = Object.hasOwn(data, name) ? data[name] : undefined;
    if (value !== undefined && String(value) !== '') out.push(String(value));
  }
  return out;
}
