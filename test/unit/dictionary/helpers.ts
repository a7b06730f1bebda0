// Test helpers for dictionary tests: fixture paths and loading shortcuts.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDictionaryText, type DictionaryLoadResult, type Diagnostic } from '../../../src/dictionary/index.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/dictionaries/', import.meta.url));
export const SAMPLES = fileURLToPath(new URL('../../../dictionaries/', import.meta.url));

export function loadFixture(relative: string, strict = false): DictionaryLoadResult {
  return loadDictionaryText(readFileSync(`${FIXTURES}${relative}`, 'utf8'), relative, { strict });
}

export function load(text: string, strict = false): DictionaryLoadResult {
  return loadDictionaryText(text, 'test.yaml', { strict });
}

export function errors(result: DictionaryLoadResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

export function warnings(result: DictionaryLoadResult): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'warning');
}

/** "LINE: message" lines, for compact assertions. */
export function summary(diagnostics: Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.line}: ${d.message}`);
}
