// System users for the lab's sshd instances. They are host-wide (sshd looks users up in
// /etc/passwd), created idempotently with fixed names and no home directory.
import { run } from './proc.js';

/** Fixed lab user names (see README, Development → lab). */
export const LAB_USERS = {
  /** jump-host user: key auth, nologin shell, TCP forwarding only */
  jump: 'vnfjump',
  /** appliance CLI user: login shell /usr/bin/vtysh, password and key auth */
  admin: 'vnfadmin',
  /** appliance shell user for exec + nft: root, key auth only (PermitRootLogin prohibit-password) */
  root: 'root',
} as const;

export interface UserSpec {
  shell: string;
  /** supplementary groups, e.g. frrvty so vtysh may reach the FRR sockets */
  groups?: readonly string[];
}

export async function ensureUser(name: string, spec: UserSpec): Promise<void> {
  const exists = (await run(['getent', 'passwd', name], { allowFail: true })).code === 0;
  const groups = spec.groups?.length ? ['-G', spec.groups.join(',')] : [];
  if (!exists) {
    // useradd may race with another lab creating the same user: re-check on failure
    const res = await run(['useradd', '--system', '--no-create-home', '--home-dir', '/',
      '--shell', spec.shell, ...groups, name], { allowFail: true });
    if (res.code !== 0 && (await run(['getent', 'passwd', name], { allowFail: true })).code !== 0) {
      throw new Error(`useradd ${name}: ${res.stderr}`);
    }
  }
  await run(['usermod', '--home', '/', '--shell', spec.shell, ...(groups.length ? ['-a', ...groups] : []), name]);
  // useradd leaves the password field '!' (locked); sshd without PAM then refuses even keys.
  // '*' means "no password can match" but the account stays usable with keys.
  const shadow = (await run(['getent', 'shadow', name])).stdout.split(':')[1] ?? '';
  if (shadow.startsWith('!')) await run(['usermod', '-p', '*', name]);
}

/** Sets (or resets) a user's password; sshd with UsePAM no checks it against /etc/shadow. */
export async function setPassword(name: string, password: string): Promise<void> {
  if (/[\n:]/.test(password)) throw new Error('password must not contain a newline or colon');
  await run(['chpasswd'], { input: `${name}:${password}\n` });
  // an unlocked account with an expired password would prompt for a change: make it valid now
  await run(['chage', '-d', new Date().toISOString().slice(0, 10), '-M', '99999', name]);
}
