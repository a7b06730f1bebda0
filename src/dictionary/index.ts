// Provider dictionaries: YAML load with line numbers, seed-variant normalisation, JSON Schema and
// semantic checks, the registry of dictionaries, and the appliance context loader.
export * from './model.js';
export type { ApplianceContext, JumpHop } from './appliance-model.js';
export { SECRET_CREDENTIAL_KEYS } from './appliance-model.js';
export { formatDiagnostic, hasErrors, throwIfInvalid } from './diagnostics.js';
export {
  loadDictionaryText, loadDictionaryFile, parseDictionary, requireValid,
  type DictionaryLoadResult, type LoadOptions,
} from './load.js';
export { DictionaryRegistry, resolveDictionary, type RegistryProblem } from './registry.js';
export {
  loadApplianceContext, loadApplianceContextFile, loadApplianceContextText, parseApplianceContext, type ApplianceOptions,
} from './appliance.js';
export { toCanonicalObject, toCanonicalYaml, REDACTED } from './canonical-print.js';
export { dictionarySchema } from './schema.js';
export { DICTIONARIES_DIR } from './paths.js';
export { MAX_SOURCE_BYTES } from './load-yaml.js';
