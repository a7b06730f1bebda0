// Entry point to run the pfSense simulator as its own process (e.g. inside the lab's appliance
// namespace): node --import tsx test/simulators/pfsense/main.ts --host 203.0.113.10 --port 8444
//   --key KEY [--username U --password P] --state-file F
// Stops on SIGTERM/SIGINT; exits by itself after --max-life-ms (default 30 min).
import { parseArgs } from 'node:util';
import { startPfsenseSim } from './simulator.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    key: { type: 'string' },
    username: { type: 'string' },
    password: { type: 'string' },
    'state-file': { type: 'string' },
    'max-life-ms': { type: 'string', default: '1800000' },
  },
});
if (!values.key) throw new Error('--key is required');
const sim = await startPfsenseSim({
  host: values.host, port: Number(values.port), apiKey: values.key,
  ...(values.username && values.password ? { username: values.username, password: values.password } : {}),
  ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
});
process.stdout.write(`pfsense simulator listening on ${values.host}:${sim.port}\n`);
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
setTimeout(stop, Number(values['max-life-ms'])).unref();
