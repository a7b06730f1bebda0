// The OpenSSH client against the lab (smoke tests, benchmark baselines), using the lab's
// generated ssh_config: aliases jump1, jump2, appliance (vtysh user), appliance-root.
import { writeFileSync, chmodSync } from 'node:fs';
import { run } from './proc.js';
import type { RunResult } from './proc.js';
import type { LabInfo } from './lab.js';

export interface SshRunOptions {
  input?: string;
  timeoutMs?: number;
  /** authenticate with this password (via SSH_ASKPASS) instead of the key */
  password?: string;
  extraArgs?: readonly string[];
}

/** `ssh -F <lab config> [args] alias command`; never throws on a non-zero exit. */
export function sshRun(info: LabInfo, alias: string, command: string, opts: SshRunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const args = ['ssh', '-F', info.sshConfigPath, ...(opts.extraArgs ?? [])];
  if (opts.password !== undefined) {
    const askpass = `${info.dir}/askpass-${process.pid}.sh`;
    writeFileSync(askpass, "#!/bin/sh\nprintf '%s\\n' \"$VNF_LAB_PASSWORD\"\n");
    chmodSync(askpass, 0o700);
    Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', VNF_LAB_PASSWORD: opts.password, DISPLAY: ':0' });
    // the final hop only: jump hops keep their keys from the config
    args.push('-o', 'BatchMode=no', '-o', 'PubkeyAuthentication=no', '-o', 'PreferredAuthentications=password',
      '-o', 'NumberOfPasswordPrompts=1');
  }
  return run([...args, alias, command], { input: opts.input, timeoutMs: opts.timeoutMs ?? 20_000, allowFail: true, env });
}
