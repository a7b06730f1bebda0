// Real OpenSSH sshd per lab host: own config, host key, authorized_keys and VERBOSE log,
// so tests can count connections and sessions from the server's side.
import { mkdirSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { generateSshKey } from './keys.js';
import type { SshKey } from './keys.js';
import { waitFor, readText, descendants, killPids, isAlive } from './proc.js';
import type { Daemon } from './proc.js';
import type { LabHost } from './netns.js';

export interface SshdOptions {
  listen: string;
  port?: number;
  allowUsers: readonly string[];
  /** `local` for a bastion (forwarding only), `no` for an appliance */
  allowTcpForwarding: 'local' | 'no';
  /** PermitOpen targets (host:port); only meaningful with forwarding */
  permitOpen?: readonly string[];
  passwordAuthentication: boolean;
  permitRootLogin: 'no' | 'prohibit-password';
}

export class LabSshd {
  readonly port: number;
  readonly logPath: string;
  readonly configPath: string;
  readonly authorizedKeysDir: string;
  private daemon: Daemon | undefined;

  private constructor(readonly host: LabHost, readonly dir: string, readonly hostKey: SshKey, private readonly opts: SshdOptions) {
    this.port = opts.port ?? 22;
    this.logPath = `${dir}/sshd.log`;
    this.configPath = `${dir}/sshd_config`;
    this.authorizedKeysDir = `${dir}/authorized_keys`;
  }

  static async create(host: LabHost, opts: SshdOptions): Promise<LabSshd> {
    const dir = `${host.dir}/${host.role}-sshd`;
    mkdirSync(`${dir}/authorized_keys`, { recursive: true });
    // the privilege-separation directory sshd insists on (absent on hosts without the ssh service)
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const hostKey = await generateSshKey(`${dir}/ssh_host_ed25519_key`, `${host.role}-host`);
    const sshd = new LabSshd(host, dir, hostKey, opts);
    sshd.writeConfig();
    return sshd;
  }

  private writeConfig(): void {
    const o = this.opts;
    const lines = [
      `ListenAddress ${o.listen}:${this.port}`,
      `HostKey ${this.hostKey.privateKeyPath}`,
      `PidFile ${this.dir}/sshd.pid`,
      'UsePAM no',
      // keys live in the lab's temp dir, whose parents (/tmp) are world-writable
      'StrictModes no',
      `AuthorizedKeysFile ${this.authorizedKeysDir}/%u`,
      'PubkeyAuthentication yes',
      `PasswordAuthentication ${o.passwordAuthentication ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      `PermitRootLogin ${o.permitRootLogin}`,
      `AllowUsers ${o.allowUsers.join(' ')}`,
      `AllowTcpForwarding ${o.allowTcpForwarding}`,
      ...(o.permitOpen?.length ? [`PermitOpen ${o.permitOpen.join(' ')}`] : []),
      'AllowAgentForwarding no',
      'X11Forwarding no',
      'PermitTunnel no',
      'GatewayPorts no',
      'UseDNS no',
      'PrintMotd no',
      'PrintLastLog no',
      'MaxStartups 100:30:200',
      'MaxSessions 10',
      'LogLevel VERBOSE',
      'Subsystem sftp internal-sftp',
    ];
    writeFileSync(this.configPath, lines.join('\n') + '\n', { mode: 0o600 });
  }

  authorize(user: string, publicKey: string): void {
    appendFileSync(`${this.authorizedKeysDir}/${user}`, publicKey.trim() + '\n', { mode: 0o644 });
  }

  get pid(): number | undefined {
    return this.daemon?.isRunning() ? this.daemon.pid : undefined;
  }

  /** Starts sshd in the foreground; ready when its log says it listens. */
  async start(): Promise<void> {
    if (this.daemon?.isRunning()) return;
    const before = this.listeningLines();
    const daemon = this.host.spawn('sshd', ['/usr/sbin/sshd', '-D', '-f', this.configPath, '-E', this.logPath]);
    this.daemon = daemon;
    await waitFor(`sshd on ${this.host.role}`, () => {
      if (!daemon.isRunning()) throw new Error(`sshd exited: ${readText(daemon.logPath)}${this.log().slice(-500)}`);
      return this.listeningLines() > before;
    }, 10_000, 10);
  }

  private listeningLines(): number {
    return this.log().split('\n').filter((l) => l.includes('Server listening on')).length;
  }

  /** Stops the listener and every connection it forked (a host going down). */
  async kill(): Promise<void> {
    const daemon = this.daemon;
    if (!daemon?.isRunning()) return;
    const children = descendants(daemon.pid);
    killPids(children);
    await daemon.stop(1_000);
    await waitFor('sshd sessions to exit', () => children.every((p) => !isAlive(p)), 3_000).catch(() => undefined);
  }

  log(): string {
    return existsSync(this.logPath) ? readText(this.logPath) : '';
  }

  /** Count of log lines matching pattern (e.g. /Accepted publickey for vnfjump/). */
  count(pattern: RegExp): number {
    return this.log().split('\n').filter((line) => pattern.test(line)).length;
  }

  /** Successful authentications, optionally for one user. */
  acceptedLogins(user?: string): number {
    return this.count(new RegExp(`Accepted \\S+ for ${user ?? '\\S+'} from`));
  }

  /** Session channels started (exec/shell/subsystem), optionally for one user. */
  sessions(user?: string): number {
    return this.count(new RegExp(`Starting session: \\S+ .*for ${user ?? '\\S+'} from`));
  }
}
