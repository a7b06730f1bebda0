// Shared pieces of the CLI output parsers: the no-match error, line handling, key naming
// and a column splitter that copes with left- and right-aligned columns.
import { VnfError } from '../../errors.js';

/** Parsers never return raw text: output that is not their format is this error. */
export function noMatch(parser: string, why: string): VnfError {
  return new VnfError('VNF_ERR_PARSE_NO_MATCH', `${parser}: ${why}`);
}

/** Lines without trailing whitespace/CR; tabs expanded so column positions hold. */
export function toLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n').map((line) => expandTabs(line).trimEnd());
}

function expandTabs(line: string): string {
  if (!line.includes('\t')) return line;
  let out = '';
  for (const ch of line) out += ch === '\t' ? ' '.repeat(8 - (out.length % 8)) : ch;
  return out;
}

/** "State/PfxRcd" → "state_pfx_rcd", "MsgRcvd" → "msg_rcvd", "IP-Address" → "ip_address", "OK?" → "ok". */
export function snakeKey(header: string): string {
  const key = header
    .replace(/([a-z0-9])([A-Z])(?=[a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return key === '' ? 'column' : key;
}

/** Integer value of a decimal token, else undefined. */
export function toInt(token: string | undefined): number | undefined {
  if (token === undefined || !/^\d{1,15}$/.test(token)) return undefined;
  return Number(token);
}

/** AS numbers: plain (65001) or asdot (1.10); asdot stays a string. */
export function toAsn(token: string): number | string {
  return toInt(token) ?? token;
}

export interface Token { text: string; start: number; end: number }

/** Runs of non-space characters with their [start, end) positions. */
export function tokens(line: string, separator: RegExp = /\S+/g): Token[] {
  const out: Token[] = [];
  for (const m of line.matchAll(separator)) out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
  return out;
}

/**
 * Splits a row into the header's columns. A token belongs to the last column starting at
 * or before it, unless it reaches into a later header word (right-aligned numbers), in
 * which case it belongs to that column. Several tokens in one column are joined by a space.
 */
export function splitColumns(headers: readonly Token[], row: string): string[] {
  const cells: string[][] = headers.map(() => []);
  for (const tok of tokens(row)) {
    let index = 0;
    for (let i = 0; i < headers.length; i++) if ((headers[i] as Token).start <= tok.start) index = i;
    for (let i = index + 1; i < headers.length; i++) {
      const h = headers[i] as Token;
      if (tok.end > h.start && tok.start < h.end) { index = i; break; }
    }
    cells[index]?.push(tok.text);
  }
  return cells.map((c) => c.join(' '));
}

/** Separator lines under headers ("-----  ---", "=====", "+----+"). */
export function isRule(line: string): boolean {
  return /^[\s\-=+|]+$/.test(line) && /[-=]{2}/.test(line);
}
