// One FRR instance (zebra, staticd, bgpd) per lab host. The host's mount namespace has
// the instance's dirs bind-mounted over /etc/frr and /var/run/frr, so a plain vtysh
// (including one started by sshd as a login shell) talks to this instance.
import { mkdirSync, writeFileSync, chmodSync, existsSync } from 'node:fs';
import { run, waitFor, readText } from './proc.js';
import type { Daemon, RunResult } from './proc.js';
import type { LabHost } from './netns.js';

export const FRR_DAEMONS = ['zebra', 'staticd', 'bgpd'] as const;

export interface FrrDirs { etc: string; run: string }

/** Creates the instance's config and runtime dirs (owned by frr) to be bind-mounted by the host. */
export async function prepareFrrDirs(base: string, hostname: string, config: string): Promise<FrrDirs> {
  const dirs = { etc: `${base}/frr-etc`, run: `${base}/frr-run` };
  mkdirSync(dirs.etc, { recursive: true });
  mkdirSync(dirs.run, { recursive: true });
  writeFileSync(`${dirs.etc}/vtysh.conf`, `service integrated-vtysh-config\nhostname ${hostname}\n`);
  writeFileSync(`${dirs.etc}/frr.conf`, `frr defaults traditional\nhostname ${hostname}\nlog stdout\nservice integrated-vtysh-config\n!\n${config}\n`);
  await run(['chown', '-R', 'frr:frr', dirs.etc, dirs.run]);
  // vtysh users (group frrvty) need to read vtysh.conf/frr.conf; `write memory` runs as frr
  await run(['chgrp', 'frrvty', dirs.etc, `${dirs.etc}/vtysh.conf`, `${dirs.etc}/frr.conf`]);
  chmodSync(dirs.etc, 0o775);
  chmodSync(`${dirs.etc}/vtysh.conf`, 0o640);
  chmodSync(`${dirs.etc}/frr.conf`, 0o660);
  chmodSync(dirs.run, 0o755);
  return dirs;
}

export class LabFrr {
  private daemons: Daemon[] = [];

  constructor(readonly host: LabHost, readonly dirs: FrrDirs) {}

  /** Starts the daemons in order, waits for their vty sockets, then loads frr.conf (as frrinit does). */
  async start(): Promise<void> {
    for (const name of FRR_DAEMONS) {
      // -P 0: no TCP vty listener; vtysh uses the unix sockets only
      const daemon = this.host.spawn(name, [`/usr/lib/frr/${name}`, '-P', '0', '-F', 'traditional']);
      this.daemons.push(daemon);
      await waitFor(`${name} on ${this.host.role}`, () => {
        if (!daemon.isRunning()) throw new Error(`${name} exited: ${readText(daemon.logPath).slice(-500)}`);
        return existsSync(`${this.dirs.run}/${name}.vty`);
      }, 10_000, 10);
    }
    await this.host.exec(['vtysh', '-b'], { timeoutMs: 15_000 });
  }

  /** Runs one or more vtysh commands (each a separate -c; config mode persists across them). */
  vtysh(...commands: string[]): Promise<RunResult> {
    return this.host.exec(['vtysh', ...commands.flatMap((c) => ['-c', c])], { allowFail: true, timeoutMs: 15_000 });
  }

  /** vtysh output as text; throws on a non-zero exit. */
  async show(command: string): Promise<string> {
    const res = await this.vtysh(command);
    if (res.code !== 0) throw new Error(`vtysh -c '${command}' on ${this.host.role}: ${res.stdout}${res.stderr}`);
    return res.stdout;
  }

  /** Polls until the BGP session to neighbor is Established (bounded). */
  async waitBgpEstablished(neighbor: string, timeoutMs = 20_000): Promise<void> {
    await waitFor(`BGP ${this.host.role} → ${neighbor} Established`, async () => {
      const out = await this.vtysh(`show bgp neighbors ${neighbor} json`);
      return out.stdout.includes('"bgpState":"Established"');
    }, timeoutMs, 100);
  }

  async stop(): Promise<void> {
    for (const daemon of [...this.daemons].reverse()) await daemon.stop(1_000);
    this.daemons = [];
  }
}
