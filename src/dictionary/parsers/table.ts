// parse_table: a generic column table. The first line with two or more words is the header;
// its word positions give the columns; keys are lower_snake header names.
import { isRule, noMatch, snakeKey, splitColumns, tokens, toLines } from './common.js';

const NAME = 'parse_table';

export function parseTable(text: string): Array<Record<string, string>> {
  const lines = toLines(text);
  const at = lines.findIndex((l) => tokens(l).length >= 2 && !isRule(l));
  if (at === -1) throw noMatch(NAME, 'no header line with two or more columns');
  const headers = tokens(lines[at] as string);
  const keys = uniqueKeys(headers.map((h) => snakeKey(h.text)));
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === '' || isRule(line)) continue;
    const cells = splitColumns(headers, line);
    const row: Record<string, string> = Object.create(null) as Record<string, string>;
    keys.forEach((key, i) => { row[key] = cells[i] ?? ''; });
    rows.push({ ...row });
  }
  return rows;
}

function uniqueKeys(keys: string[]): string[] {
  const seen = new Map<string, number>();
  return keys.map((key) => {
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? key : `${key}_${n}`;
  });
}
