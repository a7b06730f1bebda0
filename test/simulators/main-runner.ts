// Shared entry point of the simulators that run as their own process (e.g. inside the lab's
// appliance namespace, started by test/vendors/vendor-lab.ts startSimulator): parses the options,
// starts the simulator, prints one JSON line {"listening":{host,port},"fingerprint256",...} when
// ready, and exits on SIGTERM/SIGINT or after --max-seconds (bounded life even if its owner dies).
import { parseArgs } from 'node:util';

export interface RunningSimulator { port: number; fingerprint256: string; close(): Promise<void> }

/**
 * `options` are the simulator's own string options (besides host, port and max-seconds); `start`
 * gets them parsed and returns the simulator plus any further fields for the ready line.
 */
export async function runSimulatorMain(
  options: readonly string[],
  start: (o: { host: string; port: number; values: Record<string, string | undefined> }) => Promise<{ sim: RunningSimulator; ready?: Record<string, unknown> }>,
): Promise<void> {
  const spec = Object.fromEntries(['host', 'port', 'max-seconds', ...options].map((name) => [name, { type: 'string' as const }]));
  const { values } = parseArgs({ options: spec });
  const host = values.host ?? '127.0.0.1';
  const { sim, ready } = await start({ host, port: Number(values.port ?? 0), values });
  process.stdout.write(JSON.stringify({ listening: { host, port: sim.port }, fingerprint256: sim.fingerprint256, ...ready }) + '\n');
  const stop = (): void => { void sim.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  setTimeout(stop, Number(values['max-seconds'] ?? 600) * 1000).unref();
  // keep the loop alive until stopped
  setInterval(() => undefined, 60_000);
}
