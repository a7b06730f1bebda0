// In-process ssh2 Server fakes on 127.0.0.1: a jump host with direct-tcpip forwarding (or one
// that refuses / never answers forwards), and CLI devices (IOS-like, silent, crashing).
import { timingSafeEqual } from 'node:crypto';
import { connect as netConnect, type AddressInfo, type Socket } from 'node:net';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import { sshFingerprint } from '../../src/transport/host-key.js';

// ssh2 is CommonJS: Node's ESM loader sees only some of its names (not Server or utils), so the fakes
// also load when a simulator runs as its own process (node --import tsx), not only under vitest
const { Server, utils } = ssh2;

export interface FakeUser {
  username: string;
  password?: string;
  /** OpenSSH public key line of an authorised key */
  publicKey?: string;
  /** only keyboard-interactive (PAM-style "Password:" prompt) is accepted for the password */
  keyboardOnly?: boolean;
}

export type ShellHandler = (stream: ServerChannel, fake: FakeSsh) => void;

export interface FakeSshOptions {
  users: FakeUser[];
  /** listen address (default 127.0.0.1) and port (default: a free one) */
  host?: string;
  port?: number;
  hostKey?: string;
  forwarding?: 'allow' | 'refuse' | 'hang' | 'none';
  shell?: ShellHandler;
  /** exec handler; default: "true" exits 0, anything else echoes and exits 0 */
  exec?: (command: string, stream: ServerChannel) => void;
}

export interface FakeStats {
  connections: number;
  authFailures: number;
  sessions: number;
  execs: string[];
  forwards: number;
  shells: number;
  /** every line received by shells, in order */
  lines: string[];
}

export interface FakeSsh {
  port: number;
  fingerprint: string;
  stats: FakeStats;
  /** ends every client connection (sshd dying) */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * ssh2's generateKeyPairSync('ed25519') yields a key ssh2 itself cannot parse about 3 times in 1000
 * ("Malformed OpenSSH private key"): only keys that parse are handed out (bounded retries).
 */
function parsableKeyPair(): { private: string; public: string } {
  for (let i = 0; i < 50; i++) {
    const k = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(k.private) instanceof Error)) return k;
  }
  throw new Error('could not generate a parsable ed25519 key in 50 attempts');
}

export const newHostKey = (): string => parsableKeyPair().private;
export function newUserKey(): { privateKey: string; publicKey: string } {
  const k = parsableKeyPair();
  return { privateKey: k.private, publicKey: k.public };
}

const keyOf = (pem: string) => {
  const k = utils.parseKey(pem);
  if (k instanceof Error) throw k;
  return Array.isArray(k) ? k[0] : k;
};

export async function startFakeSsh(o: FakeSshOptions): Promise<FakeSsh> {
  const hostKey = o.hostKey ?? newHostKey();
  const stats: FakeStats = { connections: 0, authFailures: 0, sessions: 0, execs: [], forwards: 0, shells: 0, lines: [] };
  const conns = new Set<Connection>();
  const sockets = new Set<Socket>();
  const fake = {} as FakeSsh;
  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    stats.connections++;
    conns.add(client);
    client.on('close', () => conns.delete(client));
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      const user = o.users.find((u) => u.username === ctx.username);
      const deny = (): void => { stats.authFailures++; ctx.reject(); };
      if (!user) return ctx.method === 'none' ? ctx.reject() : deny();
      if (ctx.method === 'password' && user.password !== undefined && !user.keyboardOnly) {
        return ctx.password === user.password ? ctx.accept() : deny();
      }
      if (ctx.method === 'keyboard-interactive' && user.password !== undefined) {
        return ctx.prompt([{ prompt: 'Password: ', echo: false }], (answers) => (answers[0] === user.password ? ctx.accept() : deny()));
      }
      if (ctx.method === 'publickey' && user.publicKey) {
        const allowed = keyOf(user.publicKey);
        const pub = allowed.getPublicSSH();
        if (ctx.key.algo !== allowed.type || ctx.key.data.length !== pub.length || !timingSafeEqual(ctx.key.data, pub)) return deny();
        if (!ctx.signature || !ctx.blob) return ctx.accept(); // key query
        return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : deny();
      }
      return ctx.method === 'none' ? ctx.reject() : deny();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        stats.sessions++;
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (ok) => {
          stats.shells++;
          const stream = ok();
          if (o.shell) o.shell(stream, fake);
          else stream.end();
        });
        session.on('exec', (ok, _reject, info) => {
          stats.execs.push(info.command);
          const stream = ok();
          if (o.exec) return o.exec(info.command, stream);
          if (info.command !== 'true') stream.write(`${info.command}\n`);
          stream.exit(0);
          stream.end();
        });
      });
      client.on('tcpip', (accept, reject, info) => {
        stats.forwards++;
        const mode = o.forwarding ?? 'none';
        if (mode === 'hang') return; // never answers: the client must time out on its own
        if (mode !== 'allow') return reject();
        const sock = netConnect(info.destPort, info.destIP);
        sock.setNoDelay(true);
        sockets.add(sock);
        sock.once('close', () => sockets.delete(sock));
        sock.once('error', () => reject());
        sock.once('connect', () => {
          const ch = accept();
          ch.on('error', () => sock.destroy());
          sock.pipe(ch).pipe(sock);
        });
      });
    });
  });
  // raw sockets too, so close() never waits on a half-open or mid-handshake peer
  const raw = new Set<Socket>();
  (server as unknown as { _srv: { on(ev: 'connection', fn: (s: Socket) => void): void } })._srv.on('connection', (s) => {
    raw.add(s);
    s.setNoDelay(true); // like sshd once a session starts
    s.once('close', () => raw.delete(s));
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve); });
  fake.port = (server.address() as AddressInfo).port;
  fake.fingerprint = sshFingerprint(keyOf(hostKey).getPublicSSH());
  fake.stats = stats;
  fake.dropAll = () => {
    for (const c of conns) c.end();
    for (const s of sockets) s.destroy();
    for (const s of raw) s.destroy();
  };
  fake.close = () => new Promise<void>((r) => {
    fake.dropAll();
    server.close(() => r());
  });
  return fake;
}

/** Line-oriented shell plumbing: echo, CR handling, one callback per entered line. */
export function lineShell(stream: ServerChannel, fake: FakeSsh, onLine: (line: string) => void, echo = true): void {
  let pending = '';
  stream.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    let i: number;
    while ((i = pending.search(/[\r\n]/)) >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1).replace(/^\n/, '');
      fake.stats.lines.push(line);
      if (echo) stream.write(`${line}\r\n`);
      onLine(line);
    }
  });
  stream.on('error', () => undefined);
}
