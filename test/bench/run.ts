// `npm run bench [-- --quick] [-- --only NAME] [-- --cpu-prof]`: runs the registered suites, prints a
// table on stdout and writes test/bench/results/latest.json ([{name, value, unit, baseline, ratio,
// target, pass}]). --cpu-prof writes a V8 CPU profile per suite (and of the scale suite's broker
// process) to test/artifacts/cpu-profiles/ (open in Chrome DevTools or speedscope).
// Suites marked `lab` run in a child started through the lab runner (test/lab/run.ts --script), i.e.
// inside the broker network namespace; it hands its results back in a file (--lab-results, internal).
import { spawn } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CPU_PROFILE_ENV, registeredSuites, type BenchResult, type BenchSuite } from './harness.js';
import './suites/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' }, only: { type: 'string', multiple: true }, strict: { type: 'boolean' }, 'cpu-prof': { type: 'boolean' },
    'lab-results': { type: 'string' },
  },
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

async function runSuites(suites: readonly BenchSuite[], scratchRoot: string): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const suite of suites) {
    const workDir = mkdtempSync(join(scratchRoot, `bench-${suite.name}-`));
    process.stderr.write(`bench: ${suite.name}: ${suite.description}${values.quick ? ' (quick)' : ''}\n`);
    const profile = process.env[CPU_PROFILE_ENV] ? await startProfile() : undefined;
    try {
      results.push(...await suite.run({ quick: values.quick === true, workDir, log: (m) => process.stderr.write(`bench: ${suite.name}: ${m}\n`) }));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
      if (profile) process.stderr.write(`bench: ${suite.name}: CPU profile ${await profile.stop(suite.name)}\n`);
    }
  }
  return results;
}

/** Runs the lab suites inside the broker namespace via the lab runner; [] when the lab is unavailable. */
async function runLabSuites(suites: readonly BenchSuite[], scratchRoot: string): Promise<BenchResult[]> {
  const file = join(mkdtempSync(join(scratchRoot, 'lab-results-')), 'results.json');
  const root = join(HERE, '..', '..');
  const args = [join(root, 'test', 'lab', 'run.ts'), '--script', join(HERE, 'run.ts'), '--lab-results', file,
    ...(values.quick ? ['--quick'] : []), ...suites.flatMap((s) => ['--only', s.name])];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('exit', (c, signal) => resolve(c ?? (signal ? 130 : 1)));
  });
  try {
    if (code !== 0) throw new Error(`lab suites (${suites.map((s) => s.name).join(', ')}) failed: lab runner exited ${code}`);
    if (!existsSync(file)) {
      process.stderr.write(`bench: lab suites skipped (${suites.map((s) => s.name).join(', ')}): the lab cannot run here\n`);
      return [];
    }
    return JSON.parse(readFileSync(file, 'utf8')) as BenchResult[];
  } finally {
    rmSync(join(file, '..'), { recursive: true, force: true });
  }
}

/** A V8 CPU profile of this process from now until stop(), written as <dir>/<name>.cpuprofile. */
async function startProfile(): Promise<{ stop(name: string): Promise<string> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      const file = join(process.env[CPU_PROFILE_ENV] as string, `${name}-${process.pid}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return file;
    },
  };
}

async function main(): Promise<number> {
  const only = values.only ?? [];
  if (values['cpu-prof'] && !process.env[CPU_PROFILE_ENV]) {
    process.env[CPU_PROFILE_ENV] = join(HERE, '..', 'artifacts', 'cpu-profiles', new Date().toISOString().replace(/[:.]/g, '-'));
    mkdirSync(process.env[CPU_PROFILE_ENV], { recursive: true });
  }
  const suites = registeredSuites().filter((s) => only.length === 0 || only.some((o) => s.name.includes(o)));
  const scratchRoot = join(HERE, '..', 'artifacts');
  mkdirSync(scratchRoot, { recursive: true });
  const labResults = values['lab-results'];
  if (labResults !== undefined) {
    // the child inside the broker namespace: lab suites only, results to the parent's file
    writeFileSync(labResults, JSON.stringify(await runSuites(suites.filter((s) => s.lab), scratchRoot)));
    return 0;
  }
  const results = await runSuites(suites.filter((s) => !s.lab), scratchRoot);
  const lab = suites.filter((s) => s.lab);
  if (lab.length > 0) results.push(...await runLabSuites(lab, scratchRoot));
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
