// Appliance simulator for the scale benchmark, a separate process on 127.0.0.1 (so the broker's RSS
// is the broker's alone): one ssh2 server (public-key login, like test/helpers/ssh-fakes.ts, which
// tsx cannot load: ssh2's CJS named exports) whose shells behave like a small vtysh. Every appliance
// id of the benchmark connects to this one port.
//   node --import tsx test/bench/sim/cli-sim.ts '<authorised public key line>'
// Prints one JSON line {port, fingerprint} on stdout; exits on SIGTERM or when stdin closes.
import { timingSafeEqual } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import ssh2, { type ServerChannel } from 'ssh2';
import { sshFingerprint } from '../../../src/transport/host-key.js';

const PROMPT = 'sim-frr# ';
const SUMMARY = [
  'IPv4 Unicast Summary (VRF default):',
  'BGP router identifier 203.0.113.10, local AS number 65001 vrf-id 0',
  'BGP table version 12',
  'RIB entries 21, using 3864 bytes of memory',
  'Peers 1, using 724 KiB of memory',
  '',
  'Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnt Desc',
  '203.0.113.18    4      65002         0         0        0    0    0    never       Active        0 bench-peer',
  '',
  'Total number of neighbors 1',
].map((l) => `${l}\r\n`).join('');

const vtysh = (stream: ServerChannel): void => {
  let pending = '';
  stream.on('error', () => undefined);
  stream.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    let i: number;
    while ((i = pending.search(/[\r\n]/)) >= 0) {
      const line = pending.slice(0, i).trim();
      pending = pending.slice(i + 1).replace(/^\n/, '');
      stream.write(`${line}\r\n${line === 'show ip bgp summary' ? SUMMARY : ''}${PROMPT}`);
    }
  });
  stream.write(`\r\nHello, this is FRRouting (simulated).\r\n\r\n${PROMPT}`);
};

/** ssh2's generated ed25519 keys occasionally fail its own parser: keep only parsable ones. */
export function parsableKeyPair(): { private: string; public: string } {
  for (let i = 0; i < 50; i++) {
    const k = ssh2.utils.generateKeyPairSync('ed25519');
    if (!(ssh2.utils.parseKey(k.private) instanceof Error)) return k;
  }
  throw new Error('could not generate a parsable ed25519 key in 50 attempts');
}

function parsed(pem: string) {
  const k = ssh2.utils.parseKey(pem);
  if (k instanceof Error) throw k;
  return Array.isArray(k) ? k[0] : k;
}

async function main(publicKey: string): Promise<void> {
  const hostKey = parsableKeyPair().private;
  const allowed = parsed(publicKey);
  const allowedPub = allowed.getPublicSSH();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== 'vtysh') return ctx.reject(['publickey']);
      if (ctx.key.algo !== allowed.type || ctx.key.data.length !== allowedPub.length || !timingSafeEqual(ctx.key.data, allowedPub)) return ctx.reject();
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      return allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject();
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('pty', (ok) => ok?.());
        session.on('shell', (ok) => vtysh(ok()));
        session.on('exec', (ok) => { const s = ok(); s.exit(0); s.end(); });
      });
    });
  });
  (server as unknown as { _srv: { on(ev: 'connection', fn: (s: Socket) => void): void } })._srv.on('connection', (s) => s.setNoDelay(true));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', 1024, r));
  const port = (server.address() as AddressInfo).port;
  process.stdout.write(`${JSON.stringify({ port, fingerprint: sshFingerprint(parsed(hostKey).getPublicSSH()) })}\n`);
  const stop = (): void => { server.close(); process.exit(0); };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
}

// run as a program only (scale.ts imports parsableKeyPair from here)
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const publicKey = process.argv[2];
  if (!publicKey) throw new Error('usage: cli-sim.ts <public key line>');
  await main(publicKey);
}
