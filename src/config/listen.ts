// `host:port` listen addresses: parsing, and the loopback check the metrics listener relies on.
import { isIP } from 'node:net';
import type { ListenAddress } from './model.js';

/** Parses `127.0.0.1:8443`, `[::1]:8443`, `broker.example:8443`; undefined when malformed. */
export function parseListen(text: string): ListenAddress | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return undefined;
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  if (m[1] !== undefined && isIP(host) !== 6) return undefined;
  if (m[2] !== undefined && /^[0-9.]+$/.test(host) && isIP(host) !== 4) return undefined;
  return { host, port };
}

/** 127.0.0.0/8, ::1 and `localhost` only. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (/^::ffff:127\./i.test(host)) return true;
  return false;
}

/** `host:port` with IPv6 bracketed, for messages and URLs. */
export function formatListen(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
