// Benchmark harness: a registry of suites, timing helpers (per-call samples, median/p99) and the
// result shape written to results/latest.json. Suites register themselves from suites/*.ts.

export interface BenchContext {
  /** --quick: fewer iterations, for a smoke run */
  quick: boolean;
  /** a scratch directory on the same disk as the repository (not tmpfs), removed afterwards */
  workDir: string;
  /** progress messages (stderr) */
  log(message: string): void;
}

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** the same measurement for the reference tool, taken in the same run */
  baseline: number | null;
  /** value / baseline */
  ratio: number | null;
  /** human-readable target, e.g. "<= 200 µs" */
  target: string | null;
  pass: boolean | null;
}

export interface BenchSuite {
  name: string;
  description: string;
  /** needs the network-namespace lab: run.ts runs it inside the broker namespace (test/lab/run.ts --script) */
  lab?: boolean;
  run(ctx: BenchContext): Promise<BenchResult[]>;
}

/** Set by `run.ts --cpu-prof`: the directory for CPU profiles (inherited by the lab child and by the scale suite's broker). */
export const CPU_PROFILE_ENV = 'VNF_BENCH_CPU_PROF_DIR';

const registry: BenchSuite[] = [];

export function registerSuite(suite: BenchSuite): void {
  if (registry.some((s) => s.name === suite.name)) throw new Error(`bench suite ${suite.name} registered twice`);
  registry.push(suite);
}

export function registeredSuites(): readonly BenchSuite[] {
  return registry;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Calls fn n times (after `warmup` untimed calls) and returns each call's duration in µs. */
export function sampleMicros(n: number, fn: (i: number) => void, warmup = Math.min(200, n)): number[] {
  for (let i = 0; i < warmup; i += 1) fn(-1 - i);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i += 1) {
    const start = process.hrtime.bigint();
    fn(i);
    out[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return out;
}

/** Calls per second over the summed sample time. */
export function throughput(samplesMicros: readonly number[]): number {
  const total = samplesMicros.reduce((a, b) => a + b, 0);
  return total === 0 ? Number.NaN : (samplesMicros.length * 1e6) / total;
}

export interface TargetSpec {
  baseline?: number;
  /** pass when value <= max */
  max?: number;
  /** pass when value >= min */
  min?: number;
  /** pass when value / baseline <= maxRatio */
  maxRatio?: number;
  /** pass when value / baseline >= minRatio */
  minRatio?: number;
  /** extra words for the target column */
  note?: string;
}

const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(4)) : v);

export function result(name: string, value: number, unit: string, spec: TargetSpec = {}): BenchResult {
  const baseline = spec.baseline ?? null;
  const ratio = baseline !== null && baseline !== 0 ? value / baseline : null;
  const checks: Array<[string, boolean]> = [];
  if (spec.max !== undefined) checks.push([`<= ${spec.max} ${unit}`, value <= spec.max]);
  if (spec.min !== undefined) checks.push([`>= ${spec.min} ${unit}`, value >= spec.min]);
  if (spec.maxRatio !== undefined && ratio !== null) checks.push([`<= ${spec.maxRatio}x baseline`, ratio <= spec.maxRatio]);
  if (spec.minRatio !== undefined && ratio !== null) checks.push([`>= ${spec.minRatio}x baseline`, ratio >= spec.minRatio]);
  const target = checks.length === 0 ? null : [checks.map(([t]) => t).join(' and '), spec.note].filter(Boolean).join(' ');
  return {
    name, value: round(value), unit, baseline: baseline === null ? null : round(baseline),
    ratio: ratio === null ? null : round(ratio), target, pass: checks.length === 0 ? null : checks.every(([, ok]) => ok),
  };
}

/**
 * Samples several contenders (ms), alternating them call by call so load drift hits them all alike.
 * Each round runs every contender once, in a new shuffled order: in a fixed order each contender
 * always follows the same one and pays for what that one leaves behind (seen in the API suite: the
 * contender after OpenSSH ControlMaster's vtysh run was 2-3 ms slower, whichever it was). The
 * shuffle is seeded, so a run's order is reproducible.
 */
export async function interleaved(n: number, fns: ReadonlyArray<() => Promise<unknown>>, warmup = 0, seed = 0x9e3779b9): Promise<number[][]> {
  const out = fns.map(() => [] as number[]);
  const random = xorshift32(seed);
  const order = fns.map((_f, k) => k);
  for (let i = -warmup; i < n; i++) {
    for (let k = order.length - 1; k > 0; k--) {
      const j = random() % (k + 1);
      [order[k], order[j]] = [order[j] as number, order[k] as number];
    }
    for (const k of order) {
      const t0 = performance.now();
      await (fns[k] as () => Promise<unknown>)();
      if (i >= 0) (out[k] as number[]).push(performance.now() - t0);
    }
  }
  return out;
}

/** A small deterministic PRNG (Marsaglia xorshift32): unsigned 32-bit values. */
function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
