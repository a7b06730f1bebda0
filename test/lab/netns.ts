// Network namespaces and the "hosts" living in them. A host is a netns, optionally with its
// own mount+UTS namespace held open by a bounded `sleep` (so /etc/frr can be bind-mounted).
import { statSync } from 'node:fs';
import { run, startDaemon, waitFor, readText, killPids, isAlive } from './proc.js';
import type { Daemon, RunOptions, RunResult } from './proc.js';

export const LAB_NS_PREFIX = 'vnflab-';

/** Every lab process and namespace name carries the runner id so stale ones can be found. */
export function labRunId(): string {
  return process.env.VNF_LAB_RUN_ID ?? String(process.pid);
}

/** True when this process runs inside the named network namespace. */
export function inNetns(name: string): boolean {
  try {
    const self = statSync('/proc/self/ns/net');
    const named = statSync(`/run/netns/${name}`);
    return self.ino === named.ino && self.dev === named.dev;
  } catch {
    return false;
  }
}

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  // isolation is real only without forwarding (new namespaces default to 0; make it explicit)
  await run(['ip', 'netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.ip_forward=0']);
}

export async function netnsPids(name: string): Promise<number[]> {
  const res = await run(['ip', 'netns', 'pids', name], { allowFail: true });
  return res.stdout.split(/\s+/).filter(Boolean).map(Number).filter((p) => p !== process.pid);
}

/** Kills every process left in the namespace (by PID), then deletes it. */
export async function deleteNetns(name: string): Promise<void> {
  const listed = await run(['ip', 'netns', 'list'], { allowFail: true });
  if (!listed.stdout.split('\n').some((l) => l.split(' ')[0] === name)) return;
  const pids = await netnsPids(name);
  killPids(pids);
  await waitFor(`processes of ${name} to exit`, () => pids.every((p) => !isAlive(p)), 5_000).catch(() => undefined);
  await run(['ip', 'netns', 'del', name], { allowFail: true });
}

export interface VethEnd {
  ns: string;
  ifname: string;
  /** address/prefix, e.g. 198.51.100.3/28 */
  cidr: string;
}

/** Creates a veth pair from the current namespace with both ends placed in their namespaces. */
export async function addVeth(a: VethEnd, b: VethEnd): Promise<void> {
  await run(['ip', 'link', 'add', 'name', a.ifname, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.ifname, 'netns', b.ns]);
  for (const end of [a, b]) {
    await run(['ip', '-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.ifname]);
    await run(['ip', '-n', end.ns, 'link', 'set', end.ifname, 'up']);
  }
}

/** A machine of the lab: commands run in its network (and, if held, mount+UTS) namespaces. */
export class LabHost {
  private holder: Daemon | undefined;

  constructor(readonly role: string, readonly ns: string, readonly dir: string) {}

  /** Gives the host its own mount+UTS namespace with the given bind mounts and hostname. */
  async hold(hostname: string, binds: ReadonlyArray<readonly [string, string]>): Promise<void> {
    const mounts = binds.map(([src, dst]) => `mount --bind '${src}' '${dst}'`).join(' && ');
    const marker = `${this.dir}/${this.role}.held`;
    // the sleep bounds the holder's life even if the lab's owner dies without cleaning up
    const script = `${mounts} && hostname '${hostname}' && touch '${marker}' && exec sleep 7200`;
    this.holder = startDaemon(`${this.role}-holder`,
      ['ip', 'netns', 'exec', this.ns, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script],
      `${this.dir}/${this.role}-holder.log`);
    const holder = this.holder;
    await waitFor(`${this.role} mount namespace`, () => {
      if (!holder.isRunning()) throw new Error(readText(holder.logPath));
      return statSafe(marker);
    }, 5_000, 5);
  }

  /** argv prefix that enters this host's namespaces. */
  enter(): string[] {
    if (this.holder) return ['nsenter', '-t', String(this.holder.pid), '-m', '-u', '-n', '--'];
    return ['ip', 'netns', 'exec', this.ns];
  }

  exec(argv: readonly string[], opts?: RunOptions): Promise<RunResult> {
    return run([...this.enter(), ...argv], opts);
  }

  /** Starts a foreground daemon inside the host (nsenter/ip-netns-exec exec, so the PID is the daemon's). */
  spawn(name: string, argv: readonly string[]): Daemon {
    return startDaemon(`${this.role}-${name}`, [...this.enter(), ...argv], `${this.dir}/${this.role}-${name}.log`);
  }

  async stop(): Promise<void> {
    await this.holder?.stop(500);
  }
}

function statSafe(path: string): boolean {
  try { statSync(path); return true; } catch { return false; }
}
