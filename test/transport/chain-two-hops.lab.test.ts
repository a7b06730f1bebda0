// The transport stack against the real lab, two jump hosts: exec and vtysh through both hops
// (each hop primed, each logged in once), and HTTPS through the two-hop chain with the pin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, startLab } from '../lab/topology.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { brokerFixture, labAppliance, rootLogin, until, VTYSH, type BrokerFixture } from './lab-broker.js';
import type { ConnectionPool } from '../../src/transport/index.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

describe.skipIf(skip !== undefined)('transport through two jump hosts (lab)', () => {
  let lab: Lab;
  let fx: BrokerFixture;
  let pool: ConnectionPool;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 2, https: true });
    fx = brokerFixture();
    pool = fx.pool({ timeouts: { readyMs: 5_000, forwardMs: 3_000, connectMs: 3_000, commandIdleMs: 5_000 } });
  });
  afterAll(async () => {
    await pool?.close();
    fx?.dispose();
    await lab?.stop();
  });

  it('the broker namespace reaches only jump1', async () => {
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump2, 22, 500)).toBe(false);
    expect(await lab.tcpConnect('broker', LAB_ADDR.appliance, 22, 500)).toBe(false);
  });

  it('exec as root and a held vtysh session work through both hops on one chain', async () => {
    const a = labAppliance(lab.info);
    const exec = await pool.exec(a, 'echo "$0"; hostname', { login: rootLogin(lab.info) });
    expect(exec.stdout.trim().split('\n')).toEqual(['bash', 'vnf-appliance']);
    const cli = await pool.cli(a, VTYSH);
    for (let i = 0; i < 5; i++) {
      const res = await cli.send('show version');
      expect(res.output).toMatch(/^FRRouting 8\.\d+\.\d+ \(vnf-appliance\)/);
      expect(res.prompt).toBe('vnf-appliance# ');
    }
    const cfg = await cli.sendAll(['configure terminal', 'ip route 198.51.100.208/28 Null0', 'end', 'show running-config']);
    expect(cfg.at(-1)?.output).toContain('ip route 198.51.100.208/28 Null0');
    // one jump chain: each jump logged in once and primed with one session channel
    for (const role of ['jump1', 'jump2'] as const) {
      await until(`${role} priming session`, () => lab.sshd(role).sessions('vnfjump') === 1);
      expect(lab.sshd(role).acceptedLogins('vnfjump')).toBe(1);
    }
    // jump2 sees the broker's login arrive from jump1's inner address, as a forwarded channel
    expect(lab.sshd('jump2').count(/Accepted publickey for vnfjump from 198\.51\.100\.17/)).toBe(1);
    // root (exec) and vnfadmin (shell) are two logins on the appliance over the same chain
    expect(lab.sshd('appliance').acceptedLogins()).toBe(2);
    const conn = await pool.connection(a);
    expect(await conn.chain.primed).toEqual([true, true]);
    expect(conn.path).toEqual(['vnfjump@198.51.100.3:22', 'vnfjump@198.51.100.18:22', 'vnfadmin@203.0.113.10:22']);
  });

  it('HTTPS reaches nginx through both hops with the certificate pinned, over the same chain', async () => {
    const a = labAppliance(lab.info);
    for (let i = 0; i < 3; i++) {
      const res = await pool.http(a, { method: 'GET', url: `${lab.info.https!.url}/api/status.json`, verifySsl: false });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ hostname: 'vnf-appliance' });
    }
    expect(lab.sshd('jump1').acceptedLogins('vnfjump')).toBe(1);
    const rec = fx.records().filter((r) => r.type === 'http.request').at(-1);
    expect(rec?.path).toEqual(['vnfjump@198.51.100.3:22', 'vnfjump@198.51.100.18:22', '203.0.113.10:443']);
  });

  it('the audit log verifies', async () => {
    const report = await fx.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBeGreaterThan(20);
  });
});
