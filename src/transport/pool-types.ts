// Options, stats and handle types of the connection pool.
import type { AuditSink } from '../audit/types.js';
import type { CliSendOptions } from './cli-session.js';
import type { BackoffOptions } from './concurrency.js';
import type { KnownCertsStore } from './known-certs.js';
import type { KnownHostsStore } from './known-hosts.js';
import type { ConnectionLimits } from './ssh-connection.js';
import type { CliResult, HostKeyPolicy, TransportTimeouts } from './types.js';

export interface PoolOptions {
  audit: AuditSink;
  knownHosts: KnownHostsStore;
  knownCerts?: KnownCertsStore;
  hostKeyPolicy?: HostKeyPolicy;
  timeouts?: Partial<TransportTimeouts>;
  limits?: Partial<ConnectionLimits>;
  /** close an appliance's connections after this long unused (default 5 min) */
  idleMs?: number;
  /** connect attempts with jittered exponential backoff (default 3 attempts, 200 ms .. 5 s) */
  reconnect?: Partial<BackoffOptions>;
  /** operations at once across all appliances (runOperation) */
  maxConcurrentOperations?: number;
  operationWaitMs?: number;
  httpConnectionsPerOrigin?: number;
}

export interface PoolStats {
  appliances: number;
  /** distinct jump chains (appliances behind the same hops share one) */
  jumpChains: number;
  targetConnections: number;
  sessionChannels: number;
  shells: number;
  httpClients: number;
  hits: number;
  misses: number;
  connectFailures: number;
  reconnects: number;
  evictions: number;
}

/** What pool.cli() returns: sends through the held shell, reopening it if it broke. */
export interface CliHandle {
  send(command: string, opts?: CliSendOptions): Promise<CliResult>;
  sendAll(commands: readonly string[], opts?: CliSendOptions): Promise<CliResult[]>;
}
