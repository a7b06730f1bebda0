// Fake Cisco IOS-XE router: the IOS CLI over an ssh2 server (real IOS is not OpenSSH) and the
// RESTCONF API over HTTPS (self-signed certificate made at start), both on one shared device state.
// In-process for workflow tests (127.0.0.1, free ports), or as a process in the lab (main.ts).
import { renameSync, writeFileSync } from 'node:fs';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { startFakeSsh, type FakeSsh, type FakeUser } from '../../helpers/ssh-fakes.js';
import { iosXeShell } from './cli.js';
import { parsableHostKey } from './keys.js';
import { startRestconf, type FakeRestconf } from './restconf.js';
import { IosState, type IosUser } from './state.js';

export { IosState, type IosUser } from './state.js';
export { iosXeShell } from './cli.js';
export { startRestconf, type FakeRestconf } from './restconf.js';
export { parsableHostKey, parsableUserKey } from './keys.js';

export interface CiscoOptions {
  users?: IosUser[];
  privilege?: number;
  /** listen address of both servers (default 127.0.0.1) */
  host?: string;
  restconfPort?: number;
  sshPort?: number;
  /** a day-0 box: no `ip http secure-server`, no `restconf` (bootstrap turns them on) */
  day0?: boolean;
  /** JSON {running, startup, users} written after every change (lab tests read it) */
  stateFile?: string;
}

export interface CiscoSimulator {
  state: IosState;
  ssh: FakeSsh;
  restconf: FakeRestconf;
  /** the RESTCONF certificate's SHA-256 (pin it in the appliance context) */
  fingerprint256: string;
  close(): Promise<void>;
}

function writeState(state: IosState, file: string): void {
  const snapshot = { running: state.runningConfig(), startup: state.startup, users: state.users.map((u) => u.username) };
  writeFileSync(`${file}.tmp`, JSON.stringify(snapshot, null, 1));
  renameSync(`${file}.tmp`, file);
}

/**
 * Users live in the device state: `username X privilege 15 secret Y` on the CLI changes the
 * password the SSH server and RESTCONF accept from then on.
 */
export async function startCiscoSimulator(o: CiscoOptions = {}): Promise<CiscoSimulator> {
  const host = o.host ?? '127.0.0.1';
  const state = new IosState(o.users ?? [{ username: 'admin', password: 'Adm1n-pw', privilege: 15 }]);
  if (o.day0) {
    state.httpSecureServer = false;
    state.restconf = false;
    state.save();
  }
  if (o.stateFile) {
    const file = o.stateFile;
    state.onChange = () => writeState(state, file);
    writeState(state, file);
  }
  const certs = new CertFactory();
  const cert = certs.selfSigned(`DNS:router.test,IP:${host}`);
  // the ssh fake reads user.password at each login: a live view over the state's users
  const users: FakeUser[] = [];
  const sync = (): void => {
    users.length = 0;
    for (const u of state.users) users.push({ username: u.username, get password() { return u.password; } } as FakeUser);
  };
  sync();
  const ssh = await startFakeSsh({ users, host, ...(o.sshPort !== undefined ? { port: o.sshPort } : {}), hostKey: parsableHostKey(),
    shell: (stream, fake) => { iosXeShell(state, () => o.privilege ?? 15)(stream, fake); } });
  const restconf = await startRestconf(state, cert, { host, ...(o.restconfPort !== undefined ? { port: o.restconfPort } : {}) });
  const origPush = state.users.push.bind(state.users);
  state.users.push = (...items: IosUser[]) => { const n = origPush(...items); sync(); return n; };
  return {
    state, ssh, restconf, fingerprint256: cert.fingerprint256,
    close: async () => { await Promise.all([ssh.close(), restconf.close()]); certs.cleanup(); },
  };
}
