// Built-in CLI output parsers that dictionaries name in transforms (e.g. parse_bgp_summary).
// Pure functions, no I/O: text in, structured value out, or VNF_ERR_PARSE_NO_MATCH.
import { parseBgpSummary } from './bgp-summary.js';
import { parseRoutingTable } from './routing-table.js';
import { parseInterfaces } from './interfaces.js';
import { parseTable } from './table.js';
import { parseKeyValue } from './key-value.js';

export type CliParser = (text: string) => unknown;

// null prototype: a dictionary naming "constructor" or "__proto__" finds no parser
const parsers: Record<string, CliParser> = Object.assign(Object.create(null) as Record<string, CliParser>, {
  parse_bgp_summary: parseBgpSummary,
  parse_routing_table: parseRoutingTable,
  parse_interfaces: parseInterfaces,
  parse_table: parseTable,
  parse_key_value: parseKeyValue,
});

export const CLI_PARSERS: Readonly<Record<string, CliParser>> = Object.freeze(parsers);

export const CLI_PARSER_NAMES: readonly string[] = Object.freeze(Object.keys(parsers));

export { parseBgpSummary, parseRoutingTable, parseInterfaces, parseTable, parseKeyValue };
export type { BgpSummary, BgpNeighbor } from './bgp-summary.js';
export type { RoutingTable, Route, NextHop } from './routing-table.js';
export type { InterfaceEntry } from './interfaces.js';
export type { KeyValueRecord } from './key-value.js';
