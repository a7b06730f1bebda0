// One chained SSH connection per appliance, reused across operations: jump chain, target logins,
// held CLI shells and HTTP clients per origin on top; idle eviction, reconnect with backoff,
// per-appliance serialisation and a global operation limit.
import type { Duplex } from 'node:stream';
import type { ApplianceContext } from '../dictionary/appliance-model.js';
import { VnfError } from '../errors.js';
import { applianceSecrets, auditApplianceOf, jumpEndpoints, targetEndpoint, tlsTrustFor, type SshLoginOverride } from './appliance-spec.js';
import { CliSession } from './cli-session.js';
import { KeyedMutex, Semaphore, withRetry, type BackoffOptions } from './concurrency.js';
import { proxyDialer, type Dialer } from './dialers.js';
import { ApplianceHttp } from './http-client.js';
import { MemoryKnownCerts, type KnownCertsStore } from './known-certs.js';
import { dialJumps, type DialDeps, type JumpChain } from './ssh-chain.js';
import { connectTarget, DEFAULT_LIMITS, type ConnectionLimits, type ExecOptions, type SshConnection } from './ssh-connection.js';
import { endpointLabel, loginKey } from './ssh-hop.js';
import { connectTls } from './tls-trust.js';
import { wasNotSent } from './translate-error.js';
import type { CliHandle, PoolOptions, PoolStats } from './pool-types.js';
import { DEFAULT_TIMEOUTS, type AuditContext, type CliSpec, type ExecResult, type HttpRequestSpec, type HttpResult, type TransportTimeouts } from './types.js';

interface Entry {
  id: string;
  shape: string;
  appliance: ApplianceContext;
  jumps?: Promise<JumpChain>;
  /** key of the shared jump chain this entry uses (appliances behind the same bastion share one) */
  jumpKey?: string;
  targets: Map<string, Promise<SshConnection>>;
  shells: Map<string, Promise<CliSession>>;
  http: Map<string, ApplianceHttp>;
  active: number;
  idleTimer?: NodeJS.Timeout;
}

const closeLater = <T extends { close(): unknown }>(p: Promise<T> | undefined): void => {
  p?.then((x) => x.close(), () => undefined);
};

export class ConnectionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly timeouts: TransportTimeouts;
  private readonly limits: ConnectionLimits;
  private readonly backoff: BackoffOptions;
  private readonly knownCerts: KnownCertsStore;
  private readonly ops: Semaphore;
  private readonly locks = new KeyedMutex();
  private closed = false;
  private readonly counters = { hits: 0, misses: 0, connectFailures: 0, reconnects: 0, evictions: 0 };
  /**
   * Jump chains shared by every appliance behind the same hops (same hosts, users, credentials and
   * pins): one login on a bastion serves all its appliances (and stays under sshd's MaxStartups).
   */
  private readonly sharedJumps = new Map<string, { chain: Promise<JumpChain>; users: Set<Entry> }>();

  constructor(private readonly o: PoolOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.backoff = { attempts: 3, baseMs: 200, maxMs: 5_000, ...o.reconnect };
    this.knownCerts = o.knownCerts ?? new MemoryKnownCerts();
    this.ops = new Semaphore(o.maxConcurrentOperations ?? 64);
  }

  /** Held interactive CLI for (appliance, spec.name). */
  /** `opts.audit`: context for the records of the on_open commands when this call opens the shell. */
  cli(a: ApplianceContext, spec: CliSpec, opts: { audit?: AuditContext } = {}): Promise<CliHandle> {
    this.assertOpen();
    // the held shell's key (it hashes the login's credentials): once per handle, not per call
    let key: string | undefined;
    const keyOf = (): string => (key ??= this.shellKey(a, spec));
    const handle: CliHandle = {
      send: (command, o) => this.use(a, async (e) => this.onShell(e, spec, keyOf(), o?.audit ?? opts.audit, (s) => s.send(command, o))),
      sendAll: (commands, o) => this.use(a, async (e) => this.onShell(e, spec, keyOf(), o?.audit ?? opts.audit, (s) => s.sendAll(commands, o))),
    };
    // open (and sync) the shell now so connection errors surface here
    return this.use(a, async (e) => { await this.shell(e, spec, keyOf(), opts.audit); return handle; });
  }

  exec(a: ApplianceContext, command: string, opts: ExecOptions & { login?: SshLoginOverride } = {}): Promise<ExecResult> {
    return this.use(a, (e) => this.withTarget(e, opts.login, (conn) => conn.exec(command, opts)));
  }

  /** HTTP(S) to the appliance through its jump chain (or its http_proxy, or directly). */
  http(a: ApplianceContext, req: HttpRequestSpec): Promise<HttpResult> {
    return this.use(a, (e) => this.httpClient(e, new URL(req.url), req.verifySsl).request(req));
  }

  /** Opens and closes one TCP connection to host:port from the end of the appliance's jump chain (health checks). */
  tcpProbe(a: ApplianceContext, host: string, port: number, timeoutMs = this.timeouts.connectMs): Promise<{ durationMs: number }> {
    return this.use(a, async (e) => {
      const started = Date.now();
      const stream = await (await this.jumps(e)).forward(host, port, timeoutMs);
      stream.destroy();
      return { durationMs: Date.now() - started };
    });
  }

  /**
   * A byte stream to host:port on the appliance's network: a forward from the end of its jump chain
   * (or a CONNECT tunnel through its http_proxy, or a direct connection), wrapped in verified TLS when
   * `tls` is set (the same CA / pin / TOFU rules and known-certs store as pool.http). The appliance's
   * pooled connections are held in use (no idle eviction) until the stream closes. The web UI proxy
   * builds its http.Agent on this.
   */
  stream(a: ApplianceContext, host: string, port: number, opts: { tls?: boolean; verifySsl?: boolean; timeoutMs?: number } = {}): Promise<Duplex> {
    return this.use(a, async (e) => {
      const ms = opts.timeoutMs ?? this.timeouts.connectMs;
      const h = host.replace(/^\[|\]$/g, '');
      const dial = this.dialer(e);
      let s: Duplex;
      if (opts.tls) {
        const proxy = e.appliance.http_proxy ? new URL(e.appliance.http_proxy) : undefined;
        const path = [...(proxy ? [`proxy ${proxy.host}`] : jumpEndpoints(e.appliance).map(endpointLabel)), `${h}:${port}`];
        s = await connectTls({
          host: h, port, trust: tlsTrustFor(e.appliance, opts.verifySsl), store: this.knownCerts, storeName: `${a.id}/${h}:${port}`,
          policy: this.o.hostKeyPolicy ?? 'tofu', audit: this.o.audit, auditBase: { ...this.deps(e).auditBase, path, transport: 'https' },
          dial: () => dial(h, port, ms),
        });
      } else {
        s = await dial(h, port, ms);
      }
      const closed = new Promise<void>((resolve) => { if (s.destroyed) resolve(); else s.once('close', () => resolve()); });
      this.use(a, () => closed).catch(() => undefined);
      return s;
    });
  }

  /** The chained SSH connection itself (for callers that need exec/shell directly). */
  connection(a: ApplianceContext, login?: SshLoginOverride): Promise<SshConnection> {
    return this.use(a, (e) => this.target(e, login));
  }

  /** Serialises work per appliance (config operations). */
  runExclusive<T>(applianceId: string, fn: () => Promise<T>): Promise<T> {
    return this.locks.run(applianceId, fn);
  }

  /** One operation under the global limit and, when exclusive (default), the appliance lock. */
  runOperation<T>(applianceId: string, fn: () => Promise<T>, { exclusive = true } = {}): Promise<T> {
    this.assertOpen();
    const inner = exclusive ? () => this.locks.run(applianceId, fn) : fn;
    return this.ops.run(this.o.operationWaitMs ?? 60_000, inner, 'operation slot');
  }

  stats(): PoolStats {
    const jumpChains = new Set<Promise<JumpChain>>();
    let targetConnections = 0;
    let sessionChannels = 0;
    let shells = 0;
    let httpClients = 0;
    for (const e of this.entries.values()) {
      if (e.jumps) jumpChains.add(e.jumps);
      targetConnections += e.targets.size;
      shells += e.shells.size;
      httpClients += e.http.size;
    }
    for (const c of this.live) sessionChannels += c.sessions.inUse;
    return { appliances: this.entries.size, jumpChains: jumpChains.size, targetConnections, sessionChannels, shells, httpClients, ...this.counters };
  }

  async close(): Promise<void> {
    this.closed = true;
    const closing: Promise<void>[] = [];
    for (const e of [...this.entries.values()]) closing.push(this.evict(e));
    await Promise.all(closing);
  }

  private readonly live = new Set<SshConnection>();

  private assertOpen(): void {
    if (this.closed) throw new VnfError('VNF_ERR_POOL_CLOSED', 'connection pool is closed');
  }

  private async use<T>(a: ApplianceContext, fn: (e: Entry) => Promise<T>): Promise<T> {
    this.assertOpen();
    const e = this.entry(a);
    e.active++;
    clearTimeout(e.idleTimer);
    try {
      return await fn(e);
    } finally {
      e.active--;
      if (e.active === 0 && !this.closed && this.entries.get(e.id) === e) {
        e.idleTimer = setTimeout(() => { if (e.active === 0) void this.evict(e); }, this.o.idleMs ?? 300_000);
        e.idleTimer.unref();
      }
    }
  }

  private entry(a: ApplianceContext): Entry {
    // a changed chain (jumps, address) for the same id gets fresh connections
    const shape = JSON.stringify([a.management?.host, (a.jump ?? []).map((h) => [h.host, h.port, h.username]), a.http_proxy ?? null]);
    const old = this.entries.get(a.id);
    if (old && old.shape === shape) {
      old.appliance = a;
      return old;
    }
    if (old) void this.evict(old);
    const e: Entry = { id: a.id, shape, appliance: a, targets: new Map(), shells: new Map(), http: new Map(), active: 0 };
    this.entries.set(a.id, e);
    return e;
  }

  private deps(e: Entry): DialDeps {
    return {
      timeouts: this.timeouts,
      knownHosts: this.o.knownHosts,
      hostKeyPolicy: this.o.hostKeyPolicy ?? 'tofu',
      audit: this.o.audit,
      auditBase: { appliance: auditApplianceOf(e.appliance), secrets: applianceSecrets(e.appliance) },
    };
  }

  private async jumps(e: Entry): Promise<JumpChain> {
    if (e.jumps) {
      const chain = await e.jumps;
      if (chain.alive) return chain;
      this.releaseJumps(e);
    }
    const hops = jumpEndpoints(e.appliance);
    const key = hops.length === 0 ? undefined : hops.map((h) => `${loginKey(h)}~${h.hostKey ?? ''}`).join(' > ');
    const shared = key === undefined ? undefined : this.sharedJumps.get(key);
    if (shared) {
      const chain = await shared.chain.catch(() => undefined);
      if (chain?.alive && this.sharedJumps.get(key as string) === shared) {
        shared.users.add(e);
        e.jumps = shared.chain;
        e.jumpKey = key;
        chain.onClose(() => { if (e.jumps === shared.chain) e.jumps = undefined; });
        return chain;
      }
    }
    const p = withRetry(this.backoff, () => dialJumps(hops, this.deps(e)), () => this.counters.reconnects++);
    e.jumps = p;
    if (key !== undefined) {
      this.sharedJumps.set(key, { chain: p, users: new Set([e]) });
      e.jumpKey = key;
    }
    const forget = (): void => {
      if (e.jumps === p) e.jumps = undefined;
      if (key !== undefined && this.sharedJumps.get(key)?.chain === p) this.sharedJumps.delete(key);
    };
    try {
      const chain = await p;
      chain.onClose(forget);
      return chain;
    } catch (err) {
      forget();
      this.counters.connectFailures++;
      throw err;
    }
  }

  /** Drops this entry's use of its jump chain; the chain closes when its last appliance leaves. */
  private releaseJumps(e: Entry): void {
    const p = e.jumps;
    e.jumps = undefined;
    const shared = e.jumpKey === undefined ? undefined : this.sharedJumps.get(e.jumpKey);
    e.jumpKey = undefined;
    if (!p) return;
    if (shared && shared.chain === p) {
      shared.users.delete(e);
      if (shared.users.size > 0) return;
      for (const [k, v] of this.sharedJumps) if (v === shared) this.sharedJumps.delete(k);
    }
    closeLater(p);
  }


  private async target(e: Entry, login?: SshLoginOverride): Promise<SshConnection> {
    const ep = targetEndpoint(e.appliance, login);
    const key = loginKey(ep);
    const cached = e.targets.get(key);
    if (cached) {
      const conn = await cached.catch(() => undefined);
      if (conn?.alive) {
        this.counters.hits++;
        return conn;
      }
      if (e.targets.get(key) === cached) e.targets.delete(key);
    }
    this.counters.misses++;
    // jumps() retries on its own; here only the target login is retried
    const p = this.jumps(e).then((chain) => withRetry(this.backoff, () => connectTarget(chain, ep, this.deps(e), this.limits),
      () => this.counters.reconnects++));
    e.targets.set(key, p);
    try {
      const conn = await p;
      this.live.add(conn);
      conn.onClose(() => {
        this.live.delete(conn);
        if (e.targets.get(key) === p) e.targets.delete(key);
      });
      if (this.closed || this.entries.get(e.id) !== e) conn.close();
      return conn;
    } catch (err) {
      if (e.targets.get(key) === p) e.targets.delete(key);
      this.counters.connectFailures++;
      throw err;
    }
  }

  /** Runs fn on the target; retried once on a fresh connection if the old one was dead and nothing was sent. */
  private async withTarget<T>(e: Entry, login: SshLoginOverride | undefined, fn: (c: SshConnection) => Promise<T>): Promise<T> {
    const conn = await this.target(e, login);
    try {
      return await fn(conn);
    } catch (err) {
      if (!wasNotSent(err) || conn.alive) throw err;
      return fn(await this.target(e, login));
    }
  }

  /**
   * Runs commands on the held shell. A shell whose command failed is closed and dropped: the device
   * may be left in a config sub-mode or mid-prompt, and the next operation must start clean.
   */
  private async onShell<T>(e: Entry, spec: CliSpec, key: string, audit: AuditContext | undefined, fn: (s: CliSession) => Promise<T>): Promise<T> {
    const session = await this.shell(e, spec, key, audit);
    try {
      return await fn(session);
    } catch (err) {
      const cached = e.shells.get(key);
      if (cached && (await cached.catch(() => undefined)) === session) e.shells.delete(key);
      session.close();
      throw err;
    }
  }

  private shellLogin(spec: CliSpec): SshLoginOverride {
    const login: SshLoginOverride = {};
    if (spec.host !== undefined) login.host = spec.host;
    if (spec.port !== undefined) login.port = spec.port;
    if (spec.username !== undefined) login.username = spec.username;
    if (spec.password !== undefined) login.password = spec.password;
    if (spec.privateKey !== undefined) login.privateKey = spec.privateKey;
    return login;
  }

  private shellKey(a: ApplianceContext, spec: CliSpec): string {
    return `${spec.name}|${loginKey(targetEndpoint(a, this.shellLogin(spec)))}`;
  }

  private async shell(e: Entry, spec: CliSpec, key: string, audit?: AuditContext): Promise<CliSession> {
    const cached = e.shells.get(key);
    if (cached) {
      const s = await cached.catch(() => undefined);
      if (s?.usable) {
        this.counters.hits++;
        return s;
      }
      if (e.shells.get(key) === cached) e.shells.delete(key);
    }
    const p = this.withTarget(e, this.shellLogin(spec), (conn) => CliSession.open(conn, spec,
      { idleMs: this.timeouts.commandIdleMs, totalMs: this.timeouts.commandTotalMs }, audit));
    e.shells.set(key, p);
    p.catch(() => { if (e.shells.get(key) === p) e.shells.delete(key); });
    return p;
  }

  private httpClient(e: Entry, url: URL, verifySsl: boolean | undefined): ApplianceHttp {
    const trust = tlsTrustFor(e.appliance, verifySsl);
    const key = `${url.origin}|${url.protocol === 'https:' ? trust.mode ?? 'pin' : 'plain'}`;
    const cached = e.http.get(key);
    if (cached) return cached;
    const a = e.appliance;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const proxy = a.http_proxy ? new URL(a.http_proxy) : undefined;
    const dial = this.dialer(e);
    const path = [...(proxy ? [`proxy ${proxy.host}`] : jumpEndpoints(a).map(endpointLabel)), `${host}:${port}`];
    const transport = url.protocol === 'https:' ? 'https' : 'http';
    const auditBase = { ...this.deps(e).auditBase, path, transport } as const;
    const client = new ApplianceHttp({
      origin: url,
      dial,
      timeouts: this.timeouts,
      audit: { sink: this.o.audit, base: auditBase },
      ...(this.o.httpConnectionsPerOrigin ? { connections: this.o.httpConnectionsPerOrigin } : {}),
      ...(url.protocol === 'https:' ? {
        tls: { trust, store: this.knownCerts, storeName: `${a.id}/${host}:${port}`, policy: this.o.hostKeyPolicy ?? 'tofu', audit: this.o.audit, auditBase },
      } : {}),
    });
    e.http.set(key, client);
    return client;
  }

  /** Raw streams to the appliance's network: its http_proxy, else the end of its jump chain (or direct). */
  private dialer(e: Entry): Dialer {
    return e.appliance.http_proxy
      ? proxyDialer(e.appliance.http_proxy)
      : async (h, p, ms) => (await this.jumps(e)).forward(h, p, ms);
  }

  private async evict(e: Entry): Promise<void> {
    if (this.entries.get(e.id) === e) this.entries.delete(e.id);
    clearTimeout(e.idleTimer);
    this.counters.evictions++;
    for (const s of e.shells.values()) closeLater(s);
    for (const t of e.targets.values()) closeLater(t);
    this.releaseJumps(e);
    const http = [...e.http.values()];
    e.shells.clear();
    e.targets.clear();
    e.http.clear();
    await Promise.all(http.map((h) => h.close().catch(() => undefined)));
  }
}
