// Entry point to run the OPNsense simulator as its own process (e.g. inside the lab's appliance
// namespace): node --import tsx test/simulators/opnsense/main.ts --host 203.0.113.10 --port 8441
//   --version 26.1.4 --key KEY --secret SECRET --revert-ms 2000 --state-file F [--fault-marker M]
// Stops on SIGTERM/SIGINT; exits by itself after --max-life-ms (default 30 min) so it never outlives a run.
import { parseArgs } from 'node:util';
import { startOpnsenseSim } from './simulator.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    version: { type: 'string', default: '26.1.4' },
    key: { type: 'string' },
    secret: { type: 'string' },
    'revert-ms': { type: 'string', default: '60000' },
    'state-file': { type: 'string' },
    'fault-marker': { type: 'string' },
    'max-life-ms': { type: 'string', default: '1800000' },
  },
});
if (!values.key || !values.secret) throw new Error('--key and --secret are required');
const sim = await startOpnsenseSim({
  host: values.host, port: Number(values.port), version: values.version, apiKey: values.key, apiSecret: values.secret,
  revertMs: Number(values['revert-ms']), ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
  ...(values['fault-marker'] ? { faultMarker: values['fault-marker'] } : {}),
});
process.stdout.write(`opnsense simulator ${sim.version} listening on ${values.host}:${sim.port}\n`);
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setTimeout(stop, Number(values['max-life-ms'])).unref();
setInterval(() => undefined, 60_000).unref();
