// The dictionary loading pipeline: YAML → normalise seed variants → JSON Schema → model with
// defaults → semantic and template checks. Returns diagnostics; never throws for bad input.
import { readFile, stat } from 'node:fs/promises';
import { VnfError } from '../errors.js';
import { buildModel } from './build-model.js';
import { checkDictionary } from './checks.js';
import { checkTemplates } from './checks-templates.js';
import { DiagnosticBag, hasErrors, throwIfInvalid } from './diagnostics.js';
import { MAX_SOURCE_BYTES, parseYamlSource } from './load-yaml.js';
import type { Diagnostic, LoadedDictionary } from './model.js';
import { NormaliseContext } from './normalise-context.js';
import { normaliseDictionary } from './normalise.js';
import { validateCanonical } from './schema.js';

export interface LoadOptions {
  /** seed variants and duplicate identical keys become errors */
  strict?: boolean;
}

export interface DictionaryLoadResult {
  file: string;
  source: string;
  /** sorted by line and column */
  diagnostics: Diagnostic[];
  /** present when there are no errors */
  loaded?: LoadedDictionary;
}

export function loadDictionaryText(text: string, file: string, options: LoadOptions = {}): DictionaryLoadResult {
  const bag = new DiagnosticBag(file, options.strict === true);
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let loaded: LoadedDictionary | undefined;
  try {
    loaded = runPipeline(source, file, bag);
  } catch (error) {
    // deep recursion inside the YAML parser is the one failure we can expect from hostile input
    const message = error instanceof RangeError ? 'the document is too deeply nested or too large to process' : 'internal error while loading this dictionary';
    bag.error({ line: 1, col: 1 }, error instanceof RangeError ? 'too-deep' : 'internal', message);
  }
  const diagnostics = bag.sorted();
  if (loaded) loaded.diagnostics = diagnostics;
  return { file, source, diagnostics, ...(loaded && !hasErrors(diagnostics) ? { loaded } : {}) };
}

function runPipeline(source: string, file: string, bag: DiagnosticBag): LoadedDictionary | undefined {
  const parsed = parseYamlSource(source, bag, 'dictionary');
  if (!parsed) return undefined;
  const ctx = new NormaliseContext(bag, parsed.locator);
  const canonical = normaliseDictionary(parsed.value, ctx);
  const schemaOk = validateCanonical(canonical, ctx);
  if (!schemaOk || bag.hardErrors > 0) return undefined;
  const built = buildModel(canonical, ctx);
  checkDictionary(built, bag);
  checkTemplates(built, bag);
  return { dictionary: built.dictionary, templateSites: built.sites, source, file, diagnostics: [] };
}

/** The loaded dictionary, or VNF_ERR_DICT_INVALID listing the errors (details = all diagnostics). */
export function requireValid(result: DictionaryLoadResult): LoadedDictionary {
  throwIfInvalid(result.file, result.diagnostics);
  if (!result.loaded) throw new VnfError('VNF_ERR_DICT_INVALID', `dictionary ${result.file} is invalid`, { details: result.diagnostics });
  return result.loaded;
}

/** Parse + validate, throwing VNF_ERR_DICT_INVALID when there are errors. */
export function parseDictionary(text: string, file: string, options: LoadOptions = {}): LoadedDictionary {
  return requireValid(loadDictionaryText(text, file, options));
}

/** Reads a file (VNF_ERR_INPUT_UNREADABLE when it cannot be read) and loads it. */
export async function loadDictionaryFile(path: string, options: LoadOptions = {}): Promise<DictionaryLoadResult> {
  const text = await readSourceFile(path);
  if (typeof text !== 'string') {
    const message = `the file is too large (${text.tooLarge} bytes; the limit is ${MAX_SOURCE_BYTES})`;
    return { file: path, source: '', diagnostics: [{ severity: 'error', file: path, line: 1, col: 1, message, rule: 'too-large' }] };
  }
  return loadDictionaryText(text, path, options);
}

/** UTF-8 text of a file, or its size when over the limit; VNF_ERR_INPUT_UNREADABLE when unreadable. */
export async function readSourceFile(path: string): Promise<string | { tooLarge: number }> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `${path}: not a regular file`);
    if (info.size > MAX_SOURCE_BYTES) return { tooLarge: info.size };
    bytes = await readFile(path);
  } catch (error) {
    if (error instanceof VnfError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `${path}: cannot read (${code})`, { cause: error });
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `${path}: not UTF-8 text`, { cause: error });
  }
}
