// Baselines for the transport benchmarks, all through the same lab jump host: a raw ssh2 held
// vtysh shell (jump primed or not), OpenSSH ControlMaster, cold `ssh -J`, and an `ssh -L` tunnel
// for curl / undici. Every process is started here and stopped by its own PID.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Client, type ClientChannel } from 'ssh2';
import { sshFingerprint } from '../../../src/transport/index.js';
import type { LabInfo } from '../../lab/lab.js';
import { run, waitFor, type RunResult } from '../../lab/proc.js';
import { tcpProbe } from '../../lab/proxy.js';

const PROMPT = /\nvnf-appliance(?:\([\w-]+\))?# $/;

function login(opts: { host: string; port: number; username: string; keyFile: string; pin: string; sock?: ClientChannel }): Promise<Client> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    const timer = setTimeout(() => { c.end(); reject(new Error(`ssh2 login to ${opts.host} timed out`)); }, 10_000);
    c.once('ready', () => { clearTimeout(timer); resolve(c); });
    c.once('error', (err) => { clearTimeout(timer); reject(err); });
    c.connect({
      host: opts.host, port: opts.port, username: opts.username, privateKey: readFileSync(opts.keyFile),
      hostVerifier: (key: Buffer) => sshFingerprint(key) === opts.pin, readyTimeout: 10_000,
      ...(opts.sock ? { sock: opts.sock } : {}),
    });
    if (!opts.sock) c.setNoDelay(true);
  });
}

/** A raw ssh2 vtysh shell through jump1, the way a hand-written client would hold it. */
export class RawShell {
  private buf = '';
  private waiter: (() => void) | undefined;

  private constructor(private readonly jump: Client, private readonly app: Client, private readonly ch: ClientChannel) {
    ch.setEncoding('utf8');
    ch.on('data', (d: string) => {
      this.buf += d;
      if (this.waiter && PROMPT.test(this.buf)) this.waiter();
    });
  }

  /** prime: open one session channel on the jump connection first (DESIGN §5, the jump-host stall). */
  static async open(info: LabInfo, prime: boolean): Promise<RawShell> {
    const j = info.jumps[0]!;
    const jump = await login({ host: j.host, port: j.port, username: j.username, keyFile: j.key.privateKeyPath, pin: j.hostKeyFingerprint });
    if (prime) {
      await new Promise<void>((resolve) => jump.exec('true', (err, ch) => {
        if (!err) { ch.on('error', () => undefined); ch.resume(); ch.stderr.resume(); ch.close(); }
        resolve();
      }));
    }
    const sock = await new Promise<ClientChannel>((resolve, reject) =>
      jump.forwardOut('127.0.0.1', 0, info.appliance.host, info.appliance.port, (err, ch) => (err ? reject(err) : resolve(ch))));
    const a = info.appliance;
    const app = await login({ host: a.host, port: a.port, username: a.admin.username, keyFile: a.admin.key.privateKeyPath, pin: a.hostKeyFingerprint, sock });
    const ch = await new Promise<ClientChannel>((resolve, reject) =>
      app.shell({ term: 'vt100', cols: 511, rows: 24 }, (err, s) => (err ? reject(err) : resolve(s))));
    const shell = new RawShell(jump, app, ch);
    await shell.waitPrompt();
    await shell.cmd('terminal length 0');
    return shell;
  }

  private waitPrompt(): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('raw shell: no prompt within 10 s')), 10_000);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        const out = this.buf;
        this.buf = '';
        resolve(out);
      };
      if (PROMPT.test(this.buf)) this.waiter();
    });
  }

  /** Sends one line and resolves with everything up to the next prompt. */
  cmd(line: string): Promise<string> {
    this.buf = '';
    const p = this.waitPrompt();
    this.ch.write(`${line}\n`);
    return p;
  }

  close(): void {
    this.ch.close();
    this.app.end();
    this.jump.end();
  }
}

/** A long-running ssh process of ours (ControlMaster, -L tunnel), stopped by its PID. */
class SshProcess {
  private readonly exited: Promise<void>;

  constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stderr?.resume();
    child.stdout?.resume();
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** OpenSSH ControlMaster to the appliance through the jump (ProxyJump); `ssh` per task rides on it. */
export class ControlMaster {
  private constructor(private readonly info: LabInfo, private readonly path: string, private readonly master: SshProcess) {}

  static async start(info: LabInfo): Promise<ControlMaster> {
    const path = `${info.dir}/cm-${process.pid}.sock`;
    const child = spawn('ssh', ['-F', info.sshConfigPath, '-M', '-S', path, '-o', 'ControlPersist=no', '-N', 'appliance'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const cm = new ControlMaster(info, path, new SshProcess(child));
    try {
      await waitFor('ControlMaster socket', async () => (await run(['ssh', '-F', info.sshConfigPath, '-S', path, '-O', 'check', 'appliance'], { allowFail: true, timeoutMs: 5_000 })).code === 0, 10_000, 50);
    } catch (err) {
      await cm.stop();
      throw err;
    }
    return cm;
  }

  /** One `ssh` process over the master: sshd runs `vtysh -c '<command>'` (multi-line keeps config mode). */
  async run(command: string): Promise<RunResult> {
    const res = await run(['ssh', '-F', this.info.sshConfigPath, '-S', this.path, 'appliance', command], { allowFail: true, timeoutMs: 20_000 });
    if (res.code !== 0) throw new Error(`ControlMaster ssh exited ${res.code}: ${res.stderr || res.stdout}`);
    return res;
  }

  async stop(): Promise<void> {
    await run(['ssh', '-F', this.info.sshConfigPath, '-S', this.path, '-O', 'exit', 'appliance'], { allowFail: true, timeoutMs: 5_000 });
    await this.master.stop();
  }
}

/** Cold OpenSSH: `ssh -F <lab config> appliance '<command>'` = ssh -J jump1 (new connections each time). */
export async function coldSsh(info: LabInfo, command: string): Promise<RunResult> {
  const res = await run(['ssh', '-F', info.sshConfigPath, 'appliance', command], { allowFail: true, timeoutMs: 20_000 });
  if (res.code !== 0) throw new Error(`ssh -J exited ${res.code}: ${res.stderr}`);
  return res;
}

/** `ssh -N -L 127.0.0.1:port:<appliance>:443 jump1`: the tunnel curl and undici use as baselines. */
export class SshTunnel {
  private constructor(readonly port: number, private readonly proc: SshProcess) {}

  static async start(info: LabInfo, port: number): Promise<SshTunnel> {
    const child = spawn('ssh', ['-F', info.sshConfigPath, '-N', '-o', 'ExitOnForwardFailure=yes',
      '-L', `127.0.0.1:${port}:${info.appliance.host}:443`, 'jump1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const tunnel = new SshTunnel(port, new SshProcess(child));
    try {
      await waitFor('ssh -L tunnel', () => tcpProbe('127.0.0.1', port, 200), 10_000, 50);
    } catch (err) {
      await tunnel.stop();
      throw err;
    }
    return tunnel;
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}
