// Runs the FortiGate simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/fortigate/main.ts --host 203.0.113.10 --port 8443 --token T [--version v7.2.8] [--max-seconds 600]
// Ready line, SIGTERM and the bounded life: ../main-runner.ts.
import { runSimulatorMain } from '../main-runner.js';
import { startFortigateSimulator } from './index.js';

await runSimulatorMain(['token', 'version'], async ({ host, port, values }) => ({
  sim: await startFortigateSimulator({ host, port, token: values.token ?? 'token', ...(values.version ? { version: values.version } : {}) }),
}));
