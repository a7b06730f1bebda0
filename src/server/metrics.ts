// Prometheus metrics written by hand (text exposition format 0.0.4): counters, one latency
// histogram, and gauges that other modules (jobs, the connection pool) register as callbacks.
export type Labels = Record<string, string>;

export interface GaugeSample {
  labels?: Labels;
  value: number;
}

export type GaugeCollector = () => number | GaugeSample[];

export const LATENCY_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const PREFIX = 'vnf_broker_';

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function num(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

class Counter {
  readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string, private readonly labelled = true) {}
  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0 && !this.labelled) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${num(value)}`);
    return lines;
  }
}

class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}
  observe(labels: Labels, value: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) {
      s = { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    for (const [i, le] of this.buckets.entries()) if (value <= le) s.counts[i] = (s.counts[i] ?? 0) + 1;
    s.sum += value;
    s.count += 1;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const s of this.series.values()) {
      for (const [i, le] of this.buckets.entries()) lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: num(le) })} ${s.counts[i] ?? 0}`);
      lines.push(`${this.name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      lines.push(`${this.name}_sum${labelText(s.labels)} ${num(s.sum)}`);
      lines.push(`${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines;
  }
}

export class Metrics {
  private readonly operations = new Counter(`${PREFIX}operations_total`, 'Operations, health checks and bootstraps by provider, service, operation and outcome.');
  private readonly latency = new Histogram(`${PREFIX}operation_duration_seconds`, 'Operation latency in seconds.', LATENCY_BUCKETS_SECONDS);
  private readonly requests = new Counter(`${PREFIX}http_requests_total`, 'API requests by route and status.');
  private readonly tlsFailures = new Counter(`${PREFIX}tls_handshake_failures_total`, 'Failed TLS handshakes on the API listener (no, bad, expired or revoked client certificates ...).', false);
  private readonly auditFailures = new Counter(`${PREFIX}audit_write_failures_total`, 'Audit records that could not be written (the action was refused).', false);
  private readonly gauges = new Map<string, { help: string; collect: GaugeCollector }>();

  operation(labels: { provider: string; service: string; operation: string; outcome: string }, seconds: number): void {
    this.operations.inc(labels);
    this.latency.observe({ provider: labels.provider, service: labels.service, operation: labels.operation }, seconds);
  }

  request(route: string, status: number): void {
    this.requests.inc({ route, status: String(status) });
  }

  tlsHandshakeFailure(): void {
    this.tlsFailures.inc();
  }

  auditWriteFailure(): void {
    this.auditFailures.inc();
  }

  /** The hook for other modules (pool connections, jobs by state ...). `name` gets the vnf_broker_ prefix. */
  registerGauge(name: string, help: string, collect: GaugeCollector): void {
    const full = name.startsWith(PREFIX) ? name : `${PREFIX}${name}`;
    if (!NAME.test(full)) throw new Error(`invalid metric name ${name}`);
    this.gauges.set(full, { help: help.replace(/\n/g, ' '), collect });
  }

  render(): string {
    const lines: string[] = [];
    for (const m of [this.operations, this.requests, this.tlsFailures, this.auditFailures]) lines.push(...m.render());
    lines.push(...this.latency.render());
    for (const [name, { help, collect }] of this.gauges) {
      let samples: GaugeSample[];
      try {
        const got = collect();
        samples = typeof got === 'number' ? [{ value: got }] : got;
      } catch {
        continue; // a failing collector must not break the scrape
      }
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const s of samples) lines.push(`${name}${labelText(s.labels)} ${num(s.value)}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
