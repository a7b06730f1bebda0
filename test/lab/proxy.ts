// HTTP CONNECT proxy on the first jump host: real tinyproxy, CONNECT only to the
// appliance's HTTPS port, only from the broker's subnet.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { waitFor, readText } from './proc.js';
import type { Daemon } from './proc.js';
import type { LabHost } from './netns.js';

export interface ProxyOptions {
  listen: string;
  port: number;
  allowFrom: string;
  /** the only host CONNECT may reach */
  target: string;
  targetPort: number;
}

export class LabProxy {
  private daemon: Daemon | undefined;
  readonly configPath: string;
  readonly logPath: string;

  constructor(readonly host: LabHost, readonly opts: ProxyOptions) {
    this.configPath = `${host.dir}/tinyproxy.conf`;
    this.logPath = `${host.dir}/${host.role}-tinyproxy.log`;
    const filterPath = `${host.dir}/tinyproxy.filter`;
    writeFileSync(filterPath, `^${opts.target.replace(/\./g, '\\.')}$\n`);
    writeFileSync(this.configPath, [
      'User nobody',
      'Group nogroup',
      `Port ${opts.port}`,
      `Listen ${opts.listen}`,
      'Timeout 60',
      'MaxClients 100',
      `Allow ${opts.allowFrom}`,
      `ConnectPort ${opts.targetPort}`,
      `Filter "${filterPath}"`,
      'FilterType ere',
      'FilterDefaultDeny Yes',
      'DisableViaHeader Yes',
      'LogLevel Info',
    ].join('\n') + '\n');
  }

  get url(): string {
    return `http://${this.opts.listen}:${this.opts.port}`;
  }

  /** Starts tinyproxy in the foreground; ready when it accepts TCP (probed from this, the broker, namespace). */
  async start(): Promise<void> {
    const daemon = this.host.spawn('tinyproxy', ['tinyproxy', '-d', '-c', this.configPath]);
    this.daemon = daemon;
    await waitFor('tinyproxy', async () => {
      if (!daemon.isRunning()) throw new Error(`tinyproxy exited: ${readText(daemon.logPath).slice(-500)}`);
      return tcpProbe(this.opts.listen, this.opts.port, 500);
    }, 10_000, 20);
  }

  async stop(): Promise<void> {
    await this.daemon?.stop(1_000);
  }
}

/** TCP connect from the current namespace; true if it completes within timeoutMs. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean): void => { clearTimeout(timer); socket.destroy(); resolve(ok); };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
