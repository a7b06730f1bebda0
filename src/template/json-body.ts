// JSON bodies: values are string-escaped, and the rendered body must parse. A second render with a
// neutral marker for every string value must have the same shape, so no value can add structure.
import { VnfError } from '../errors.js';

function tryParse(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Keys and value kinds of a JSON document, with every string/number/boolean reduced to its kind. */
function shape(value: unknown, depth = 0): unknown {
  if (depth > 64) return '…';
  if (Array.isArray(value)) return value.map((v) => shape(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.keys(value).sort().map((k) => [k, shape((value as Record<string, unknown>)[k], depth + 1)]);
  }
  return value === null ? 'null' : typeof value;
}

/**
 * `real` is the rendered body; `markers` renders it again with every string value replaced by a
 * plain word (numbers and booleans keep their value). `names` are the printed values, for messages.
 */
export function checkJsonBody(real: string, markers: () => string, names: readonly string[]): void {
  if (real.trim() === '') return;
  const parsed = tryParse(real);
  const marked = tryParse(markers());
  const which = names.length > 0 ? ` (values: ${names.join(', ')})` : '';
  if (!marked.ok && !parsed.ok) {
    throw new VnfError('VNF_ERR_TEMPLATE_RENDER', 'the JSON body template does not render to valid JSON');
  }
  if (!parsed.ok) throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', `a value breaks the JSON body${which}`);
  if (!marked.ok) {
    throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', `a string value lands outside a JSON string in the body${which}; quote it in the template`);
  }
  if (JSON.stringify(shape(parsed.value)) !== JSON.stringify(shape(marked.value))) {
    throw new VnfError('VNF_ERR_TEMPLATE_UNSAFE_VALUE', `a value changes the structure of the JSON body${which}`);
  }
}
