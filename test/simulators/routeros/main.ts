// Runs the RouterOS v7 REST simulator as a process (e.g. inside the lab's appliance namespace):
//   node --import tsx test/simulators/routeros/main.ts --host 203.0.113.10 --port 8729 --username admin --password P [--max-seconds 600]
// Ready line, SIGTERM and the bounded life: ../main-runner.ts.
import { runSimulatorMain } from '../main-runner.js';
import { startRouterosSimulator } from './index.js';

await runSimulatorMain(['username', 'password'], async ({ host, port, values }) => ({
  sim: await startRouterosSimulator({ host, port, username: values.username ?? 'admin', password: values.password ?? 'admin' }),
}));
