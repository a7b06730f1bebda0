// Template engine: canonical handlebars templates compiled once, rendered with per-landing encoding;
// typed validation of operation input data; redaction of secrets in rendered output.
export type { TemplateLanding } from './landing.js';
export { KNOWN_HELPERS, compileTemplate, templateReferences, type CompiledTemplate } from './engine.js';
export { CONDITION_HELPERS, type ReferenceScope, type TemplateReference } from './references.js';
export { RenderScope, type RenderScopeOptions } from './render.js';
export { encodeValue, encodeHost, escapeJsonString, escapeRegex, hasControlChar, type ValueMeta } from './encode.js';
export {
  FIELD_TYPES, MAX_STRING_LENGTH, checkFieldValue, isCidr, isIpAddress,
  type DataValue, type FieldCheck, type FieldSpec, type FieldType,
} from './data-types.js';
export { validateData, secretFieldNames, secretDataValues, type DataProblem, type ValidatedData } from './data-validate.js';
export { compileCondition, conditionTemplate } from './condition.js';
export { compareVersions } from './value.js';
export type { RenderOptions, RenderOutcome } from './render.js';
