// A step's `when:` condition: the inside of {{#if ...}} — a value (get_data.x, steps.ver.ok) or a
// helper call (`version_lt steps.ver.version '26.7'`) — compiled as a template that renders "true".
import { VnfError } from '../errors.js';
import { compileTemplate, type CompiledTemplate } from './engine.js';

const PREFIX_CALL = '{{#if (';
const PREFIX_VALUE = '{{#if ';

/** The template a condition compiles to, and where the condition starts inside it (for positions). */
export function conditionTemplate(expression: string): { source: string; offset: number } {
  // `name arg ...` is a helper call (unknown names are then reported as unknown helpers)
  const call = /^\s*[A-Za-z_][\w-]*\s+\S/.test(expression);
  const prefix = call ? PREFIX_CALL : PREFIX_VALUE;
  return { source: `${prefix}${expression}${call ? ')' : ''}}}true{{/if}}`, offset: prefix.length };
}

/** Compiles a `when:` condition once (cached by the engine); VNF_ERR_TEMPLATE_COMPILE when it is not one. */
export function compileCondition(expression: string): CompiledTemplate {
  if (expression.includes('{{') || expression.includes('}}')) {
    throw new VnfError('VNF_ERR_TEMPLATE_COMPILE', 'template does not compile (line 1, column 1): a condition is written without {{ }}', {
      details: { line: 1, column: 1, reason: "a condition is written without {{ }}: e.g. when: \"version_lt steps.ver.version '26.7'\"", kind: 'language' },
    });
  }
  return compileTemplate(conditionTemplate(expression).source, 'text');
}
