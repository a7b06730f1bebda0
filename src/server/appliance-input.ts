// The `appliance` object of an API request → ApplianceContext, and its provider dictionary. File
// references (*_file) are refused: a client must never make the broker read files from its own disk.
import { parseApplianceContext, type ApplianceContext, type DictionaryRegistry, type LoadedDictionary } from '../dictionary/index.js';
import { VnfError } from '../errors.js';
import type { FieldSpec } from '../template/index.js';

function fileReference(value: unknown, path: string, depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    if (path === '' && key === 'cs_data') continue; // plain template values, never read as files
    const here = path === '' ? key : `${path}.${key}`;
    if (/_file$/i.test(key)) return here;
    const inner = fileReference(member, here, depth + 1);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/** Caller-supplied names in messages: bounded, printable ASCII only. */
export function printable(text: string): string {
  return text.slice(0, 128).replace(/[^\x20-\x7e]/g, '?');
}

export async function applianceFromRequest(value: unknown): Promise<ApplianceContext> {
  const ref = fileReference(value, '');
  if (ref !== undefined) {
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `appliance.${ref.replace(/[^\w.[\]-]/g, '?').slice(0, 100)}: file references are not accepted over the API; send the key or CA inline`);
  }
  return parseApplianceContext(value, { baseDir: '/nonexistent' });
}

/** The appliance's provider dictionary (`appliance.provider` names it). */
export function providerOf(registry: DictionaryRegistry, appliance: ApplianceContext): LoadedDictionary {
  if (appliance.provider === undefined || appliance.provider === '') {
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'appliance.provider (the provider dictionary name) is required');
  }
  const found = registry.list().find((d) => d.dictionary.name === appliance.provider);
  if (!found) throw new VnfError('VNF_ERR_DICT_NOT_FOUND', `no provider dictionary named '${printable(appliance.provider)}'`);
  return found;
}

/** The operation's data declaration, `required` binding only the fields the operation uses (as render does). */
export function operationFields(dictionary: LoadedDictionary, service: string, operation: string): Record<string, FieldSpec> {
  const d = dictionary.dictionary;
  const svc = Object.hasOwn(d.services, service) ? d.services[service] : undefined;
  if (!svc) throw new VnfError('VNF_ERR_DICT_SERVICE_NOT_FOUND', `provider '${d.name}' has no service '${printable(service)}'`);
  const op = Object.hasOwn(svc.operations, operation) ? svc.operations[operation] : undefined;
  if (!op) throw new VnfError('VNF_ERR_DICT_OPERATION_NOT_FOUND', `service '${svc.name}' has no operation '${printable(operation)}'`);
  const used = new Set(op.get_data);
  return Object.fromEntries(Object.entries(svc.data).map(([name, f]) => [name, used.has(name) ? f : { ...f, required: false }]));
}
