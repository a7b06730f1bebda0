// The transport stack against the real lab, one jump host: exec (root, bash) and held vtysh
// sessions through the chain, HTTPS through the chain and through tinyproxy with a pinned or
// TOFU-learned certificate, connection reuse counted by the sshds, and jump priming.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, startLab } from '../lab/topology.js';
import { sshRun } from '../lab/openssh.js';
import type { Lab } from '../lab/lab.js';
import { brokerFixture, labAppliance, rootLogin, until, VTYSH, type BrokerFixture } from './lab-broker.js';
import type { ConnectionPool } from '../../src/transport/index.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

describe.skipIf(skip !== undefined)('transport through one jump host (lab)', () => {
  let lab: Lab;
  let fx: BrokerFixture;
  let pool: ConnectionPool;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, https: true, proxy: true });
    fx = brokerFixture();
    pool = fx.pool({ timeouts: { readyMs: 5_000, forwardMs: 3_000, connectMs: 3_000, commandIdleMs: 5_000 } });
  });
  afterAll(async () => {
    await pool?.close();
    fx?.dispose();
    await lab?.stop();
  });

  it('exec as root runs bash on the appliance through the jump', async () => {
    const a = labAppliance(lab.info);
    const res = await pool.exec(a, 'echo "$0"; hostname; ip -br addr show eth0', { login: rootLogin(lab.info) });
    expect(res.exitCode).toBe(0);
    const [shell, hostname, addr] = res.stdout.trim().split('\n');
    expect(shell).toBe('bash');
    expect(hostname).toBe('vnf-appliance');
    expect(addr).toContain('203.0.113.10/28');
    const failed = await pool.exec(a, 'exit 3', { login: rootLogin(lab.info) });
    expect(failed.exitCode).toBe(3);
  });

  it('a held vtysh session answers show and config commands with its prompt', async () => {
    const a = labAppliance(lab.info);
    const cli = await pool.cli(a, VTYSH);
    const ver = await cli.send('show version');
    expect(ver.output).toMatch(/^FRRouting 8\.\d+\.\d+ \(vnf-appliance\)/);
    expect(ver.prompt).toBe('vnf-appliance# ');
    const cfg = await cli.sendAll(['configure terminal', 'ip route 198.51.100.96/28 Null0', 'end']);
    expect(cfg.map((r) => r.prompt.trim())).toEqual(['vnf-appliance(config)#', 'vnf-appliance(config)#', 'vnf-appliance#']);
    const routes = await cli.send('show running-config');
    expect(routes.output).toContain('ip route 198.51.100.96/28 Null0');
    // the lab's own vtysh sees the same instance
    expect((await lab.vtysh('show running-config')).stdout).toContain('ip route 198.51.100.96/28 Null0');
    // an unknown command is a command failure; the session stays in step
    await expect(cli.send('show no-such-thing')).rejects.toMatchObject({ code: 'VNF_ERR_SSH_COMMAND_FAILED' });
    expect((await cli.send('show version')).output).toContain('FRRouting');
  });

  it('50 operations on one appliance reuse one SSH connection (counted by both sshds)', async () => {
    const a = labAppliance(lab.info, { id: 'lab-frr-reuse' });
    const jump = lab.sshd('jump1');
    const app = lab.sshd('appliance');
    const before = { jump: jump.acceptedLogins('vnfjump'), admin: app.acceptedLogins('vnfadmin'), sessions: app.sessions('vnfadmin') };
    for (let i = 0; i < 40; i++) {
      const cli = await pool.cli(a, VTYSH);
      const res = await cli.send(i % 2 ? 'show version' : 'show ip route summary');
      expect(res.output.length).toBeGreaterThan(20);
    }
    for (let i = 0; i < 10; i++) {
      const res = await pool.exec(a, 'show version'); // sshd runs `vtysh -c 'show version'`
      expect(res.stdout).toContain('FRRouting');
    }
    // one login on each sshd (none on the jump: the chain opened by the earlier tests is shared by
    // every appliance behind it); on the appliance: one shell + ten exec session channels
    await until('sshd logs', () => app.sessions('vnfadmin') >= before.sessions + 11);
    expect(jump.acceptedLogins('vnfjump')).toBe(before.jump);
    expect(app.acceptedLogins('vnfadmin')).toBe(before.admin + 1);
    expect(app.sessions('vnfadmin')).toBe(before.sessions + 11);
    const stats = pool.stats();
    expect(stats.connectFailures).toBe(0);
    expect(stats.reconnects).toBe(0);
  });

  it('the pooled jump connection is primed: the jump sshd logs a session channel (ssh -J does not)', async () => {
    const jump = lab.sshd('jump1');
    const sessionRe = /Starting session: command for vnfjump from 198\.51\.100\.2/;
    const before = jump.count(sessionRe);
    // a fresh pool: its first use logs in to the jump once and primes that connection once
    const own = fx.pool({ timeouts: { readyMs: 5_000, forwardMs: 3_000, connectMs: 3_000 } });
    try {
      const conn = await own.connection(labAppliance(lab.info, { id: 'lab-frr-prime' }));
      expect(await conn.chain.primed).toEqual([true]);
      await until('priming session in the jump sshd log', () => jump.count(sessionRe) === before + 1);
    } finally {
      await own.close();
    }
    // OpenSSH's ProxyJump opens only a direct-tcpip channel on the jump: no session there
    const sshBefore = jump.count(sessionRe);
    const loginsBefore = jump.acceptedLogins('vnfjump');
    const res = await sshRun(lab.info, 'appliance', 'show version');
    expect(res.code).toBe(0);
    await until('ssh -J login in the jump sshd log', () => jump.acceptedLogins('vnfjump') === loginsBefore + 1);
    expect(jump.count(sessionRe)).toBe(sshBefore);
  });

  it('HTTPS reaches nginx through the chain with the certificate pinned', async () => {
    const a = labAppliance(lab.info);
    const https = lab.info.https!;
    const res = await pool.http(a, { method: 'GET', url: `${https.url}/api/status.json`, verifySsl: false });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok', hostname: 'vnf-appliance', version: '1.0.0' });
    const auth = `Basic ${Buffer.from(`${https.apiUser}:${https.apiPassword}`).toString('base64')}`;
    const secure = await pool.http(a, { method: 'GET', url: `${https.url}/api/secure/info.json`, headers: { authorization: auth }, verifySsl: false });
    expect(secure.status).toBe(200);
    const post = await pool.http(a, { method: 'POST', url: `${https.url}/echo?x=1`, body: '{"a":1}', headers: { 'content-type': 'application/json' }, verifySsl: false });
    expect(JSON.parse(post.body)).toMatchObject({ method: 'POST', uri: '/echo?x=1', content_length: '7' });
    // keep-alive: one HTTP client for the origin, no proxy involved, the path names the jump
    expect(pool.stats().httpClients).toBe(1);
    const recs = fx.records().filter((r) => r.type === 'http.request' && r.outcome === 'success');
    expect(recs.at(-1)?.path).toEqual(['vnfjump@198.51.100.3:22', '203.0.113.10:443']);
    expect(recs.at(-1)?.http?.status).toBe(200);
    // the audited header is redacted
    expect(JSON.stringify(fx.records())).not.toContain(https.apiPassword);
  });

  it('a wrong certificate pin is refused (VNF_ERR_TLS_VERIFY)', async () => {
    const a = { ...labAppliance(lab.info, { id: 'lab-frr-badpin' }), tls: { fingerprint256: 'AA:'.repeat(31) + 'AA' } };
    await expect(pool.http(a, { method: 'GET', url: `${lab.info.https!.url}/api/status.json`, verifySsl: false }))
      .rejects.toMatchObject({ code: 'VNF_ERR_TLS_VERIFY' });
  });

  it('HTTPS reaches nginx through the tinyproxy CONNECT proxy with the pin, without any SSH', async () => {
    const proxyPool = fx.pool();
    try {
      const jumpLogins = lab.sshd('jump1').acceptedLogins();
      const a = labAppliance(lab.info, { id: 'lab-frr-proxy', viaProxy: true });
      for (let i = 0; i < 3; i++) {
        const res = await proxyPool.http(a, { method: 'GET', url: `${lab.info.https!.url}/api/interfaces.json`, verifySsl: false });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.body)).toMatchObject({ interfaces: [{ name: 'eth0' }] });
      }
      expect(proxyPool.stats()).toMatchObject({ jumpChains: 0, targetConnections: 0, httpClients: 1 });
      expect(lab.sshd('jump1').acceptedLogins()).toBe(jumpLogins);
      const rec = fx.records().filter((r) => r.type === 'http.request' && r.appliance?.id === 'lab-frr-proxy').at(-1);
      expect(rec?.path).toEqual(['proxy 198.51.100.3:8888', '203.0.113.10:443']);
    } finally {
      await proxyPool.close();
    }
  });

  it('TOFU: host keys and the certificate are learned once, audited, and reused by a new pool', async () => {
    const a = labAppliance(lab.info, { id: 'lab-frr-tofu', pinned: false });
    const url = `${lab.info.https!.url}/api/status.json`;
    const learned = (): number => fx.records().filter((r) => r.type === 'hostkey.learned' && r.appliance?.id === 'lab-frr-tofu').length;
    const first = fx.pool();
    try {
      expect((await first.http(a, { method: 'GET', url, verifySsl: false })).status).toBe(200);
      expect((await (await first.cli(a, VTYSH)).send('show version')).output).toContain('FRRouting');
    } finally {
      await first.close();
    }
    // jump key, appliance key, TLS certificate
    const recs = fx.records().filter((r) => r.type === 'hostkey.learned' && r.appliance?.id === 'lab-frr-tofu');
    expect(recs.map((r) => r.detail?.kind).sort()).toEqual(['ssh', 'ssh', 'tls']);
    expect(recs.find((r) => r.detail?.kind === 'tls')?.detail?.fingerprint256).toBe(lab.info.https!.cert.fingerprint256);
    expect(recs.filter((r) => r.detail?.kind === 'ssh').map((r) => r.detail?.fingerprint).sort())
      .toEqual([lab.info.jumps[0]!.hostKeyFingerprint, lab.info.appliance.hostKeyFingerprint].sort());
    const second = fx.pool();
    try {
      expect((await second.http(a, { method: 'GET', url, verifySsl: false })).status).toBe(200);
      expect((await (await second.cli(a, VTYSH)).send('show version')).output).toContain('FRRouting');
    } finally {
      await second.close();
    }
    expect(learned()).toBe(3);
  });

  it('the audit log of everything above verifies', async () => {
    const recs = fx.records();
    expect(recs.filter((r) => r.type === 'ssh.command').length).toBeGreaterThan(100);
    expect(recs.some((r) => r.type === 'ssh.command' && r.command === 'show version' && r.outcome === 'success')).toBe(true);
    const report = await fx.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBe(recs.length);
  });
});
