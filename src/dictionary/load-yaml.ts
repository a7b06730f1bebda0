// YAML text → plain value plus a locator for line/column of any path. Bounded: size limit, alias
// expansion limit, nesting limit. Duplicate keys: identical values warn, different values fail.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { DiagnosticBag, Position } from './diagnostics.js';

export type Seg = string | number;

export const MAX_SOURCE_BYTES = 1024 * 1024;
export const MAX_ALIAS_COUNT = 50;
export const MAX_DEPTH = 48;

export interface ParsedYaml {
  value: Record<string, unknown>;
  locator: SourceLocator;
}

type Doc = Document.Parsed;

/** Resolves paths of the parsed value back to source positions (1-based line and column). */
export class SourceLocator {
  constructor(private readonly doc: Doc, private readonly lines: LineCounter, private readonly text: string) {}

  /** Position of the value at path (or of its key with `key`), falling back to the nearest ancestor. */
  pos(path: readonly Seg[], key = false): Position {
    for (let n = path.length; n >= 0; n--) {
      const found = this.find(path.slice(0, n));
      if (!found) continue;
      const node = key || !found.value ? found.key ?? found.value : found.value;
      if (node?.range) return this.lines.linePos(node.range[0]);
    }
    return { line: 1, col: 1 };
  }

  /** Position of character `offset` inside the string at path: exact lines for block scalars. */
  posIn(path: readonly Seg[], offset: number): Position {
    const found = this.find(path);
    const node = found?.value;
    if (!node || !isScalar(node) || typeof node.value !== 'string' || !node.range) return this.pos(path);
    const start = this.lines.linePos(node.range[0]);
    const value = node.value;
    const before = value.slice(0, Math.max(0, offset));
    const newlines = before.split('\n').length - 1;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      const line = start.line + 1 + newlines;
      const lineText = this.text.slice(this.lines.lineStarts[line - 1] ?? 0).split('\n')[0] ?? '';
      const indent = lineText.length - lineText.trimStart().length;
      return { line, col: indent + 1 + (before.length - before.lastIndexOf('\n') - 1) };
    }
    if (newlines > 0) return start;
    const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
    return { line: start.line, col: start.col + quoted + offset };
  }

  /** Original text of the scalar at path (e.g. `3.0` for a number that YAML reads as 3). */
  scalarSource(path: readonly Seg[]): string | undefined {
    const node = this.find(path)?.value;
    return node && isScalar(node) ? node.source : undefined;
  }

  private find(path: readonly Seg[]): { key?: Node; value?: Node } | undefined {
    let value: unknown = this.doc.contents;
    let key: Node | undefined;
    for (const seg of path) {
      value = this.deref(value);
      if (isMap(value)) {
        const pair = [...value.items].reverse().find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return undefined;
        key = pair.key as Node;
        value = pair.value;
      } else if (isSeq(value) && typeof seg === 'number') {
        value = value.items[seg];
        key = undefined;
        if (value === undefined) return undefined;
      } else {
        return undefined;
      }
    }
    const node = this.deref(value);
    return { key, value: node && typeof node === 'object' && 'range' in node ? node as Node : undefined };
  }

  private deref(value: unknown): unknown {
    for (let i = 0; i < 8 && isAlias(value); i++) value = value.resolve(this.doc);
    return value;
  }
}

/** Parses and checks one YAML document whose root must be a mapping; problems go to `bag`. */
export function parseYamlSource(text: string, bag: DiagnosticBag, what = 'dictionary'): ParsedYaml | undefined {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_SOURCE_BYTES) {
    bag.error({ line: 1, col: 1 }, 'too-large', `the file is too large (${size} bytes; the limit is ${MAX_SOURCE_BYTES})`);
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false, strict: true });
  const at = (offset: number | undefined): Position => lineCounter.linePos(offset ?? 0);
  for (const e of doc.errors) bag.error(at(e.pos[0]), 'yaml-syntax', `YAML syntax: ${firstLine(e.message)}`);
  for (const w of doc.warnings) bag.warning(at(w.pos[0]), 'yaml-warning', `YAML: ${firstLine(w.message)}`);
  if (doc.errors.length > 0) return undefined;

  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    bag.error({ line: 1, col: 1 }, 'empty', `the file is empty: a ${what} is a YAML mapping (name: ..., ...)`);
    return undefined;
  }
  if (!isMap(root)) {
    const found = isSeq(root) ? 'a list' : isScalar(root) ? 'a single value' : 'an alias';
    bag.error(at(root.range?.[0]), 'root-not-mapping', `the ${what} must be a YAML mapping of keys (name:, ...); found ${found}`);
    return undefined;
  }
  if (!checkTree(root, 0, bag, at)) return undefined;

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const alias = firstAliasOffset(root);
    if (error instanceof ReferenceError) {
      bag.error(at(alias), 'alias-limit', `too many alias expansions (limit ${MAX_ALIAS_COUNT}): anchors and aliases (&x / *x) nest too deeply`);
    } else {
      bag.error(at(alias), 'yaml-syntax', 'YAML: the document cannot be converted (unresolvable alias or value)');
    }
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return { value: value as Record<string, unknown>, locator: new SourceLocator(doc, lineCounter, text) };
}

/** Walks the AST (aliases not followed): depth limit, key shapes, duplicate keys. */
function checkTree(node: unknown, depth: number, bag: DiagnosticBag, at: (o: number | undefined) => Position): boolean {
  if (depth > MAX_DEPTH) {
    bag.error(at((node as Node).range?.[0]), 'too-deep', `nesting is too deep (more than ${MAX_DEPTH} levels)`);
    return false;
  }
  let ok = true;
  if (isMap(node)) {
    const seen = new Map<string, { line: number; sig: string }>();
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      if (!isScalar(key) || key.value === null || typeof key.value === 'object') {
        bag.error(at((key as Node | null)?.range?.[0] ?? node.range?.[0]), 'bad-key', 'keys must be plain names (not lists, maps or empty)');
        ok = false;
        continue;
      }
      const name = String(key.value);
      const keyPos = at(key.range?.[0]);
      if (name === '__proto__') {
        bag.error(keyPos, 'bad-key', "the key '__proto__' is not allowed");
        ok = false;
        continue;
      }
      const sig = signature(pair.value, 0);
      const first = seen.get(name);
      if (first && first.sig === sig) {
        bag.warning(keyPos, 'duplicate-key', `duplicate key '${name}' (same value as line ${first.line}): remove one`);
      } else if (first) {
        bag.error(keyPos, 'duplicate-key', `duplicate key '${name}' with a different value (first at line ${first.line})`);
        ok = false;
      } else {
        seen.set(name, { line: keyPos.line, sig });
      }
      ok = checkTree(pair.value, depth + 1, bag, at) && ok;
    }
  } else if (isSeq(node)) {
    for (const item of node.items) ok = checkTree(item, depth + 1, bag, at) && ok;
  }
  return ok;
}

/** Structural identity of a subtree, for comparing duplicate keys' values (aliases by name). */
function signature(node: unknown, depth: number): string {
  if (depth > MAX_DEPTH) return '…';
  if (isScalar(node)) return JSON.stringify([typeof node.value, String(node.value)]);
  if (isAlias(node)) return `*${node.source}`;
  if (isMap(node)) {
    return `{${node.items.map((p) => `${signature(p.key, depth + 1)}:${signature(p.value, depth + 1)}`).join(',')}}`;
  }
  if (isSeq(node)) return `[${node.items.map((i) => signature(i, depth + 1)).join(',')}]`;
  return 'null';
}

function firstAliasOffset(root: unknown): number | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.shift();
    if (isAlias(node)) return node.range?.[0];
    if (isMap(node)) for (const p of node.items) stack.push(p.value);
    if (isSeq(node)) stack.push(...node.items);
  }
  return undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').slice(0, 200);
}
