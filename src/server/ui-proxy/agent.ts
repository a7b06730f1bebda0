// An http.Agent whose connections come from the appliance's pooled jump chain (or CONNECT proxy): the
// connector hands back a stream (already TLS-verified for https targets) and the agent keeps it alive
// for reuse. ssh2 channels are plain Duplex streams, so the net.Socket methods the agent and
// ClientRequest call (setTimeout, setNoDelay, setKeepAlive, ref, unref) are added when missing.
import { Agent, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { VnfError } from '../../errors.js';

export type StreamFactory = () => Promise<Duplex>;

type SocketLike = Duplex & {
  setTimeout?: (ms: number, cb?: () => void) => unknown;
  setNoDelay?: (noDelay?: boolean) => unknown;
  setKeepAlive?: (enable?: boolean, delay?: number) => unknown;
  ref?: () => unknown;
  unref?: () => unknown;
};

/** Gives a Duplex the socket methods http.Agent/ClientRequest use; setTimeout is a real idle timer. */
export function asSocketLike(stream: Duplex): Duplex {
  const s = stream as SocketLike;
  if (typeof s.setTimeout !== 'function') {
    let timer: NodeJS.Timeout | undefined;
    let ms = 0;
    const arm = (): void => {
      clearTimeout(timer);
      timer = ms > 0 && !s.destroyed ? setTimeout(() => s.emit('timeout'), ms) : undefined;
      timer?.unref();
    };
    s.on('data', () => { if (ms > 0) arm(); });
    s.once('close', () => { clearTimeout(timer); ms = 0; });
    s.setTimeout = (msecs: number, cb?: () => void) => {
      ms = msecs;
      if (cb) s.once('timeout', cb);
      arm();
      return s;
    };
  }
  for (const name of ['setNoDelay', 'setKeepAlive', 'ref', 'unref'] as const) {
    if (typeof s[name] !== 'function') s[name] = () => s;
  }
  return s;
}

/** A keep-alive agent over `connect`; a connect that takes longer than `connectMs` fails (and its late stream is closed). */
export class ChainAgent extends Agent {
  constructor(private readonly connect: StreamFactory, private readonly connectMs: number, maxSockets = 6) {
    super({ keepAlive: true, keepAliveMsecs: 15_000, maxSockets, maxFreeSockets: maxSockets, timeout: 60_000 });
  }

  override createConnection(_options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    let settled = false;
    const done = (err: Error | null, s?: Duplex): void => {
      if (settled) {
        s?.destroy();
        return;
      }
      settled = true;
      clearTimeout(timer);
      if (err) callback?.(err, undefined as unknown as Duplex);
      else if (s) {
        // an error after the request finished must not become an uncaught exception
        s.on('error', () => s.destroy());
        callback?.(null, asSocketLike(s));
      }
    };
    const timer = setTimeout(() => done(new VnfError('VNF_ERR_UI_UPSTREAM_TIMEOUT', `connecting to the appliance web UI took longer than ${this.connectMs} ms`)), this.connectMs);
    this.connect().then((s) => done(null, s), (err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
    return undefined;
  }
}
