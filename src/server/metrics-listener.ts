// The plain-HTTP listener bound to loopback: /healthz (process alive), /readyz (config, dictionaries
// and audit log ready, not draining) and Prometheus /metrics. Refuses any non-loopback address.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatListen, isLoopbackHost, type ListenAddress } from '../config/index.js';
import { VnfError } from '../errors.js';
import type { Metrics } from './metrics.js';

export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface MetricsListener {
  server: Server;
  address: AddressInfo;
  close(): Promise<void>;
}

function listenOnce(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => { server.off('listening', onListening); reject(error); };
    const onListening = (): void => { server.off('error', onError); resolve(server.address() as AddressInfo); };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Starts the listener; with `attempts` > 1 a taken port moves on to the next one (dev mode). */
export async function startMetricsListener(listen: ListenAddress, metrics: Metrics, readiness: () => Readiness, attempts = 1): Promise<MetricsListener> {
  if (!isLoopbackHost(listen.host)) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `metrics.listen: ${formatListen(listen)} is not a loopback address`);
  }
  const server = createServer((req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
    } else if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const state = readiness();
      res.writeHead(state.ready ? 200 : 503, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(state)}\n`);
    } else if (path === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }).end(metrics.render());
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
    }
  });
  server.requestTimeout = 10_000;
  let address: AddressInfo | undefined;
  let lastError: unknown;
  for (let i = 0; i < Math.max(1, attempts) && !address; i++) {
    const port = listen.port === 0 ? 0 : listen.port + i;
    try {
      address = await listenOnce(server, listen.host, port);
    } catch (error) {
      lastError = error;
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port > 65534) break;
    }
  }
  if (!address) {
    throw new VnfError('VNF_ERR_CONFIG_INVALID', `metrics.listen: cannot listen on ${formatListen(listen)} (${(lastError as NodeJS.ErrnoException).code ?? 'error'})`, { cause: lastError });
  }
  return {
    server,
    address,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
