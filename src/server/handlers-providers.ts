// Provider dictionary routes: list, show (normalised + source for admins), validate, and PUT/DELETE
// persisted atomically into dictionaries_dir after a `provider.changed` audit record.
import { createHash } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import {
  formatDiagnostic, loadDictionaryText, requireValid, toCanonicalObject, type Diagnostic, type LoadedDictionary,
} from '../dictionary/index.js';
import { VnfError } from '../errors.js';
import { decodeUtf8 } from './body.js';
import { removeDurable, writeDurable } from './persist.js';
import type { Handler, ServerState } from './state.js';
import type { RequestContext } from './types.js';

function byName(state: ServerState, name: string): LoadedDictionary | undefined {
  return state.registry.list().find((d) => d.dictionary.name === name);
}

function warnings(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'warning').map((d) => ({ ...d }));
}

function yamlText(ctx: RequestContext): string {
  if (!ctx.rawBody || ctx.rawBody.length === 0) throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'a YAML request body is required');
  return decodeUtf8(ctx.rawBody);
}

function insideDir(file: string, dir: string): boolean {
  return dirname(resolve(file)) === resolve(dir);
}

function notFound(name: string): VnfError {
  return new VnfError('VNF_ERR_DICT_NOT_FOUND', `no provider dictionary named '${name}'`);
}

export function providerHandlers(state: ServerState): Record<string, Handler> {
  const dir = state.config.dictionaries_dir;
  const auditChange = (ctx: RequestContext, name: string, action: string, file: string, source?: string): void => {
    state.audit.append({
      type: 'provider.changed',
      request_id: ctx.requestId,
      principal: ctx.auditPrincipal,
      provider: name,
      outcome: 'success',
      detail: { action, file: basename(file), ...(source !== undefined ? { source_sha256: createHash('sha256').update(source).digest('hex') } : {}) },
    });
  };

  return {
    listProviders: () => Promise.resolve({
      status: 200,
      body: {
        providers: state.registry.list().map((d) => ({
          name: d.dictionary.name,
          ...(d.dictionary.description !== undefined ? { description: d.dictionary.description } : {}),
          ...(d.dictionary.general_info.version !== undefined ? { version: d.dictionary.general_info.version } : {}),
          ...(d.dictionary.general_info.vendor !== undefined ? { vendor: d.dictionary.general_info.vendor } : {}),
          services: Object.keys(d.dictionary.services),
          warnings: warnings(d.diagnostics).length,
        })),
        problems: [...state.providerProblems].map(([file, errors]) => ({ file, errors })),
      },
    }),

    getProvider: (ctx) => {
      const name = ctx.params.name ?? '';
      const found = byName(state, name);
      if (!found) throw notFound(name);
      return Promise.resolve({
        status: 200,
        body: {
          name,
          dictionary: toCanonicalObject(found.dictionary),
          warnings: warnings(found.diagnostics),
          // literal credentials may sit in the source: admins only
          ...(ctx.roles.has('admin') ? { source: found.source } : {}),
        },
      });
    },

    validateProvider: (ctx) => {
      const result = loadDictionaryText(yamlText(ctx), 'request.yaml');
      const loaded = requireValid(result);
      return Promise.resolve({ status: 200, body: { ok: true, name: loaded.dictionary.name, warnings: warnings(result.diagnostics) } });
    },

    putProvider: (ctx) => {
      const name = ctx.params.name ?? '';
      const text = yamlText(ctx);
      const result = loadDictionaryText(text, `${name}.yaml`);
      const loaded = requireValid(result);
      if (loaded.dictionary.name !== name) {
        throw new VnfError('VNF_ERR_DICT_INVALID', `the dictionary is named '${loaded.dictionary.name}', not '${name}'`, { details: result.diagnostics });
      }
      const existing = byName(state, name);
      const file = existing && insideDir(existing.file, dir) ? resolve(existing.file) : join(dir, `${name}.yaml`);
      const squatter = state.registry.list().find((d) => d.dictionary.name !== name && resolve(d.file) === file);
      if (squatter) {
        throw new VnfError('VNF_ERR_DICT_INVALID', `${basename(file)} already holds the dictionary '${squatter.dictionary.name}'`);
      }
      auditChange(ctx, name, existing ? 'replaced' : 'created', file, text); // no audit, no change
      writeDurable(file, text);
      loaded.file = file;
      state.registry.add(loaded);
      state.providerProblems.delete(basename(file));
      return Promise.resolve({ status: existing ? 200 : 201, body: { name, created: !existing, warnings: warnings(result.diagnostics) } });
    },

    deleteProvider: (ctx) => {
      const name = ctx.params.name ?? '';
      const found = byName(state, name);
      if (!found) throw notFound(name);
      auditChange(ctx, name, 'deleted', found.file);
      if (insideDir(found.file, dir)) removeDurable(resolve(found.file));
      state.registry.remove(name);
      return Promise.resolve({ status: 204 });
    },
  };
}

/** Problems of the registry's initial load, keyed by file name, formatted `FILE:LINE:COL: message`. */
export function initialProblems(problems: readonly { file: string; diagnostics: Diagnostic[] }[]): Map<string, string[]> {
  return new Map(problems.map((p) => [basename(p.file), p.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic({ ...d, file: basename(d.file) }))]));
}
