// Lab runner: checks prerequisites, creates the broker network namespace and runs the lab
// suites (or a script) inside it, then deletes every namespace of this run, whatever happens.
//   tsx test/lab/run.ts [vitest args...]        lab suites (vitest.lab.config.ts)
//   tsx test/lab/run.ts --script FILE [args]    any tsx script (capture, benchmarks)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { LAB_NS_PREFIX } from './netns.js';

const REQUIRED_BINS: Array<[string, string[]]> = [
  ['ip', ['/usr/sbin/ip', '/usr/bin/ip', '/sbin/ip']],
  ['sshd', ['/usr/sbin/sshd']],
  ['ssh', ['/usr/bin/ssh']],
  ['ssh-keygen', ['/usr/bin/ssh-keygen']],
  ['vtysh', ['/usr/bin/vtysh']],
  ['zebra', ['/usr/lib/frr/zebra']],
  ['staticd', ['/usr/lib/frr/staticd']],
  ['bgpd', ['/usr/lib/frr/bgpd']],
  ['nft', ['/usr/sbin/nft']],
  ['tinyproxy', ['/usr/bin/tinyproxy', '/usr/sbin/tinyproxy']],
  ['nginx', ['/usr/sbin/nginx']],
  ['unshare', ['/usr/bin/unshare']],
  ['nsenter', ['/usr/bin/nsenter']],
  ['openssl', ['/usr/bin/openssl']],
  ['nc', ['/usr/bin/nc', '/bin/nc']],
  ['curl', ['/usr/bin/curl']],
  ['useradd', ['/usr/sbin/useradd']],
];

function missingPrerequisite(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root)';
  for (const [name, paths] of REQUIRED_BINS) {
    if (!paths.some((p) => existsSync(p))) return `${name} not installed`;
  }
  if (spawnSync('getent', ['group', 'frrvty']).status !== 0) return 'group frrvty missing (FRR not installed?)';
  const probe = `${LAB_NS_PREFIX}${process.pid}-probe`;
  if (spawnSync('ip', ['netns', 'add', probe]).status !== 0) return 'cannot create network namespaces';
  spawnSync('ip', ['netns', 'del', probe]);
  return undefined;
}

function ip(...args: string[]): string {
  const res = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return res.stdout ?? '';
}

function isAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Kills every process in the namespace by PID, then deletes it. */
function removeNamespace(name: string): void {
  for (const pid of ip('netns', 'pids', name).split(/\s+/).filter(Boolean).map(Number)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  spawnSync('ip', ['netns', 'del', name], { timeout: 10_000 });
}

/** Lab namespaces of this run, or of runs whose runner no longer exists (crashed earlier). */
function labNamespaces(filter: (runnerPid: number) => boolean): string[] {
  return ip('netns', 'list').split('\n').map((l) => l.split(' ')[0] ?? '')
    .filter((name) => {
      const m = new RegExp(`^${LAB_NS_PREFIX}(\\d+)-`).exec(name);
      return m !== null && filter(Number(m[1]));
    });
}

function cleanup(): void {
  // lab namespaces (deleted first: their veth peers live in the broker namespace)
  const mine = labNamespaces((pid) => pid === process.pid);
  for (const name of mine.filter((n) => n !== brokerNs)) removeNamespace(name);
  removeNamespace(brokerNs);
}

const brokerNs = `${LAB_NS_PREFIX}${process.pid}-broker`;

function main(): void {
  const reason = missingPrerequisite();
  if (reason) {
    console.log(`lab: skipped: ${reason}`);
    process.exit(process.env.REQUIRE_LAB === '1' ? 1 : 0);
  }
  for (const stale of labNamespaces((pid) => !isAlive(pid))) {
    console.log(`lab: removing stale namespace ${stale}`);
    removeNamespace(stale);
  }
  const args = process.argv.slice(2);
  const command = args[0] === '--script'
    ? ['npx', 'tsx', ...args.slice(1)]
    : ['npx', 'vitest', 'run', '--config', 'vitest.lab.config.ts', ...args];
  if (spawnSync('ip', ['netns', 'add', brokerNs]).status !== 0) {
    console.error(`lab: cannot create ${brokerNs}`);
    process.exit(1);
  }
  ip('-n', brokerNs, 'link', 'set', 'lo', 'up');
  const started = Date.now();
  const child = spawn('ip', ['netns', 'exec', brokerNs, ...command], {
    stdio: 'inherit',
    env: { ...process.env, VNF_LAB_BROKER_NS: brokerNs, VNF_LAB_RUN_ID: String(process.pid) },
  });
  let signalled = false;
  const forward = (signal: NodeJS.Signals): void => {
    signalled = true;
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    cleanup();
    const left = labNamespaces((pid) => pid === process.pid);
    if (left.length) console.error(`lab: namespaces left behind: ${left.join(' ')}`);
    console.log(`lab: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    process.exit(code ?? (signalled || signal ? 130 : 1));
  });
}

main();
