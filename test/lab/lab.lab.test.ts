// Lab smoke test: the real components answer as the broker will use them, isolation holds,
// and stop() leaves no namespace or process behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLab, labSkipReason } from './topology.js';
import { LAB_ADDR } from './addresses.js';
import { sshRun } from './openssh.js';
import { run, isAlive, waitFor } from './proc.js';
import { tcpProbe } from './proxy.js';
import { netnsPids } from './netns.js';
import type { Lab } from './lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

async function namespaces(): Promise<string[]> {
  return (await run(['ip', 'netns', 'list'])).stdout.split('\n').map((l) => l.split(' ')[0] ?? '').filter(Boolean);
}

/** Namespaces and PIDs a lab owns, collected before stop() so the test can prove they are gone. */
async function footprint(lab: Lab): Promise<{ ns: string[]; pids: number[] }> {
  const ns = (await namespaces()).filter((n) => n.startsWith(lab.info.appliance.ns.replace(/-appliance$/, '-')));
  const pids = (await Promise.all(ns.map((n) => netnsPids(n)))).flat();
  return { ns, pids };
}

async function expectGone(fp: { ns: string[]; pids: number[] }): Promise<void> {
  const left = await namespaces();
  expect(fp.ns.length).toBeGreaterThan(0);
  expect(fp.pids.length).toBeGreaterThan(0);
  expect(left.filter((n) => fp.ns.includes(n))).toEqual([]);
  expect(fp.pids.filter(isAlive)).toEqual([]);
}

describe.skipIf(skip !== undefined)('lab, one jump host', () => {
  let lab: Lab;
  beforeAll(async () => {
    const t0 = Date.now();
    lab = await startLab({ jumpHosts: 1, https: true, proxy: true, bgpPeer: true, client: true });
    console.log(`lab (1 hop, all services) up in ${Date.now() - t0} ms`);
  });
  afterAll(async () => { await lab?.stop(); });

  it('ssh -J reaches the appliance vtysh through the jump host, counted by both sshds', async () => {
    const jumpBefore = lab.sshd('jump1').acceptedLogins('vnfjump');
    const res = await sshRun(lab.info, 'appliance', 'show version');
    expect(res.stderr).toBe('');
    expect(res.stdout).toMatch(/FRRouting 8\.\d+\.\d+ \(vnf-appliance\)/);
    expect(res.code).toBe(0);
    expect(lab.sshd('jump1').acceptedLogins('vnfjump')).toBe(jumpBefore + 1);
    expect(lab.sshd('appliance').acceptedLogins('vnfadmin')).toBeGreaterThanOrEqual(1);
    expect(lab.sshd('appliance').sessions('vnfadmin')).toBeGreaterThanOrEqual(1);
  });

  it('the vtysh user also logs in with its password; a wrong one is refused', async () => {
    const ok = await sshRun(lab.info, 'appliance', 'show running-config', { password: lab.info.appliance.admin.password });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('hostname vnf-appliance');
    const bad = await sshRun(lab.info, 'appliance', 'show version', { password: 'wrong-password' });
    expect(bad.code).toBe(255);
    expect(lab.sshd('appliance').count(/Failed password for vnfadmin/)).toBeGreaterThanOrEqual(1);
  });

  it('the root user gets a bash shell with nft in the appliance namespaces', async () => {
    const res = await sshRun(lab.info, 'appliance-root', 'hostname; echo "$0"; nft list tables | wc -l; ip -br addr show eth0');
    expect(res.code).toBe(0);
    const [hostname, shell, , addr] = res.stdout.trim().split('\n');
    expect(hostname).toBe('vnf-appliance');
    expect(shell).toBe('bash');
    expect(addr).toContain('203.0.113.10/28');
  });

  it('isolation: only the jump host reaches the appliance', async () => {
    const t0 = Date.now();
    expect(await lab.tcpConnect('broker', LAB_ADDR.appliance, 22, 1_000)).toBe(false);
    expect(await lab.tcpConnect('broker', LAB_ADDR.peer, 179, 1_000)).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1_000); // no route: fails at once, nothing leaks elsewhere
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump1, 22, 1_000)).toBe(true);
    expect(await lab.tcpConnect('jump1', LAB_ADDR.appliance, 22, 1_000)).toBe(true);
    expect(await lab.tcpConnect('client', LAB_ADDR.appliance, 22, 1_000)).toBe(false);
  });

  it('HTTPS answers through tinyproxy (CONNECT only to the appliance) and through ssh -L', async () => {
    const https = lab.info.https!;
    const curl = (extra: string[], url: string): Promise<{ code: number; stdout: string }> =>
      run(['curl', '-sS', '--max-time', '5', '--cacert', https.cert.certPath, '-w', '\n%{http_code}', ...extra, url], { allowFail: true });
    const viaProxy = await curl(['--proxy', lab.info.proxy!.url], `${https.url}/api/status.json`);
    expect(viaProxy.code).toBe(0);
    expect(JSON.parse(viaProxy.stdout.split('\n')[0]!)).toEqual({ status: 'ok', hostname: 'vnf-appliance', version: '1.0.0' });
    const denied = await curl(['--proxy', lab.info.proxy!.url], `https://${LAB_ADDR.lastJumpInner}/`);
    expect(denied.code).not.toBe(0);
    const secure = await curl(['--proxy', lab.info.proxy!.url, '-u', `${https.apiUser}:${https.apiPassword}`], `${https.url}/api/secure/info.json`);
    expect(secure.stdout.trim().endsWith('200')).toBe(true);
    const unauthorised = await curl(['--proxy', lab.info.proxy!.url], `${https.url}/api/secure/info.json`);
    expect(unauthorised.stdout.trim().endsWith('401')).toBe(true);

    const port = 20_000 + (process.pid % 20_000);
    const tunnel = sshRun(lab.info, 'jump1', '', { extraArgs: ['-N', '-o', 'ExitOnForwardFailure=yes', '-L', `127.0.0.1:${port}:${LAB_ADDR.appliance}:443`], timeoutMs: 20_000 });
    try {
      await waitFor('ssh -L tunnel', () => tcpProbe('127.0.0.1', port, 200), 10_000, 50);
      const viaTunnel = await curl(['--connect-to', `${LAB_ADDR.appliance}:443:127.0.0.1:${port}`], `${https.url}/echo?x=1`);
      expect(JSON.parse(viaTunnel.stdout.split('\n')[0]!)).toMatchObject({ method: 'GET', uri: '/echo?x=1' });
    } finally {
      for (const line of (await run(['ss', '-Hltnp', `sport = :${port}`], { allowFail: true })).stdout.split('\n')) {
        const pid = /pid=(\d+)/.exec(line)?.[1];
        if (pid) process.kill(Number(pid), 'SIGTERM');
      }
      await tunnel;
    }
  });

  it('BGP with the peer comes up when configured over ssh (multi-line vtysh exec)', async () => {
    const peer = lab.info.bgpPeer!;
    const res = await sshRun(lab.info, 'appliance', [
      'configure terminal', `router bgp ${peer.applianceAsn}`, 'no bgp ebgp-requires-policy',
      `neighbor ${peer.address} remote-as ${peer.asn}`, `neighbor ${peer.address} timers 1 3`,
      `neighbor ${peer.address} timers connect 1`, 'end'].join('\n'));
    expect(res.code).toBe(0);
    await lab.frr('appliance').waitBgpEstablished(peer.address);
    const peerView = JSON.parse((await lab.peerVtysh(`show bgp neighbors ${peer.applianceAddress} json`)).stdout) as Record<string, { bgpState: string }>;
    expect(peerView[peer.applianceAddress]?.bgpState).toBe('Established');
  });

  it('an nft rule on the appliance blocks a client connect, and removing it restores it', async () => {
    await lab.listen('appliance', LAB_ADDR.applianceToClient, 8080);
    expect(await lab.tcpConnect('client', LAB_ADDR.applianceToClient, 8080, 1_000)).toBe(true);
    const add = await sshRun(lab.info, 'appliance-root',
      `nft add table inet fw && nft add chain inet fw input '{ type filter hook input priority 0; }' && nft add rule inet fw input ip saddr ${LAB_ADDR.client} tcp dport 8080 drop`);
    expect(add.code).toBe(0);
    expect(await lab.tcpConnect('client', LAB_ADDR.applianceToClient, 8080, 1_000)).toBe(false);
    expect((await lab.nft(['-j', 'list', 'table', 'inet', 'fw'])).stdout).toContain('"drop"');
    await lab.nft(['delete', 'table', 'inet', 'fw']);
    expect(await lab.tcpConnect('client', LAB_ADDR.applianceToClient, 8080, 1_000)).toBe(true);
  });

  it('block() blackholes an address; killSshd/startSshd take a jump host down and up', async () => {
    const unblock = await lab.block('broker', LAB_ADDR.jump1);
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump1, 22, 300)).toBe(false);
    await unblock();
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump1, 22, 1_000)).toBe(true);
    await lab.killSshd('jump1');
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump1, 22, 1_000)).toBe(false);
    await lab.startSshd('jump1');
    const res = await sshRun(lab.info, 'appliance', 'show version');
    expect(res.code).toBe(0);
  });

  it('stop() removes every namespace and process', async () => {
    const fp = await footprint(lab);
    await lab.stop();
    await expectGone(fp);
  });
});

describe.skipIf(skip !== undefined)('lab, two jump hosts', () => {
  let lab: Lab;
  beforeAll(async () => {
    const t0 = Date.now();
    lab = await startLab({ jumpHosts: 2 });
    console.log(`lab (2 hops) up in ${Date.now() - t0} ms`);
  });
  afterAll(async () => { await lab?.stop(); });

  it('ssh -J through both hops reaches the appliance; each hop reaches only its neighbour', async () => {
    const res = await sshRun(lab.info, 'appliance', 'show version');
    expect(res.stdout).toContain('FRRouting');
    expect(lab.sshd('jump2').acceptedLogins('vnfjump')).toBe(1);
    expect(lab.info.jumps.map((j) => j.host)).toEqual([LAB_ADDR.jump1, LAB_ADDR.jump2]);
    expect(await lab.tcpConnect('broker', LAB_ADDR.jump2, 22, 1_000)).toBe(false);
    expect(await lab.tcpConnect('jump1', LAB_ADDR.appliance, 22, 1_000)).toBe(false);
    expect(await lab.tcpConnect('jump2', LAB_ADDR.appliance, 22, 1_000)).toBe(true);
  });

  it('stop() removes every namespace and process', async () => {
    const fp = await footprint(lab);
    await lab.stop();
    await expectGone(fp);
  });
});
