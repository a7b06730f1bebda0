// A running lab: what a test needs to reach it (addresses, users, keys, pins) and the tools
// to poke at it (exec, vtysh, nft, connect probes, blackholes, sshd kill/logs), plus stop().
import { rmSync, writeFileSync } from 'node:fs';
import type { LabHost} from './netns.js';
import { deleteNetns } from './netns.js';
import { tcpProbe } from './proxy.js';
import type { LabProxy } from './proxy.js';
import type { LabSshd } from './sshd.js';
import type { LabFrr } from './frr.js';
import type { LabHttps, HttpsInfo } from './https-server.js';
import type { SshKey, TlsCert } from './keys.js';
import { waitFor } from './proc.js';
import type { Daemon, RunOptions, RunResult } from './proc.js';
import { ensureUser, setPassword } from './users.js';

export type HostRole = 'broker' | 'jump1' | 'jump2' | 'appliance' | 'peer' | 'client';

export interface SshHop {
  host: string;
  port: number;
  username: string;
  /** the client key the lab authorised for this user */
  key: SshKey;
  /** the sshd's host key fingerprint, SHA256:... */
  hostKeyFingerprint: string;
  /** the sshd's public host key line, for a known_hosts file */
  hostKeyLine: string;
}

export interface LabUser { username: string; password?: string; key: SshKey }

export interface LabInfo {
  runId: string;
  dir: string;
  brokerNs: string;
  /** jump hops in order from the broker */
  jumps: SshHop[];
  appliance: {
    ns: string;
    host: string;
    port: number;
    hostname: string;
    hostKeyFingerprint: string;
    hostKeyLine: string;
    /** vtysh login shell, password + key auth */
    admin: LabUser;
    /** bash + nft (root, key only) */
    root: LabUser;
  };
  https?: HttpsInfo & { host: string; url: string; cert: TlsCert };
  proxy?: { url: string; host: string; port: number };
  bgpPeer?: { ns: string; address: string; asn: number; applianceAddress: string; applianceAsn: number };
  client?: { ns: string; address: string; applianceAddress: string };
  /** OpenSSH client config with aliases jump1, jump2, appliance, appliance-root (ProxyJump chain) */
  sshConfigPath: string;
  knownHostsPath: string;
}

export interface LabParts {
  hosts: Map<HostRole, LabHost>;
  sshds: Map<HostRole, LabSshd>;
  frr: Map<HostRole, LabFrr>;
  https?: LabHttps;
  proxy?: LabProxy;
  namespaces: string[];
}

export class Lab {
  private readonly extra: Daemon[] = [];
  private blockCounter = 0;
  private stopped = false;

  constructor(readonly info: LabInfo, private readonly parts: LabParts) {}

  host(role: HostRole): LabHost {
    const host = this.parts.hosts.get(role);
    if (!host) throw new Error(`lab has no ${role} host`);
    return host;
  }

  /** Runs argv inside a lab host's namespaces (appliance/peer: also their mount+UTS namespaces). */
  exec(role: HostRole, argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    return this.host(role).exec(argv, { allowFail: true, ...opts });
  }

  /** vtysh on the appliance's FRR (each command a -c; config mode persists across them). */
  vtysh(...commands: string[]): Promise<RunResult> {
    return this.frr('appliance').vtysh(...commands);
  }

  /** vtysh on the BGP peer's FRR. */
  peerVtysh(...commands: string[]): Promise<RunResult> {
    return this.frr('peer').vtysh(...commands);
  }

  frr(role: 'appliance' | 'peer'): LabFrr {
    const frr = this.parts.frr.get(role);
    if (!frr) throw new Error(`lab has no FRR on ${role}`);
    return frr;
  }

  /** nft on a host (default the appliance): an argv, or a script fed to `nft -f -`. */
  nft(args: readonly string[] | string, role: HostRole = 'appliance'): Promise<RunResult> {
    if (typeof args === 'string') return this.exec(role, ['nft', '-f', '-'], { input: args });
    return this.exec(role, ['nft', ...args]);
  }

  /** TCP connect from a host to host:port; true if it completes within timeoutMs. */
  async tcpConnect(from: HostRole, host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
    if (from === 'broker') return tcpProbe(host, port, timeoutMs);
    const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    const res = await this.exec(from, ['nc', '-z', '-n', '-w', secs, host, String(port)], { timeoutMs });
    return res.code === 0;
  }

  /** Blackholes address on a host (nft drop both ways, so connects time out); returns the undo. */
  async block(role: HostRole, address: string): Promise<() => Promise<void>> {
    const table = `vnflab_block_${++this.blockCounter}`;
    const res = await this.nft(`table inet ${table} {
  chain out { type filter hook output priority -10; ip daddr ${address} drop; }
  chain in { type filter hook input priority -10; ip saddr ${address} drop; }
}
`, role);
    if (res.code !== 0) throw new Error(`block ${address} on ${role}: ${res.stderr}`);
    return async () => { await this.nft(['delete', 'table', 'inet', table], role); };
  }

  sshd(role: HostRole): LabSshd {
    const sshd = this.parts.sshds.get(role);
    if (!sshd) throw new Error(`lab has no sshd on ${role}`);
    return sshd;
  }

  /** Kills a host's sshd and all its connections (the host "goes down"); startSshd brings it back. */
  killSshd(role: HostRole): Promise<void> {
    return this.sshd(role).kill();
  }

  startSshd(role: HostRole): Promise<void> {
    return this.sshd(role).start();
  }

  /** The sshd's VERBOSE log (count "Accepted publickey", "Starting session" ... lines). */
  sshdLog(role: HostRole): string {
    return this.sshd(role).log();
  }

  /** A plain TCP listener (netcat) on a host, for firewall tests; stopped with the lab. */
  async listen(role: HostRole, address: string, port: number): Promise<void> {
    const daemon = this.host(role).spawn(`nc-${port}`, ['nc', '-lk', '-n', address, String(port)]);
    this.extra.push(daemon);
    await waitFor(`listener ${address}:${port} on ${role}`, async () => {
      if (!daemon.isRunning()) throw new Error('nc exited');
      const res = await this.exec(role, ['ss', '-Hltn', `src ${address}:${port}`]);
      return res.stdout.includes(`${address}:${port}`);
    }, 5_000, 20);
  }

  /** Creates (or updates) an appliance login user: shell, password and/or authorised key. */
  async addApplianceUser(username: string, opts: { shell: string; groups?: string[]; password?: string; publicKey?: string }): Promise<void> {
    await ensureUser(username, { shell: opts.shell, groups: opts.groups });
    if (opts.password !== undefined) await setPassword(username, opts.password);
    if (opts.publicKey) this.sshd('appliance').authorize(username, opts.publicKey);
  }

  /** Stops every process by PID and deletes every namespace the lab made. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const errors: unknown[] = [];
    const attempt = async (fn: () => Promise<void>): Promise<void> => { try { await fn(); } catch (e) { errors.push(e); } };
    for (const daemon of this.extra) await attempt(() => daemon.stop(500));
    await attempt(async () => { await this.parts.proxy?.stop(); });
    await attempt(async () => { await this.parts.https?.stop(); });
    await Promise.all([...this.parts.sshds.values()].map((s) => attempt(() => s.kill())));
    await Promise.all([...this.parts.frr.values()].map((f) => attempt(() => f.stop())));
    for (const host of this.parts.hosts.values()) await attempt(() => host.stop());
    // deleting a namespace also removes its veth ends; leftovers are killed by PID first
    for (const ns of this.parts.namespaces) await attempt(() => deleteNetns(ns));
    if (!process.env.VNF_LAB_KEEP_DIR) rmSync(this.info.dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, 'lab: errors while stopping');
  }

  /** Writes a file into the lab's temp dir (e.g. an appliance context for the CLI). */
  writeFile(name: string, content: string): string {
    const path = `${this.info.dir}/${name}`;
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }
}
