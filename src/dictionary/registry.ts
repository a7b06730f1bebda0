// In-memory registry of provider dictionaries: loads every *.yaml of a directory (default: the
// package's dictionaries/), looks them up by name, resolves --dictionary (path or name).
import { readdir } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { VnfError } from '../errors.js';
import { loadDictionaryFile, loadDictionaryText, requireValid, type DictionaryLoadResult, type LoadOptions } from './load.js';
import type { Diagnostic, LoadedDictionary } from './model.js';
import { DICTIONARIES_DIR } from './paths.js';

export interface RegistryProblem {
  file: string;
  diagnostics: Diagnostic[];
}

export class DictionaryRegistry {
  private readonly byName = new Map<string, LoadedDictionary>();
  /** files of the directory that did not load (they are not registered) */
  readonly problems: RegistryProblem[] = [];

  /** Loads every *.yaml / *.yml of `dir`; invalid files are listed in `problems`, not thrown. */
  static async fromDirectory(dir: string = DICTIONARIES_DIR, options: LoadOptions = {}): Promise<DictionaryRegistry> {
    const registry = new DictionaryRegistry();
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (error) {
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `dictionary directory ${dir} cannot be read`, { cause: error });
    }
    for (const entry of entries.filter((e) => /\.ya?ml$/i.test(e)).sort()) {
      const result = await loadDictionaryFile(join(dir, entry), options);
      if (!result.loaded) {
        registry.problems.push({ file: result.file, diagnostics: result.diagnostics });
        continue;
      }
      const name = result.loaded.dictionary.name;
      if (registry.byName.has(name)) {
        registry.problems.push({ file: result.file, diagnostics: [{ severity: 'error', file: result.file, line: 1, col: 1, rule: 'duplicate-name', message: `another dictionary is already named '${name}'` }] });
        continue;
      }
      registry.byName.set(name, result.loaded);
    }
    return registry;
  }

  list(): LoadedDictionary[] {
    return [...this.byName.values()].sort((a, b) => a.dictionary.name.localeCompare(b.dictionary.name));
  }

  names(): string[] {
    return this.list().map((d) => d.dictionary.name);
  }

  /** By dictionary name, or by file stem (`cisco-ios-xe` for dictionaries/cisco-ios-xe.yaml). */
  get(name: string): LoadedDictionary | undefined {
    const direct = this.byName.get(name);
    if (direct) return direct;
    return this.list().find((d) => basename(d.file, extname(d.file)) === name);
  }

  require(name: string): LoadedDictionary {
    const found = this.get(name);
    if (!found) throw new VnfError('VNF_ERR_DICT_NOT_FOUND', `no provider dictionary named '${name}' (known: ${this.names().join(', ') || 'none'})`);
    return found;
  }

  /** Adds or replaces a valid dictionary under its own name. */
  add(loaded: LoadedDictionary): void {
    this.byName.set(loaded.dictionary.name, loaded);
  }

  /**
   * Validates YAML text and registers it as `name` (API PUT); the dictionary's own name must match.
   * Throws VNF_ERR_DICT_INVALID with line-numbered diagnostics.
   */
  put(name: string, text: string, options: LoadOptions = {}): LoadedDictionary {
    const loaded = requireValid(loadDictionaryText(text, `${name}.yaml`, options));
    if (loaded.dictionary.name !== name) {
      throw new VnfError('VNF_ERR_DICT_INVALID', `the dictionary is named '${loaded.dictionary.name}', not '${name}'`, { details: loaded.diagnostics });
    }
    this.add(loaded);
    return loaded;
  }

  remove(name: string): boolean {
    const found = this.get(name);
    return found ? this.byName.delete(found.dictionary.name) : false;
  }
}

/**
 * `--dictionary D`: a file path (contains a path separator or ends in .yaml/.yml) or a registered name.
 * A path that does not load throws VNF_ERR_DICT_INVALID; an unknown name VNF_ERR_DICT_NOT_FOUND.
 */
export async function resolveDictionary(ref: string, registry?: DictionaryRegistry, options: LoadOptions = {}): Promise<LoadedDictionary> {
  if (/[\\/]/.test(ref) || /\.ya?ml$/i.test(ref)) {
    const result: DictionaryLoadResult = await loadDictionaryFile(ref, options).catch((error: unknown) => {
      if (error instanceof VnfError && error.code === 'VNF_ERR_INPUT_UNREADABLE') throw new VnfError('VNF_ERR_DICT_NOT_FOUND', error.message, { cause: error });
      throw error;
    });
    return requireValid(result);
  }
  return (registry ?? await DictionaryRegistry.fromDirectory()).require(ref);
}
