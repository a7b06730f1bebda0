// ConnectionPool.stream(): a raw (or TLS-verified) stream to host:port from the end of the appliance's
// chain — here a direct one on 127.0.0.1 — that holds the pool entry until it closes.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../src/audit/index.js';
import type { ApplianceContext } from '../../../src/dictionary/index.js';
import { ConnectionPool, MemoryKnownHosts } from '../../../src/transport/index.js';

let echo: Server;
let port: number;
const events: AuditEvent[] = [];
const sink = { append: (e: AuditEvent) => { events.push(e); return { ...e, seq: 0, time: '', prev: '', hash: '' }; } };

beforeAll(async () => {
  echo = createServer((s) => { s.on('error', () => s.destroy()); s.pipe(s); });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  port = (echo.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

const appliance: ApplianceContext = { id: 'vm-s', management: { host: '127.0.0.1' }, credentials: {}, jump: [], cs_data: {} };

describe('ConnectionPool.stream', () => {
  it('gives a byte stream to host:port and keeps the appliance from idle eviction until it closes', async () => {
    const pool = new ConnectionPool({ audit: sink, knownHosts: new MemoryKnownHosts(), idleMs: 30 });
    try {
      const s = await pool.stream(appliance, '127.0.0.1', port, { timeoutMs: 2000 });
      const reply = new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString())));
      s.write('ping');
      expect(await reply).toBe('ping');
      await new Promise((r) => setTimeout(r, 150));
      expect(pool.stats().evictions).toBe(0);
      expect(pool.stats().appliances).toBe(1);
      s.destroy();
      await new Promise((r) => setTimeout(r, 150));
      expect(pool.stats().evictions).toBe(1);
    } finally {
      await pool.close();
    }
  });

  it('fails with a VnfError when nothing listens', async () => {
    const pool = new ConnectionPool({ audit: sink, knownHosts: new MemoryKnownHosts(), reconnect: { attempts: 1 } });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      await expect(pool.stream(appliance, '127.0.0.1', dead, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'VNF_ERR_NET_CONNECT' });
    } finally {
      await pool.close();
    }
  });
});
