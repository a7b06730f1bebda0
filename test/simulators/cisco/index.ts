// In-process fake Cisco IOS-XE router for workflow tests: the IOS CLI over an ssh2 server and the
// RESTCONF API over HTTPS on 127.0.0.1, both on one shared device state.
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

export interface CiscoSimulator {
  state: IosState;
  ssh: FakeSsh;
  restconf: FakeRestconf;
  /** the RESTCONF certificate's SHA-256 (pin it in the appliance context) */
  fingerprint256: string;
  close(): Promise<void>;
}

/**
 * Users live in the device state: `username X privilege 15 secret Y` on the CLI changes the
 * password the SSH server and RESTCONF accept from then on.
 */
export async function startCiscoSimulator(o: { users?: IosUser[]; privilege?: number } = {}): Promise<CiscoSimulator> {
  const state = new IosState(o.users ?? [{ username: 'admin', password: 'Adm1n-pw', privilege: 15 }]);
  const certs = new CertFactory();
  const cert = certs.selfSigned('DNS:router.test,IP:127.0.0.1');
  // the ssh fake reads user.password at each login: a live view over the state's users
  const users: FakeUser[] = [];
  const sync = (): void => {
    users.length = 0;
    for (const u of state.users) users.push({ username: u.username, get password() { return u.password; } } as FakeUser);
  };
  sync();
  const ssh = await startFakeSsh({ users, hostKey: parsableHostKey(), shell: (stream, fake) => { iosXeShell(state, () => o.privilege ?? 15)(stream, fake); } });
  const restconf = await startRestconf(state, cert);
  const origPush = state.users.push.bind(state.users);
  state.users.push = (...items: IosUser[]) => { const n = origPush(...items); sync(); return n; };
  return {
    state, ssh, restconf, fingerprint256: cert.fingerprint256,
    close: async () => { await Promise.all([ssh.close(), restconf.close()]); certs.cleanup(); },
  };
}
