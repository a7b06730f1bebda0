// Dialers give a raw byte stream to host:port: directly (net), through an SSH jump chain
// (forwardOut on the last hop), or through an HTTP CONNECT proxy. Each has its own timeout.
import { request as httpRequest } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { VnfError } from '../errors.js';
import { describeHop, translateNetError, type HopRef } from './translate-error.js';

export type Dialer = (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

export function directConnect(host: string, port: number, timeoutMs: number): Promise<Socket> {
  const ref: HopRef = { label: `${host}:${port}`, index: 0, role: 'direct' };
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new VnfError('VNF_ERR_NET_TIMEOUT', `${describeHop(ref)}: TCP connect did not complete within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      sock.on('error', () => sock.destroy());
      sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      sock.destroy();
      reject(translateNetError(err, ref));
    });
  });
}

export const directDialer: Dialer = (host, port, timeoutMs) => directConnect(host, port, timeoutMs);

/** Proxy URL "http://[user:pass@]host:port"; credentials go in Proxy-Authorization, never in messages. */
export function proxyDialer(proxyUrl: string): Dialer {
  const proxy = new URL(proxyUrl);
  if (proxy.protocol !== 'http:') throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'http_proxy must be an http:// URL');
  const proxyPort = Number(proxy.port || 80);
  const ref: HopRef = { label: `${proxy.hostname}:${proxyPort}`, index: 0, role: 'proxy' };
  const auth = proxy.username
    ? `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
    : undefined;
  return (host, port, timeoutMs) => new Promise((resolve, reject) => {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const req = httpRequest({
      host: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(auth ? { 'proxy-authorization': auth } : {}) },
      agent: false,
    });
    let done = false;
    const finish = (err: VnfError | undefined, sock?: Duplex): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else if (sock) {
        resolve(sock);
      }
    };
    const timer = setTimeout(() => finish(new VnfError('VNF_ERR_NET_TIMEOUT', `${describeHop(ref)}: CONNECT ${authority} did not complete within ${timeoutMs} ms`)), timeoutMs);
    req.once('connect', (res, socket, head) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        return finish(new VnfError('VNF_ERR_HTTP_PROXY', `${describeHop(ref)}: CONNECT ${authority} refused with status ${res.statusCode ?? '?'}`));
      }
      if (head.length > 0) socket.unshift(head);
      socket.setNoDelay(true);
      socket.on('error', () => socket.destroy());
      finish(undefined, socket);
    });
    req.once('error', (err) => {
      const e = translateNetError(err, ref);
      finish(e.code === 'VNF_ERR_NET_CONNECT' || e.code === 'VNF_ERR_NET_DNS' || e.code === 'VNF_ERR_NET_TIMEOUT'
        ? e
        : new VnfError('VNF_ERR_HTTP_PROXY', `${describeHop(ref)}: CONNECT failed`, { cause: err }));
    });
    req.end();
  });
}
