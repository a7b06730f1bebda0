// Shared state of one normalisation: the diagnostics bag and the map from canonical paths to the
// source paths they came from, so schema and semantic errors point at the user's line.
import type { DiagnosticBag, Position } from './diagnostics.js';
import type { Seg, SourceLocator } from './load-yaml.js';

export type Obj = Record<string, unknown>;

export interface SrcRef {
  path: Seg[];
  /** point at the key rather than the value (renamed or synthesised entries) */
  key?: boolean;
}

export function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function pointer(path: readonly Seg[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function parsePointer(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export class NormaliseContext {
  private readonly map = new Map<string, SrcRef>();

  constructor(readonly bag: DiagnosticBag, readonly locator: SourceLocator) {}

  track(canon: readonly Seg[], src: readonly Seg[], key = false): void {
    this.map.set(pointer(canon), { path: [...src], key });
  }

  /** Deep copy of `value`, recording every descendant's source path. */
  copy(value: unknown, canon: readonly Seg[], src: readonly Seg[], depth = 0): unknown {
    this.track(canon, src);
    if (depth > 64) return value;
    if (Array.isArray(value)) return value.map((v, i) => this.copy(v, [...canon, i], [...src, i], depth + 1));
    if (isObj(value)) {
      const out: Obj = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.copy(v, [...canon, k], [...src, k], depth + 1);
      return out;
    }
    return value;
  }

  /** The source reference of a canonical path (nearest recorded ancestor). */
  ref(canon: readonly Seg[]): SrcRef {
    const segs = canon.map(String);
    for (let n = segs.length; n >= 0; n--) {
      const found = this.map.get(pointer(segs.slice(0, n)));
      if (found) return found;
    }
    return { path: [] };
  }

  /** Source position of a canonical path; `key` prefers the key of the mapping entry. */
  pos(canon: readonly Seg[], key = false): Position {
    const ref = this.ref(canon);
    return this.locator.pos(ref.path, key || ref.key === true);
  }

  /** Position of character `offset` inside the string at a canonical path. */
  posIn(canon: readonly Seg[], offset: number): Position {
    const ref = this.ref(canon);
    const exact = this.map.get(pointer(canon.map(String)));
    return exact && !exact.key ? this.locator.posIn(exact.path, offset) : this.locator.pos(ref.path, ref.key === true);
  }

  error(canon: readonly Seg[], rule: string, message: string, key = false): void {
    this.bag.error(this.pos(canon, key), rule, message);
  }

  variant(canon: readonly Seg[], message: string, key = false): void {
    this.bag.warning(this.pos(canon, key), 'seed-variant', message);
  }
}
