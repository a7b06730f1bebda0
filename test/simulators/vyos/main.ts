// Runs the VyOS HTTP API simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/vyos/main.ts --host 203.0.113.10 --port 8444 --key K
//        [--version 1.5|1.4] [--commit-ms 100] [--minute-ms 60000] [--max-seconds 600]
// Prints one JSON line {"listening":{host,port},"fingerprint256"} when ready; exits on SIGTERM or
// after --max-seconds (bounded life even if its owner dies).
import { parseArgs } from 'node:util';
import { startVyosSimulator } from './index.js';

const { values } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' }, key: { type: 'string' }, version: { type: 'string' },
  'commit-ms': { type: 'string' }, 'minute-ms': { type: 'string' }, 'max-seconds': { type: 'string' } } });
const sim = await startVyosSimulator({ host: values.host ?? '127.0.0.1', port: Number(values.port ?? 0), key: values.key ?? 'key',
  ...(values.version ? { version: values.version } : {}),
  ...(values['commit-ms'] ? { commitMs: Number(values['commit-ms']) } : {}),
  ...(values['minute-ms'] ? { minuteMs: Number(values['minute-ms']) } : {}) });
process.stdout.write(JSON.stringify({ listening: { host: values.host ?? '127.0.0.1', port: sim.port }, fingerprint256: sim.fingerprint256 }) + '\n');
const stop = (): void => { void sim.close().then(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, Number(values['max-seconds'] ?? 600) * 1000).unref();
setInterval(() => undefined, 60_000);
