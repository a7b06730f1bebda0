// Runs the RouterOS v7 REST simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/routeros/main.ts --host 203.0.113.10 --port 8729 --username admin --password P [--max-seconds 600]
// Prints one JSON line {"listening":{host,port},"fingerprint256"} when ready; exits on SIGTERM or
// after --max-seconds (bounded life even if its owner dies).
import { parseArgs } from 'node:util';
import { startRouterosSimulator } from './index.js';

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, 'max-seconds': { type: 'string' } } });
const sim = await startRouterosSimulator({ host: values.host ?? '127.0.0.1', port: Number(values.port ?? 0), username: values.username ?? 'admin', password: values.password ?? 'admin' });
process.stdout.write(JSON.stringify({ listening: { host: values.host ?? '127.0.0.1', port: sim.port }, fingerprint256: sim.fingerprint256 }) + '\n');
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values['max-seconds'] ?? 600) * 1000).unref();
setInterval(() => undefined, 60_000);
