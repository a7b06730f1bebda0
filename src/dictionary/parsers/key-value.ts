// parse_key_value: "key: value" lines. Blank lines, or a key repeating inside a record,
// start a new record; one record gives an object, several an array. Several pairs on one
// line ("NAME: "x", DESCR: "y"") and indented continuation lines are understood.
import { noMatch, snakeKey, toLines } from './common.js';

const NAME = 'parse_key_value';
// a key starts a line or follows ", "; the colon must be followed by a space or the line end
const PAIR = /(?:^|,\s*)\s*([A-Za-z][\w./()#-]*(?: [\w./()#-]+){0,5}?)\s*:(?=\s|$)/g;

export type KeyValueRecord = Record<string, string>;

export function parseKeyValue(text: string): KeyValueRecord | KeyValueRecord[] {
  const records: KeyValueRecord[] = [];
  let current: KeyValueRecord | undefined;
  let lastKey: string | undefined;
  const flush = (): void => { if (current && Object.keys(current).length) records.push({ ...current }); current = undefined; lastKey = undefined; };
  for (const line of toLines(text)) {
    if (line.trim() === '') { flush(); continue; }
    const pairs = splitPairs(line);
    if (pairs.length === 0) {
      // an indented line without a key continues the previous value
      if (/^\s/.test(line) && current && lastKey !== undefined) current[lastKey] = `${current[lastKey] ?? ''} ${line.trim()}`.trim();
      continue;
    }
    for (const [key, value] of pairs) {
      if (current && Object.prototype.hasOwnProperty.call(current, key)) flush();
      current ??= Object.create(null) as KeyValueRecord;
      current[key] = value;
      lastKey = key;
    }
  }
  flush();
  if (records.length === 0) throw noMatch(NAME, 'no "key: value" lines');
  return records.length === 1 ? (records[0] as KeyValueRecord) : records;
}

function splitPairs(line: string): Array<[string, string]> {
  const marks = [...line.matchAll(PAIR)];
  if (marks.length === 0 || (marks[0]?.index ?? 1) !== 0 && line.slice(0, marks[0]?.index).trim() !== '') return [];
  return marks.map((m, i) => {
    const start = m.index + m[0].length;
    const end = marks[i + 1]?.index ?? line.length;
    return [snakeKey(m[1] as string), unquote(line.slice(start, end).trim())];
  });
}

function unquote(value: string): string {
  const m = /^"(.*)"$/.exec(value);
  return m ? (m[1] as string) : value;
}
