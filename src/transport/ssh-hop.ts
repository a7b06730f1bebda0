// Logging in to one SSH hop with ssh2 (own credentials, timeouts, keepalive, host-key check) and
// opening a forward on it with our own timeout: ssh2's forwardOut has none and can hang ~45 s.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Client, type Algorithms, type ClientChannel, type ConnectConfig } from 'ssh2';
import { VnfError } from '../errors.js';
import { HostKeyCheck, type HostKeyCheckOptions } from './host-key.js';
import { describeHop, translateChannelError, translateSshError, type HopRef } from './translate-error.js';
import type { SshEndpoint, TransportTimeouts } from './types.js';

export const endpointLabel = (ep: Pick<SshEndpoint, 'username' | 'host' | 'port'>): string =>
  `${ep.username}@${ep.host.includes(':') ? `[${ep.host}]` : ep.host}:${ep.port}`;

/**
 * Pool key of a login: the endpoint plus a digest of its credentials, so a login made with old
 * credentials (e.g. a bootstrap password since changed) is never reused for new ones.
 */
export function loginKey(ep: Pick<SshEndpoint, 'username' | 'host' | 'port' | 'password' | 'privateKey' | 'passphrase'>): string {
  const digest = createHash('sha256')
    .update(ep.password ?? '').update('\0')
    .update(ep.privateKey ?? '').update('\0')
    .update(ep.passphrase ?? '')
    .digest('hex').slice(0, 16);
  return `${endpointLabel(ep)}#${digest}`;
}

type Category = 'kex' | 'cipher' | 'serverHostKey' | 'hmac';

/** Which ssh2 algorithm list a legacy name belongs to. */
export function algorithmCategory(name: string): Category {
  if (/^(diffie-hellman|ecdh-|curve25519|sntrup|mlkem)/.test(name)) return 'kex';
  if (/^hmac-|^umac-/.test(name)) return 'hmac';
  if (/^(ssh-(rsa|dss|ed25519|ed448)|rsa-sha2|ecdsa-sha2|sk-)/.test(name)) return 'serverHostKey';
  if (/(cbc|ctr|gcm|3des|blowfish|cast128|arcfour|chacha20)/.test(name)) return 'cipher';
  throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `unknown legacy SSH algorithm "${name}"`);
}

/** Appends (never replaces) legacy algorithms to ssh2's modern defaults. */
export function legacyAlgorithms(names: readonly string[] | undefined): Algorithms | undefined {
  if (!names || names.length === 0) return undefined;
  const lists: Partial<Record<Category, string[]>> = {};
  for (const n of names) (lists[algorithmCategory(n)] ??= []).push(n);
  const out: Record<string, { append: string[] }> = {};
  for (const [cat, list] of Object.entries(lists)) out[cat] = { append: list };
  return out as Algorithms;
}

export interface HopLoginOptions {
  ep: SshEndpoint;
  ref: HopRef;
  sock?: Duplex;
  timeouts: TransportTimeouts;
  hostKey: Omit<HostKeyCheckOptions, 'where' | 'hopIndex' | 'pin'>;
}

/** Resolves with a ready Client; every failure is a VnfError naming the hop. */
export function loginHop(o: HopLoginOptions): Promise<Client> {
  const { ep, ref, sock, timeouts } = o;
  const check = new HostKeyCheck({ ...o.hostKey, where: describeHop(ref), hopIndex: ref.index, pin: ep.hostKey });
  return new Promise((resolve, reject) => {
    const client = new Client();
    let settled = false;
    let failure: VnfError | undefined;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      client.end();
      sock?.destroy();
      reject(failure ?? check.failure ?? translateSshError(err, ref));
    };
    // a permanent listener: ssh2 emits 'error' later too (keepalive), which must never crash us
    client.on('error', (err) => fail(err));
    client.once('close', () => fail(new VnfError('VNF_ERR_SSH_DISCONNECTED', `${describeHop(ref)}: closed during login`)));
    client.once('handshake', () => {
      try {
        check.commit();
      } catch (err) {
        failure = err instanceof VnfError ? err : translateSshError(err, ref);
        fail(err);
      }
    });
    client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => {
      // answer every prompt with the password (the usual PAM "Password:" prompt)
      finish(prompts.map(() => ep.password ?? ''));
    });
    client.once('ready', () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    const cfg: ConnectConfig = {
      host: ep.host,
      port: ep.port,
      username: ep.username,
      readyTimeout: ep.readyTimeoutMs ?? timeouts.readyMs,
      keepaliveInterval: ep.keepaliveIntervalMs ?? timeouts.keepaliveIntervalMs,
      keepaliveCountMax: ep.keepaliveCountMax ?? timeouts.keepaliveCountMax,
      hostVerifier: (key: Buffer) => check.verify(key),
      tryKeyboard: ep.password !== undefined,
    };
    if (sock) cfg.sock = sock as ConnectConfig['sock'];
    if (ep.password !== undefined) cfg.password = ep.password;
    if (ep.privateKey !== undefined) cfg.privateKey = ep.privateKey;
    if (ep.passphrase !== undefined) cfg.passphrase = ep.passphrase;
    const algorithms = legacyAlgorithms(ep.legacyAlgorithms);
    if (algorithms) cfg.algorithms = algorithms;
    try {
      client.connect(cfg);
      // interactive traffic: no Nagle on the broker's own TCP socket (no-op on forwarded channels)
      if (!sock) client.setNoDelay(true);
    } catch (err) {
      // e.g. an unparseable private key: say so without echoing the key
      failure = new VnfError('VNF_ERR_SSH_AUTH', `${describeHop(ref)}: credentials unusable (${err instanceof Error ? err.message.replace(/:.*/, '') : 'invalid'})`);
      fail(err);
    }
  });
}

/** forwardOut with a timer; a channel that arrives after the timeout is closed at once. */
export function forwardWithTimeout(client: Client, ref: HopRef, host: string, port: number, timeoutMs: number): Promise<ClientChannel> {
  const what = `${host}:${port}`;
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new VnfError('VNF_ERR_NET_TIMEOUT', `${describeHop(ref)}: forward to ${what} did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    const cb = (err: Error | undefined, ch: ClientChannel): void => {
      if (done) {
        ch?.close();
        return;
      }
      done = true;
      clearTimeout(timer);
      if (err) return reject(translateChannelError(err, ref, 'forward', what));
      resolve(socketLike(ch));
    };
    try {
      client.forwardOut('127.0.0.1', 0, host, port, cb);
    } catch (err) {
      done = true;
      clearTimeout(timer);
      reject(translateChannelError(err, ref, 'forward', what));
    }
  });
}

/**
 * ssh2's Channel.destroy(err) drops `err` (it only ends + closes the channel), so a consumer such as
 * undici that destroys with a reason (headers timeout) would see a bare "closed". Emit it like a
 * net.Socket does.
 */
function socketLike(ch: ClientChannel): ClientChannel {
  const close = ch.destroy.bind(ch);
  let errored = false;
  ch.destroy = ((err?: Error) => {
    if (err && !errored) {
      errored = true;
      process.nextTick(() => ch.emit('error', err));
    }
    return close();
  }) as ClientChannel['destroy'];
  ch.on('error', () => close());
  return ch;
}

/**
 * Opens one session channel on a jump connection so sshd switches its socket to TCP_NODELAY
 * (DESIGN §5: without it every multi-piece reply waits ~44 ms on delayed ACKs). The exec may
 * fail (nologin shell); its result is irrelevant, and the channel is closed right away.
 */
export function primeJump(client: Client): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      client.exec('true', (err, ch) => {
        if (err) return resolve(false);
        ch.on('error', () => undefined);
        ch.stderr.resume();
        ch.resume();
        ch.close();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
}
