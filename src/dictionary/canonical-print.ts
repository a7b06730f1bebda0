// The Dictionary model back to the canonical YAML form (defaults filled), for `validate --print` and
// the API's "normalised" view. Literal secrets (not templates) are replaced by a marker.
import { stringify } from 'yaml';
import type { Dictionary, Operation, Step } from './model.js';

export const REDACTED = '<redacted>';
const SECRET_KEY = /(password|passphrase|secret|private_key|token|api_key|authorization)/i;

function redact(value: string | undefined): string | undefined {
  return value === undefined || value.includes('{{') ? value : REDACTED;
}

function redactMap(map: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, SECRET_KEY.test(k) ? redact(v) ?? v : v]));
}

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function stepOut(step: Step): Record<string, unknown> {
  const { transport: _transport, ...rest } = step;
  const response = rest.response;
  return clean({
    ...rest,
    on_failure: rest.on_failure?.map(stepOut),
    headers: redactMap(rest.headers),
    response: response && clean({
      ...response,
      callback: response.callback && clean({ ...response.callback, headers: redactMap(response.callback.headers), parameters: redactMap(response.callback.parameters) }),
    }),
  });
}

function operationOut(op: Operation): Record<string, unknown> {
  const head = clean({ description: op.description, get_data: op.get_data });
  const [only] = op.steps;
  if (op.steps.length === 1 && only) return { ...head, ...stepOut(only) };
  return { ...head, steps: op.steps.map(stepOut) };
}

export function toCanonicalObject(d: Dictionary): Record<string, unknown> {
  const connections = Object.fromEntries(Object.entries(d.connections).map(([name, c]) => {
    const { name: _name, ...rest } = c;
    return [name, clean({ ...rest, password: redact(rest.password), private_key: redact(rest.private_key), headers: redactMap(rest.headers) })];
  }));
  const services = Object.fromEntries(Object.entries(d.services).map(([name, s]) => {
    const data = Object.fromEntries(Object.entries(s.data).map(([f, def]) => [f, def.type === 'secret' && typeof def.default === 'string' ? { ...def, default: REDACTED } : def]));
    const ops = Object.fromEntries(Object.entries(s.operations).map(([o, op]) => [o, operationOut(op)]));
    return [name, clean({ description: s.description, data, ...ops })];
  }));
  const bootstrap = d.bootstrap && clean({
    ...d.bootstrap,
    initial_connection: d.bootstrap.initial_connection && clean({ ...d.bootstrap.initial_connection, password: redact(d.bootstrap.initial_connection.password) }),
  });
  return clean({
    name: d.name,
    description: d.description,
    general_info: d.general_info,
    connections,
    healthchecks: d.healthchecks,
    bootstrap,
    services,
  });
}

/** Canonical YAML text, with the editor schema hint first. */
export function toCanonicalYaml(d: Dictionary): string {
  return `# yaml-language-server: $schema=./schema.json\n${stringify(toCanonicalObject(d), { lineWidth: 0 })}`;
}
