// Faults against the real lab (one jump host): each ends with its specific VnfError within the
// configured timeout, is audited, and leaves the pool healthy for the next operation.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labSkipReason, startLab } from '../lab/topology.js';
import { LAB_ADDR } from '../lab/addresses.js';
import { generateSshKey, selfSignedCert } from '../lab/keys.js';
import { descendants } from '../lab/proc.js';
import type { Lab } from '../lab/lab.js';
import { brokerFixture, failure, labAppliance, rootLogin, rootShell, until, VTYSH, type BrokerFixture } from './lab-broker.js';
import type { ConnectionPool, TransportTimeouts } from '../../src/transport/index.js';
import type { ApplianceContext } from '../../src/dictionary/appliance-model.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

const TIMEOUTS: Partial<TransportTimeouts> = {
  readyMs: 3_000, forwardMs: 1_500, connectMs: 1_500, commandIdleMs: 5_000, commandTotalMs: 20_000, execMs: 20_000,
};
/** connect attempts per dial (pool reconnect policy) and the longest backoff between them */
const ATTEMPTS = 2;
const MAX_BACKOFF_MS = 100;
/** scheduling slack for a loaded two-core machine */
const MARGIN_MS = 1_500;

describe.skipIf(skip !== undefined)('transport faults (lab, one jump host)', () => {
  let lab: Lab;
  let fx: BrokerFixture;
  let pool: ConnectionPool;
  let a: ApplianceContext;

  /** a normal operation on the pinned appliance succeeds: the pool is healthy */
  const healthy = async (): Promise<void> => {
    const res = await (await pool.cli(a, VTYSH)).send('show version');
    expect(res.output).toContain('FRRouting');
  };
  /** waits until the pool noticed that its connections died (sshd killed) */
  const poolDrained = (): Promise<void> => until('pool to drop dead connections', () => pool.stats().targetConnections === 0);

  /** Replaces a host's sshd key and restarts it; returns the undo (old key back, restart). */
  async function rotateHostKey(role: 'jump1' | 'appliance'): Promise<() => Promise<void>> {
    const path = lab.sshd(role).hostKey.privateKeyPath;
    const saved = [readFileSync(path), readFileSync(`${path}.pub`)] as const;
    rmSync(path);
    rmSync(`${path}.pub`);
    await generateSshKey(path, `${role}-rotated`);
    await lab.killSshd(role);
    await lab.startSshd(role);
    return async () => {
      writeFileSync(path, saved[0], { mode: 0o600 });
      writeFileSync(`${path}.pub`, saved[1]);
      await lab.killSshd(role);
      await lab.startSshd(role);
    };
  }

  const rejected = (code: string): number => fx.records().filter((r) => r.type === 'hostkey.rejected' && r.error_code === code).length;

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, https: true });
    fx = brokerFixture();
    pool = fx.pool({ timeouts: TIMEOUTS, reconnect: { attempts: ATTEMPTS, baseMs: 50, maxMs: MAX_BACKOFF_MS } });
    a = labAppliance(lab.info);
    await healthy();
  });
  afterAll(async () => {
    await pool?.close();
    fx?.dispose();
    await lab?.stop();
  });

  it('a wrong host-key pin for the jump host: VNF_ERR_SSH_HOSTKEY_MISMATCH, nothing retried', async () => {
    const bad = labAppliance(lab.info, { id: 'bad-jump-pin', jumpHostKey: lab.info.appliance.hostKeyFingerprint });
    const logins = lab.sshd('jump1').acceptedLogins();
    const { error, ms } = await failure(() => pool.exec(bad, 'show version'));
    expect(error.code).toBe('VNF_ERR_SSH_HOSTKEY_MISMATCH');
    expect(error.message).toContain('hop 0 (jump vnfjump@198.51.100.3:22)');
    expect(ms).toBeLessThan(TIMEOUTS.readyMs!);
    expect(lab.sshd('jump1').acceptedLogins()).toBe(logins); // refused before authenticating
    expect(rejected('VNF_ERR_SSH_HOSTKEY_MISMATCH')).toBe(1);
    await healthy();
  });

  it('a wrong host-key pin for the appliance: VNF_ERR_SSH_HOSTKEY_MISMATCH', async () => {
    const bad = labAppliance(lab.info, { id: 'bad-app-pin', applianceHostKey: lab.info.jumps[0]!.hostKeyFingerprint });
    const { error, ms } = await failure(() => pool.cli(bad, VTYSH));
    expect(error.code).toBe('VNF_ERR_SSH_HOSTKEY_MISMATCH');
    expect(error.message).toContain('target vnfadmin@203.0.113.10:22');
    expect(ms).toBeLessThan(TIMEOUTS.readyMs!);
    expect(rejected('VNF_ERR_SSH_HOSTKEY_MISMATCH')).toBe(2);
    await healthy();
  });

  for (const role of ['jump1', 'appliance'] as const) {
    it(`a changed host key on ${role} after TOFU: VNF_ERR_SSH_HOSTKEY_CHANGED until the old key is back`, async () => {
      const tofu = labAppliance(lab.info, { id: `tofu-${role}`, pinned: false });
      expect((await pool.exec(tofu, 'show version')).stdout).toContain('FRRouting');
      const restore = await rotateHostKey(role);
      try {
        await poolDrained();
        const before = rejected('VNF_ERR_SSH_HOSTKEY_CHANGED');
        const { error, ms } = await failure(() => pool.exec(tofu, 'show version'));
        expect(error.code).toBe('VNF_ERR_SSH_HOSTKEY_CHANGED');
        expect(error.retryable).toBe(false);
        expect(ms).toBeLessThan(TIMEOUTS.readyMs!);
        expect(rejected('VNF_ERR_SSH_HOSTKEY_CHANGED')).toBe(before + 1);
      } finally {
        await restore();
      }
      await poolDrained();
      expect((await pool.exec(tofu, 'show version')).stdout).toContain('FRRouting');
      await healthy();
    });
  }

  it('bad credentials: VNF_ERR_SSH_AUTH for the appliance password and for the jump key', async () => {
    const badPassword = labAppliance(lab.info, { id: 'bad-password', password: 'not-the-password' });
    const app = await failure(() => pool.cli(badPassword, VTYSH));
    expect(app.error.code).toBe('VNF_ERR_SSH_AUTH');
    expect(app.error.message).toContain('target vnfadmin@203.0.113.10:22');
    expect(app.error.message).not.toContain('not-the-password');
    expect(app.ms).toBeLessThan(TIMEOUTS.readyMs! + MARGIN_MS);
    await until('sshd log', () => lab.sshd('appliance').count(/Failed password for vnfadmin/) >= 1);

    const badKey = labAppliance(lab.info, { id: 'bad-jump-key', jumpKeyFile: lab.info.appliance.admin.key.privateKeyPath });
    const jump = await failure(() => pool.exec(badKey, 'show version'));
    expect(jump.error.code).toBe('VNF_ERR_SSH_AUTH');
    expect(jump.error.message).toContain('hop 0 (jump vnfjump@198.51.100.3:22)');
    expect(jump.ms).toBeLessThan(TIMEOUTS.readyMs! + MARGIN_MS);
    await healthy();
  });

  it('the jump host down (sshd killed): VNF_ERR_NET_CONNECT fast; back up, the next operation works', async () => {
    await lab.killSshd('jump1');
    try {
      await poolDrained();
      const { error, ms } = await failure(() => pool.cli(a, VTYSH));
      expect(error.code).toBe('VNF_ERR_NET_CONNECT');
      expect(error.message).toContain('ECONNREFUSED');
      expect(ms).toBeLessThan(TIMEOUTS.connectMs! + MARGIN_MS);
    } finally {
      await lab.startSshd('jump1');
    }
    await healthy();
  });

  it('the appliance blackholed (nft drop): a new connection fails with VNF_ERR_NET_TIMEOUT within the forward timeout', async () => {
    const fresh = labAppliance(lab.info, { id: 'blackholed' });
    // drop everything between the jump host and the appliance, on the appliance (a silent blackhole)
    const unblock = await lab.block('appliance', LAB_ADDR.lastJumpInner);
    try {
      const { error, ms } = await failure(() => pool.exec(fresh, 'show version'));
      expect(error.code).toBe('VNF_ERR_NET_TIMEOUT');
      expect(error.message).toContain(`forward to 203.0.113.10:22 did not open within ${TIMEOUTS.forwardMs} ms`);
      const bound = ATTEMPTS * TIMEOUTS.forwardMs! + (ATTEMPTS - 1) * MAX_BACKOFF_MS;
      expect(ms).toBeGreaterThanOrEqual(TIMEOUTS.forwardMs! - 50);
      expect(ms).toBeLessThan(bound + MARGIN_MS);
      // a held session whose appliance goes dark: the command ends at the idle timeout, not a hang
      const cli = await failure(async () => (await pool.cli(a, VTYSH)).send('show version', { idleTimeoutMs: 1_000 }));
      expect(cli.error.code).toBe('VNF_ERR_SSH_PROMPT_TIMEOUT');
      expect(cli.ms).toBeLessThan(1_000 + MARGIN_MS);
    } finally {
      await unblock();
    }
    expect((await pool.exec(fresh, 'show version')).stdout).toContain('FRRouting');
    await healthy();
  });

  it('sshd killed mid-command: exec and a held shell end with VNF_ERR_SSH_DISCONNECTED; after restart the next operation works', async () => {
    const shell = await pool.cli(a, rootShell(lab.info));
    expect((await shell.send('echo ready')).output).toBe('ready');
    // a duration no other process on the host uses: pgrep sees every PID namespace's processes
    const LONG = 'sleep 5.37; echo done';
    const t0 = performance.now();
    const exec = failure(() => pool.exec(a, LONG, { login: rootLogin(lab.info) }));
    const held = failure(() => shell.send(LONG));
    await until('both commands running on the appliance', async () =>
      (await lab.exec('appliance', ['pgrep', '-c', '-f', '-x', String.raw`sleep 5\.37`])).stdout.trim() === '2');
    await lab.killSshd('appliance');
    try {
      const [e, h] = await Promise.all([exec, held]);
      expect(e.error.code).toBe('VNF_ERR_SSH_DISCONNECTED');
      expect(h.error.code).toBe('VNF_ERR_SSH_DISCONNECTED');
      expect(performance.now() - t0).toBeLessThan(4_000); // not the 5 s of the command
    } finally {
      await lab.startSshd('appliance');
    }
    await poolDrained();
    expect((await pool.exec(a, 'echo back', { login: rootLogin(lab.info) })).stdout).toBe('back\n');
    expect((await (await pool.cli(a, rootShell(lab.info))).send('hostname')).output).toBe('vnf-appliance');
    await healthy();
    const failed = fx.records().filter((r) => r.type === 'ssh.command' && r.command === LONG);
    expect(failed.map((r) => r.outcome).sort()).toEqual(['failure', 'failure', 'started', 'started']);
  });

  it('a prompt that never comes: VNF_ERR_SSH_PROMPT_TIMEOUT within the idle timeout (open and mid-session)', async () => {
    const never = { ...VTYSH, name: 'never', prompt: '^NEVER-MATCHES>$', idleTimeoutMs: 1_000 };
    const open = await failure(() => pool.cli(a, never));
    expect(open.error.code).toBe('VNF_ERR_SSH_PROMPT_TIMEOUT');
    expect(open.ms).toBeGreaterThanOrEqual(950);
    expect(open.ms).toBeLessThan(1_000 + MARGIN_MS);
    // a command that waits for input: no prompt ever comes back
    const shell = await pool.cli(a, rootShell(lab.info));
    const mid = await failure(() => shell.send('read -r line', { idleTimeoutMs: 1_000 }));
    expect(mid.error.code).toBe('VNF_ERR_SSH_PROMPT_TIMEOUT');
    expect(mid.ms).toBeLessThan(1_000 + MARGIN_MS);
    // the broken shell is replaced by a fresh one on the same connection
    expect((await shell.send('echo again')).output).toBe('again');
    await healthy();
  });

  it('a changed TLS certificate after TOFU: VNF_ERR_TLS_CERT_CHANGED; the old one back, requests work again', async () => {
    const https = lab.info.https!;
    const tofu = labAppliance(lab.info, { id: 'tls-tofu', pinned: false });
    const url = `${https.url}/api/status.json`;
    expect((await pool.http(tofu, { method: 'GET', url, verifySsl: false })).status).toBe(200);
    const saved = [readFileSync(https.cert.certPath), readFileSync(https.cert.keyPath)] as const;
    const fresh = await selfSignedCert(lab.info.dir, lab.info.appliance.hostname, [lab.info.appliance.host]);
    expect(fresh.certPath).toBe(https.cert.certPath);
    await reloadNginx(lab, fresh.fingerprint256);
    const second = fx.pool({ timeouts: TIMEOUTS }); // same known-certs file
    try {
      const { error, ms } = await failure(() => second.http(tofu, { method: 'GET', url, verifySsl: false }));
      expect(error.code).toBe('VNF_ERR_TLS_CERT_CHANGED');
      expect(error.message).toContain(fresh.fingerprint256);
      expect(ms).toBeLessThan(TIMEOUTS.connectMs! + MARGIN_MS);
      expect(rejected('VNF_ERR_TLS_CERT_CHANGED')).toBe(1);
      writeFileSync(https.cert.certPath, saved[0]);
      writeFileSync(https.cert.keyPath, saved[1], { mode: 0o600 });
      await reloadNginx(lab, https.cert.fingerprint256);
      expect((await second.http(tofu, { method: 'GET', url, verifySsl: false })).status).toBe(200);
    } finally {
      await second.close();
    }
    await healthy();
  });

  it('every fault above is in the audit log, and the log verifies', async () => {
    const recs = fx.records();
    const codes = new Set(recs.map((r) => r.error_code).filter(Boolean));
    for (const code of ['VNF_ERR_SSH_HOSTKEY_MISMATCH', 'VNF_ERR_SSH_HOSTKEY_CHANGED', 'VNF_ERR_SSH_DISCONNECTED',
      'VNF_ERR_SSH_PROMPT_TIMEOUT', 'VNF_ERR_TLS_CERT_CHANGED']) expect(codes).toContain(code);
    const report = await fx.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBe(recs.length);
  });
});

/** SIGHUP to the appliance's nginx master (by its PID file), then waits until it serves `fingerprint`. */
async function reloadNginx(lab: Lab, fingerprint: string): Promise<void> {
  const pid = Number(readFileSync(`${lab.info.dir}/appliance-nginx/nginx.pid`, 'utf8').trim());
  const oldWorkers = new Set(descendants(pid));
  process.kill(pid, 'SIGHUP');
  const fp = fingerprint.replace(/:/g, '').toUpperCase();
  // old workers finish gracefully and may still accept for a moment: wait until every one of them
  // has exited and a new worker (with the new certificate) runs
  await until('nginx old workers to exit', () => {
    const now = descendants(pid);
    return now.length > 0 && now.every((w) => !oldWorkers.has(w));
  }, 10_000);
  // probed from the jump host (the only neighbour of the appliance), inside the lab
  await until('nginx to serve the new certificate', async () => {
    const res = await lab.exec('jump1', ['sh', '-c',
      'openssl s_client -connect 203.0.113.10:443 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256'], { timeoutMs: 3_000 });
    return res.stdout.replace(/^.*=/, '').replace(/[:\s]/g, '').toUpperCase() === fp;
  }, 10_000);
}
