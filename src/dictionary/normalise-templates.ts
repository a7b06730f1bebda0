// The template pass of normalisation: every template string is rewritten to canonical handlebars
// (one warning per seed spelling), and seed `get_data` entries ("interface {{get_data: x}}") become names.
import { isObj, type NormaliseContext, type Obj } from './normalise-context.js';
import { referencedDataFields, rewriteSeedTemplate } from './seed-templates.js';
import type { Seg } from './load-yaml.js';

const FIELD_NAME = /^[A-Za-z_][\w-]*$/;

export function declaredFields(doc: Obj, service: string): ReadonlySet<string> {
  const services = doc.services;
  const data = isObj(services) && isObj(services[service]) ? (services[service] as Obj).data : undefined;
  return new Set(isObj(data) ? Object.keys(data) : []);
}

/** True for values that are not templates: data declarations, get_data lists and transform expressions. */
function notTemplate(path: readonly Seg[]): boolean {
  if (path[0] === 'services' && (path[2] === 'data' || path[3] === 'get_data')) return true;
  return path.length >= 2 && path[path.length - 2] === 'transform';
}

export function rewriteTemplates(doc: Obj, ctx: NormaliseContext): void {
  const visit = (value: unknown, path: Seg[], depth: number): unknown => {
    if (depth > 64 || notTemplate(path)) return value;
    if (typeof value === 'string') {
      if (!value.includes('{{')) return value;
      const service = path[0] === 'services' && typeof path[1] === 'string' ? path[1] : undefined;
      const { text, rewrites } = rewriteSeedTemplate(value, service === undefined ? undefined : declaredFields(doc, service));
      for (const r of rewrites) {
        if (r.variant) ctx.bag.warning(ctx.posIn(path, r.offset), 'seed-variant', `seed template syntax ${r.from}: write ${r.to}`);
      }
      return text;
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) value[i] = visit(value[i], [...path, i], depth + 1);
    } else if (isObj(value)) {
      for (const key of Object.keys(value)) value[key] = visit(value[key], [...path, key], depth + 1);
    }
    return value;
  };
  visit(doc, [], 0);
}

/** Seed `get_data` entries that are template strings → the field names they reference. */
export function normaliseGetData(doc: Obj, ctx: NormaliseContext): void {
  if (!isObj(doc.services)) return;
  for (const [name, service] of Object.entries(doc.services)) {
    if (!isObj(service)) continue;
    for (const [opName, op] of Object.entries(service)) {
      if (opName === 'data' || opName === 'description' || !isObj(op) || !Array.isArray(op.get_data)) continue;
      const base: Seg[] = ['services', name, opName, 'get_data'];
      const refs = op.get_data.map((entry: unknown, i) => ({ entry, src: ctx.ref([...base, i]) }));
      const names: unknown[] = [];
      const seen = new Set<string>();
      for (const { entry, src } of refs) {
        let found: unknown[] = [entry];
        if (typeof entry === 'string' && !FIELD_NAME.test(entry)) {
          const fields = referencedDataFields(entry);
          if (fields.length > 0) {
            ctx.bag.warning(ctx.locator.pos(src.path), 'seed-variant', `get_data entries are field names: write ${fields.join(', ')}`);
            found = fields;
          }
        }
        for (const f of found) {
          if (typeof f === 'string' && seen.has(f)) continue;
          if (typeof f === 'string') seen.add(f);
          ctx.track([...base, names.length], src.path);
          names.push(f);
        }
      }
      op.get_data = names;
    }
  }
}
