// `vnf-broker audit verify|show`: the auditors' tools over audit log files, rotated ones included
// (DESIGN.md §3.1). verify exits 1 naming the first bad record; show filters and prints records.
import {
  canonicalJson, loadHmacKey, parseAuditTime, queryAuditLog, verifyAuditLog,
  type AuditFilter, type AuditRecord, type VerifyReport,
} from '../../audit/index.js';
import { VnfError, isVnfError } from '../../errors.js';
import { optionalString, parseCommandArgs } from '../args.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, printErr, printJson, reportError } from '../io.js';

const USAGE = `usage: vnf-broker audit verify [--hmac-key-file FILE] LOG...
       vnf-broker audit show LOG... [--appliance ID] [--principal P] [--since T] [--until T] [--type T]... [--json]

verify  check the hash chain across the given files (any order; rotated files included)
show    print matching records as a table, or as JSON Lines with --json (times: ISO 8601)`;

export default async function audit(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'verify') return verify(rest);
  if (sub === 'show') return show(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  throw new VnfError('VNF_ERR_CLI_USAGE', `audit: expected 'verify' or 'show'\n${USAGE}`);
}

function summary(report: VerifyReport): Record<string, unknown> {
  const { ok, records, files, first_seq, last_seq, last_hash, chain_start, anchor, warnings, error } = report;
  return {
    ok, records, files, first_seq, last_seq, last_hash, chain_start,
    ...(anchor ? { anchor } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(error ? { error } : {}),
  };
}

async function verify(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, { 'hmac-key-file': { type: 'string' } });
  if (parsed.positionals.length === 0) throw new VnfError('VNF_ERR_CLI_USAGE', `audit verify: no log files given\n${USAGE}`);
  const keyFile = optionalString(parsed, 'hmac-key-file');
  let hmacKey: Buffer | undefined;
  try {
    hmacKey = keyFile === undefined ? undefined : loadHmacKey(keyFile);
  } catch (error) {
    reportError(error);
    return EXIT_USAGE; // an unreadable key is unreadable input, not a failed check
  }
  const report = await verifyAuditLog(parsed.positionals, { hmacKey });
  printJson(summary(report));
  if (report.error) {
    const e = report.error;
    printErr(`vnf-broker audit verify: FAILED (${e.reason}) at ${e.file}:${e.line}${e.seq === undefined ? '' : ` seq ${e.seq}`}: ${e.message}`);
    return EXIT_FAILED;
  }
  if (report.chain_start === 'mid-way' && report.anchor) {
    printErr(`vnf-broker audit verify: note: the chain starts mid-way at seq ${report.anchor.seq} (older files removed by retention); anchored on prev ${report.anchor.prev}`);
  }
  for (const w of report.warnings) printErr(`vnf-broker audit verify: warning: ${w.message}`);
  return EXIT_OK;
}

function parseTimeOption(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = parseAuditTime(value);
  if (!date) throw new VnfError('VNF_ERR_CLI_USAGE', `--${name}: '${value}' is not an ISO 8601 date or date-time`);
  return date;
}

function cell(value: string, width: number): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat.padEnd(width);
}

function what(r: AuditRecord): string {
  if (r.command !== undefined) return r.command;
  if (r.http) return `${r.http.method} ${r.http.url}${r.http.status === undefined ? '' : ` -> ${r.http.status}`}`;
  if (r.service || r.operation) return [r.provider, r.service, r.operation].filter(Boolean).join(' ');
  return r.detail ? canonicalJson(r.detail) : '';
}

const COLUMNS: Array<[string, number, (r: AuditRecord) => string]> = [
  ['TIME', 24, (r) => r.time],
  ['SEQ', 7, (r) => String(r.seq)],
  ['TYPE', 16, (r) => r.type],
  ['PRINCIPAL', 20, (r) => r.principal?.subject ?? '-'],
  ['APPLIANCE', 20, (r) => r.appliance?.name ?? r.appliance?.id ?? '-'],
  ['TRANSPORT', 9, (r) => r.transport ?? '-'],
  ['OUTCOME', 8, (r) => r.outcome ?? '-'],
  ['DURATION', 10, (r) => (r.duration_ms === undefined ? '-' : `${r.duration_ms} ms`)],
];

function row(values: string[]): string {
  return values.join(' ').trimEnd();
}

async function show(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    appliance: { type: 'string' }, principal: { type: 'string' }, since: { type: 'string' },
    until: { type: 'string' }, type: { type: 'string', multiple: true }, json: { type: 'boolean' },
  });
  if (parsed.positionals.length === 0) throw new VnfError('VNF_ERR_CLI_USAGE', `audit show: no log files given\n${USAGE}`);
  const types = (parsed.values.type as string[] | undefined)?.flatMap((t) => t.split(',')).filter(Boolean);
  const filter: AuditFilter = {
    appliance: optionalString(parsed, 'appliance'),
    principal: optionalString(parsed, 'principal'),
    since: parseTimeOption(optionalString(parsed, 'since'), 'since'),
    until: parseTimeOption(optionalString(parsed, 'until'), 'until'),
    types,
  };
  const json = parsed.values.json === true;
  // `audit show ... | head` closes the pipe early: that is not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT_OK);
  });
  let count = 0;
  try {
    if (!json) process.stdout.write(`${row([...COLUMNS.map(([h, w]) => cell(h, w)), 'COMMAND / REQUEST'])}\n`);
    for await (const record of queryAuditLog(parsed.positionals, filter)) {
      count += 1;
      process.stdout.write(json
        ? `${canonicalJson(record)}\n`
        : `${row([...COLUMNS.map(([, w, get]) => cell(get(record), w)), cell(what(record), 120)])}\n`);
    }
  } catch (error) {
    if (isVnfError(error)) return reportError(error);
    throw error;
  }
  if (!json) printErr(`${count} record${count === 1 ? '' : 's'}`);
  return EXIT_OK;
}
