// YAML text of the config file → plain value plus line/column positions for any path, so schema
// errors point at the operator's line (yaml LineCounter). Bounded size and alias expansion.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface ConfigProblem {
  line: number;
  col: number;
  message: string;
}

export interface ParsedConfigYaml {
  value: unknown;
  /** position of the value at `path` (or of its key), falling back to the nearest ancestor */
  position(path: readonly string[], key?: boolean): { line: number; col: number };
}

export function parseConfigYaml(text: string, problems: ConfigProblem[]): ParsedConfigYaml | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    problems.push({ line: 1, col: 1, message: `the file is larger than ${MAX_CONFIG_BYTES} bytes` });
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({ ...pos, message: `YAML: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}` });
  }
  if (doc.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch {
    problems.push({ line: 1, col: 1, message: 'YAML: too many alias expansions or an unresolvable alias' });
    return undefined;
  }
  return { value, position: (path, key = false) => locate(doc, lines, path, key) };
}

function locate(doc: Document.Parsed, lines: LineCounter, path: readonly string[], key: boolean): { line: number; col: number } {
  for (let n = path.length; n >= 0; n--) {
    const found = find(doc, path.slice(0, n));
    const node = key && n === path.length ? found?.key ?? found?.value : found?.value ?? found?.key;
    if (node?.range) return lines.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

function find(doc: Document.Parsed, path: readonly string[]): { key?: Node; value?: Node } | undefined {
  let value: unknown = doc.contents;
  let key: Node | undefined;
  for (const seg of path) {
    if (isMap(value)) {
      const pair = value.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) return undefined;
      key = pair.key as Node;
      value = pair.value;
    } else if (isSeq(value) && /^\d+$/.test(seg)) {
      value = value.items[Number(seg)];
      key = undefined;
      if (value === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  const node = value !== null && typeof value === 'object' && 'range' in value ? value as Node : undefined;
  return { ...(key ? { key } : {}), ...(node ? { value: node } : {}) };
}
