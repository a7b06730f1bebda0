// Runs the VyOS HTTP API simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/vyos/main.ts --host 203.0.113.10 --port 8444 --key K
//        [--version 1.5|1.4] [--commit-ms 100] [--minute-ms 60000] [--max-seconds 600]
// Ready line, SIGTERM and the bounded life: ../main-runner.ts.
import { runSimulatorMain } from '../main-runner.js';
import { startVyosSimulator } from './index.js';

await runSimulatorMain(['key', 'version', 'commit-ms', 'minute-ms'], async ({ host, port, values }) => ({
  sim: await startVyosSimulator({ host, port, key: values.key ?? 'key',
    ...(values.version ? { version: values.version } : {}),
    ...(values['commit-ms'] ? { commitMs: Number(values['commit-ms']) } : {}),
    ...(values['minute-ms'] ? { minuteMs: Number(values['minute-ms']) } : {}) }),
}));
