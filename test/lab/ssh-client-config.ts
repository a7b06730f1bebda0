// OpenSSH client config for the lab (baselines and smoke tests): `ssh -F <cfg> appliance`
// goes through the jump chain with pinned host keys and the lab's client keys.
import { writeFileSync } from 'node:fs';
import type { LabInfo } from './lab.js';

export function writeSshClientConfig(info: LabInfo): void {
  const known = [
    ...info.jumps.map((j) => `${j.host} ${j.hostKeyLine}`),
    `${info.appliance.host} ${info.appliance.hostKeyLine}`,
  ];
  writeFileSync(info.knownHostsPath, known.join('\n') + '\n');
  const common = [
    '  BatchMode yes',
    '  StrictHostKeyChecking yes',
    `  UserKnownHostsFile ${info.knownHostsPath}`,
    '  GlobalKnownHostsFile /dev/null',
    '  IdentitiesOnly yes',
    '  ConnectTimeout 5',
    '  LogLevel ERROR',
  ];
  const blocks: string[] = [];
  info.jumps.forEach((jump, i) => {
    blocks.push(`Host jump${i + 1}`, `  HostName ${jump.host}`, `  Port ${jump.port}`, `  User ${jump.username}`,
      `  IdentityFile ${jump.key.privateKeyPath}`, ...(i > 0 ? [`  ProxyJump jump${i}`] : []), ...common, '');
  });
  const lastJump = `jump${info.jumps.length}`;
  for (const [alias, user] of [['appliance', info.appliance.admin], ['appliance-root', info.appliance.root]] as const) {
    blocks.push(`Host ${alias}`, `  HostName ${info.appliance.host}`, `  Port ${info.appliance.port}`, `  User ${user.username}`,
      `  IdentityFile ${user.key.privateKeyPath}`, `  ProxyJump ${lastJump}`, ...common, '');
  }
  writeFileSync(info.sshConfigPath, blocks.join('\n'), { mode: 0o600 });
}
