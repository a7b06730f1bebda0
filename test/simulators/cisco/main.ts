// Runs the fake IOS-XE router as a process (e.g. inside the lab's appliance namespace): RESTCONF
// over HTTPS on --port and the IOS CLI over SSH on --ssh-port, one device state:
//   node --import tsx test/simulators/cisco/main.ts --host 203.0.113.10 --port 8443 --ssh-port 2222
//        --username admin --password P [--day0] [--state-file F] [--max-seconds 600]
// The ready line adds "ssh":{"port","fingerprint"} (the host key, OpenSSH SHA256 form, to pin).
// SIGTERM and the bounded life: ../main-runner.ts.
import { runSimulatorMain } from '../main-runner.js';
import { startCiscoSimulator } from './index.js';

await runSimulatorMain(['ssh-port', 'username', 'password', 'day0', 'state-file'], async ({ host, port, values }) => {
  const sim = await startCiscoSimulator({
    host, restconfPort: port, sshPort: Number(values['ssh-port'] ?? 0),
    users: [{ username: values.username ?? 'admin', password: values.password ?? 'admin', privilege: 15 }],
    day0: values.day0 === 'true',
    ...(values['state-file'] ? { stateFile: values['state-file'] } : {}),
  });
  return {
    sim: { port: sim.restconf.port, fingerprint256: sim.fingerprint256, close: () => sim.close() },
    ready: { ssh: { port: sim.ssh.port, fingerprint: sim.ssh.fingerprint } },
  };
});
