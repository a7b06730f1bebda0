// `npm run bench [-- --quick] [-- --only NAME]`: runs the registered suites, prints a table on stdout
// and writes test/bench/results/latest.json ([{name, value, unit, baseline, ratio, target, pass}]).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registeredSuites, type BenchResult } from './harness.js';
import './suites/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, only: { type: 'string', multiple: true }, strict: { type: 'boolean' } },
  allowPositionals: false,
});

function fmt(v: number | null): string {
  if (v === null) return '-';
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : String(v);
}

function table(results: readonly BenchResult[]): string {
  const rows = [['benchmark', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass'],
    ...results.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), r.ratio === null ? '-' : `${r.ratio}x`, r.target ?? '-', r.pass === null ? '-' : r.pass ? 'PASS' : 'FAIL'])];
  const widths = rows[0]?.map((_c, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<number> {
  const only = values.only ?? [];
  const suites = registeredSuites().filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
  const scratchRoot = join(HERE, '..', 'artifacts');
  mkdirSync(scratchRoot, { recursive: true });
  const results: BenchResult[] = [];
  for (const suite of suites) {
    const workDir = mkdtempSync(join(scratchRoot, `bench-${suite.name}-`));
    process.stderr.write(`bench: ${suite.name}: ${suite.description}${values.quick ? ' (quick)' : ''}\n`);
    try {
      results.push(...await suite.run({ quick: values.quick === true, workDir, log: (m) => process.stderr.write(`bench: ${suite.name}: ${m}\n`) }));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(`${table(results)}\n`);
  mkdirSync(join(HERE, 'results'), { recursive: true });
  writeFileSync(join(HERE, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  const failed = results.filter((r) => r.pass === false);
  if (failed.length > 0) process.stderr.write(`bench: ${failed.length} result(s) missed their target\n`);
  return values.strict && failed.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`bench: ${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
