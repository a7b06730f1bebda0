// SSH jump chains: hop N+1 rides on a forwardOut channel of hop N; every jump is primed (one
// session channel) so sshd turns on TCP_NODELAY. The chain forwards TCP for the target and HTTP.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import type { AuditEvent, AuditSink } from '../audit/types.js';
import { VnfError } from '../errors.js';
import { directConnect } from './dialers.js';
import { knownHostName, type KnownHostsStore } from './known-hosts.js';
import { endpointLabel, forwardWithTimeout, loginHop, primeJump } from './ssh-hop.js';
import type { HopRef } from './translate-error.js';
import type { HostKeyPolicy, SshEndpoint, TransportTimeouts } from './types.js';

export interface DialDeps {
  timeouts: TransportTimeouts;
  knownHosts: KnownHostsStore;
  hostKeyPolicy: HostKeyPolicy;
  audit: AuditSink;
  /** fields for hostkey.* records (appliance ...) */
  auditBase?: Omit<AuditEvent, 'type'>;
}

/** Connected jump hops (possibly none); forward() opens TCP streams from the last one. */
export class JumpChain {
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    readonly clients: readonly Client[],
    readonly refs: readonly HopRef[],
    private readonly timeouts: TransportTimeouts,
    /** resolves when every jump's priming channel was tried (true = opened) */
    readonly primed: Promise<boolean[]>,
  ) {
    // 'end' too: a hop reached over a forwarded channel only sees EOF when the hop before it dies
    for (const c of clients) {
      c.once('close', () => this.close());
      c.once('end', () => this.close());
    }
  }

  get path(): string[] { return this.refs.map((r) => r.label); }
  get alive(): boolean { return !this.closed; }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHandlers.push(fn);
  }

  /** A TCP stream to host:port from the last hop (direct connect when there is no hop). */
  forward(host: string, port: number, timeoutMs = this.timeouts.forwardMs): Promise<Duplex> {
    if (this.closed) return Promise.reject(new VnfError('VNF_ERR_SSH_DISCONNECTED', 'jump chain is closed'));
    const last = this.clients.at(-1);
    const ref = this.refs.at(-1);
    if (!last || !ref) return directConnect(host, port, timeoutMs);
    return forwardWithTimeout(last, ref, host, port, timeoutMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.clients].reverse()) c.end();
    for (const fn of this.closeHandlers.splice(0)) fn();
  }
}

export function hopRef(ep: SshEndpoint, index: number, role: HopRef['role']): HopRef {
  return { label: endpointLabel(ep), index, role };
}

/** Logs in to one endpoint over `sock` (or directly), with its host-key check. */
export function loginEndpoint(ep: SshEndpoint, ref: HopRef, sock: Duplex | undefined, deps: DialDeps, path: string[]): Promise<Client> {
  return loginHop({
    ep,
    ref,
    ...(sock ? { sock } : {}),
    timeouts: deps.timeouts,
    hostKey: {
      name: ep.hostKeyAlias ?? knownHostName(ep.host, ep.port),
      policy: deps.hostKeyPolicy,
      store: deps.knownHosts,
      audit: deps.audit,
      auditBase: { ...deps.auditBase, path, transport: 'ssh' },
    },
  });
}

export async function dialJumps(hops: readonly SshEndpoint[], deps: DialDeps, fullPath: string[] = hops.map(endpointLabel)): Promise<JumpChain> {
  const clients: Client[] = [];
  const refs: HopRef[] = [];
  const priming: Promise<boolean>[] = [];
  try {
    for (const [i, ep] of hops.entries()) {
      const ref = hopRef(ep, i, 'jump');
      const prev = clients.at(-1);
      const prevRef = refs.at(-1);
      const sock = prev && prevRef ? await forwardWithTimeout(prev, prevRef, ep.host, ep.port, deps.timeouts.forwardMs) : undefined;
      const client = await loginEndpoint(ep, ref, sock, deps, fullPath);
      clients.push(client);
      refs.push(ref);
      // concurrently with the next forward: no extra round trip on the critical path
      priming.push(primeJump(client));
    }
  } catch (err) {
    for (const c of clients.reverse()) c.end();
    throw err;
  }
  return new JumpChain(clients, refs, deps.timeouts, Promise.all(priming));
}
