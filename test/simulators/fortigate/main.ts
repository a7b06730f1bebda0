// Runs the FortiGate simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/fortigate/main.ts --host 203.0.113.10 --port 8443 --token T [--max-seconds 600]
// Prints one JSON line {"listening":{host,port},"fingerprint256"} when ready; exits on SIGTERM or
// after --max-seconds (bounded life even if its owner dies).
import { parseArgs } from 'node:util';
import { startFortigateSimulator } from './index.js';

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' }, token: { type: 'string' }, version: { type: 'string' }, 'max-seconds': { type: 'string' } } });
const sim = await startFortigateSimulator({ host: values.host ?? '127.0.0.1', port: Number(values.port ?? 0), token: values.token ?? 'token', ...(values.version ? { version: values.version } : {}) });
process.stdout.write(JSON.stringify({ listening: { host: values.host ?? '127.0.0.1', port: sim.port }, fingerprint256: sim.fingerprint256 }) + '\n');
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values['max-seconds'] ?? 600) * 1000).unref();
// keep the loop alive until stopped
setInterval(() => undefined, 60_000);
