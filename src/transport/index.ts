// Transports: SSH jump chains (host keys checked on every hop, jumps primed), CLI/exec sessions,
// HTTP(S) over the chain or a CONNECT proxy with verified TLS, and the per-appliance connection pool.
export type {
  AuditContext, ChainSpec, CliResult, CliSpec, ExecResult, HostKeyPolicy, HttpRequestSpec, HttpResult,
  PromptAnswer, SshEndpoint, TlsTrust, TransportTimeouts,
} from './types.js';
export { DEFAULT_TIMEOUTS } from './types.js';
export { ConnectionPool } from './pool.js';
export type { CliHandle, PoolOptions, PoolStats } from './pool-types.js';
export { CliSession, type CliSendOptions } from './cli-session.js';
export { SshConnection, connectTarget, dialChain, DEFAULT_LIMITS, type ConnectionLimits, type ExecOptions } from './ssh-connection.js';
export { JumpChain, dialJumps, type DialDeps } from './ssh-chain.js';
export { endpointLabel, legacyAlgorithms } from './ssh-hop.js';
export { FileKnownHosts, MemoryKnownHosts, knownHostName, parseKnownHosts, type KnownHostKey, type KnownHostsStore } from './known-hosts.js';
export { FileKnownCerts, MemoryKnownCerts, normaliseFingerprint, type KnownCert, type KnownCertsStore } from './known-certs.js';
export { sshFingerprint, fingerprintsEqual } from './host-key.js';
export { connectTls, type TlsConnectOptions } from './tls-trust.js';
export { ApplianceHttp, type ApplianceHttpOptions } from './http-client.js';
export { directDialer, proxyDialer, type Dialer } from './dialers.js';
export {
  chainSpecFor, jumpEndpoints, targetEndpoint, tlsTrustFor, hostKeyName, auditApplianceOf, applianceSecrets,
  type SshLoginOverride,
} from './appliance-spec.js';
export { KeyedMutex, Semaphore, backoffDelay, withRetry, type BackoffOptions } from './concurrency.js';
export { DEFAULT_PROMPT, stripAnsi } from './cli-text.js';
