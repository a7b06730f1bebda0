// The virtual-router install path (image/vr-userdata.sh) in a stand-in for a CloudStack 4.22+ VR:
// a fresh Debian 12 root filesystem with systemd and cloud-init but no Node.js (mmdebstrap), booted
// with systemd-nspawn inside a network namespace made here (the container's iptables rules and
// listeners never touch the host's). The user-data script, filled in as an operator would, reaches
// it through cloud-init's NoCloud seed, as the VR's cloud-postinit hands it over; the bundle and the
// Node runtime are served inside the namespace and pinned by SHA-256. Proves: cloud-init runs it
// once without errors, the broker serves mTLS with the config written by `firstboot`, the ALLOW_FROM
// rule is in place, and a second run (a VR restart re-running the script) is a fast no-op that leaves
// the running broker alone. Opt-in with the image test: VNF_IMAGE_TEST=1 (downloads ~60 MB of Debian
// packages); root, mmdebstrap and systemd-nspawn (systemd-container) needed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addNetns, deleteNetns, LAB_NS_PREFIX, labRunId } from '../lab/netns.js';
import { descendants, readText, run, startDaemon, waitFor, type Daemon } from '../lab/proc.js';
import { ROOT, brokerSection, bundleAndNode, has, makePki, sha256, type Pki } from './deploy-helpers.js';

const ADMIN_CN = 'vr-test-admin';
const VR_NAME = 'r-42-VM';
const FILES_PORT = 8080;
const API_PORT = 8443;

function skipReason(): string | undefined {
  if (process.env.VNF_IMAGE_TEST !== '1') return 'opt-in: set VNF_IMAGE_TEST=1 (boots a Debian 12 VR stand-in with systemd-nspawn)';
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespace, nspawn)';
  for (const b of ['mmdebstrap', 'systemd-nspawn', 'nsenter', 'ip', 'curl']) if (!has(b)) return `${b} not installed`;
  return undefined;
}
const skip = skipReason();
if (skip !== undefined && process.env.VNF_IMAGE_TEST === '1' && process.env.REQUIRE_LAB === '1') throw new Error(`VR install test required: ${skip}`);

/** vr-userdata.sh with its "fill in" block replaced, as the README tells an operator to do. */
function filledScript(o: { bundleSha: string; nodeSha: string; nodeFile: string; section: string }): string {
  const text = readFileSync(join(ROOT, 'image/vr-userdata.sh'), 'utf8');
  const begin = text.indexOf('# --- fill in');
  const end = text.indexOf('\n# -----', begin);
  if (begin < 0 || end < 0) throw new Error('vr-userdata.sh: fill-in block not found');
  const fill = [
    '# --- fill in (by the VR install test) ---',
    `BUNDLE_URL="http://127.0.0.1:${FILES_PORT}/vnf-broker-bundle.tar.gz"`,
    `BUNDLE_SHA256="${o.bundleSha}"`,
    `NODE_URL="http://127.0.0.1:${FILES_PORT}/${o.nodeFile}"`,
    `NODE_SHA256="${o.nodeSha}"`,
    'ALLOW_FROM="127.0.0.0/8"',
    "BROKER_SECTION=\"$(cat <<'YAML'",
    o.section.trimEnd(),
    'YAML',
    ')"',
  ].join('\n');
  return text.slice(0, begin) + fill + text.slice(end);
}

/** A minimal static file server (basename lookup only) for the bundle and the runtime. */
const FILE_SERVER = `
const [dir, port] = process.argv.slice(1);
const { createReadStream, statSync } = require('node:fs');
const { basename, join } = require('node:path');
require('node:http').createServer((req, res) => {
  const file = join(dir, basename(decodeURIComponent(req.url)));
  let size;
  try { size = statSync(file).size; } catch { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-length': size });
  createReadStream(file).pipe(res);
}).listen(Number(port), '127.0.0.1');`;

describe.skipIf(skip !== undefined)('virtual-router install (vr-userdata.sh) in a Debian 12 VR stand-in', () => {
  // made in beforeAll: a skipped suite's body still runs at collection, and nothing would remove it
  let dir = '';
  let rootfs = '';
  const ns = `${LAB_NS_PREFIX}vr-${labRunId()}`;
  let pki: Pki;
  let files: Daemon | undefined;
  let vr: Daemon | undefined;
  let init = 0;
  const inNs = ['nsenter', `--net=/run/netns/${ns}`, '--'];

  const inVr = (argv: string[], timeoutMs = 60_000) =>
    run(['nsenter', '-t', String(init), '-m', '-u', '-i', '-p', '-r', '-w', '--', ...argv], { timeoutMs, allowFail: true });
  const api = async (path: string, withCert = true) => {
    const auth = withCert ? ['--cert', join(dir, 'admin.crt'), '--key', join(dir, 'admin.key')] : [];
    const r = await run([...inNs, 'curl', '-sS', '--max-time', '5', '--cacert', join(dir, 'ca.crt'), ...auth,
      '-o', join(dir, 'body'), '-w', '%{http_code}', `https://127.0.0.1:${API_PORT}${path}`], { allowFail: true, timeoutMs: 10_000 });
    return { status: Number(r.stdout) || 0, body: readText(join(dir, 'body')), error: r.stderr };
  };
  const mainPid = async () => (await inVr(['systemctl', 'show', '-p', 'MainPID', '--value', 'vnf-broker.service'])).stdout.trim();

  beforeAll(async () => {
    dir = mkdtempSync(join('/var/tmp', 'vnf-vr-test-'));
    rootfs = join(dir, 'rootfs');
    const served = join(dir, 'served');
    mkdirSync(served);
    const { bundle, nodeTgz } = bundleAndNode(served);
    const nodeFile = nodeTgz.split('/').at(-1) ?? '';
    await run(['cp', nodeTgz, join(served, nodeFile)]);
    pki = await makePki('broker-vr-test', ADMIN_CN);
    writeFileSync(join(dir, 'ca.crt'), pki.ca.certPem);
    writeFileSync(join(dir, 'admin.crt'), pki.admin.cert);
    writeFileSync(join(dir, 'admin.key'), pki.admin.key, { mode: 0o600 });

    // The VR's own packages: Debian 12 with systemd and cloud-init, and no Node.js.
    await run(['mmdebstrap', '--quiet', '--variant=minbase', '--mode=root', '--format=directory',
      '--include=systemd,systemd-sysv,dbus,cloud-init,locales,curl,ca-certificates,iptables,iproute2',
      '--dpkgopt=path-exclude=/usr/share/doc/*', '--dpkgopt=path-exclude=/usr/share/man/*', '--dpkgopt=path-exclude=/usr/share/locale/*',
      'bookworm', rootfs, `deb ${process.env.MIRROR ?? 'http://deb.debian.org/debian'} bookworm main`], { timeoutMs: 15 * 60_000 });
    expect(existsSync(join(rootfs, 'usr/bin/node'))).toBe(false);
    // What CloudStack puts in place: the boot command line copy and the user data for cloud-init.
    writeFileSync(join(rootfs, 'etc/hostname'), `${VR_NAME}\n`);
    mkdirSync(join(rootfs, 'var/cache/cloud'), { recursive: true });
    writeFileSync(join(rootfs, 'var/cache/cloud/cmdline'), `template=domP name=${VR_NAME} type=router eth0ip=169.254.3.4`);
    const seed = join(rootfs, 'var/lib/cloud/seed/nocloud');
    mkdirSync(seed, { recursive: true });
    writeFileSync(join(seed, 'meta-data'), `instance-id: ${VR_NAME}\nlocal-hostname: ${VR_NAME}\n`);
    const section = brokerSection({ pki, zone: 'zone-vr-test', listen: `0.0.0.0:${API_PORT}`, adminCn: ADMIN_CN });
    writeFileSync(join(seed, 'user-data'), filledScript({
      bundleSha: sha256(readFileSync(bundle)), nodeSha: sha256(readFileSync(nodeTgz)), nodeFile, section,
    }));
    writeFileSync(join(rootfs, 'etc/cloud/cloud.cfg.d/90-vr-test.cfg'), 'datasource_list: [ NoCloud, None ]\nlocale: C.UTF-8\n');

    await addNetns(ns);
    files = startDaemon('vr files', [...inNs, process.execPath, '-e', FILE_SERVER, served, String(FILES_PORT)], join(dir, 'files.log'));
    // nsenter --net, not `ip netns exec`: that remounts /sys, hiding the cgroup hierarchy nspawn needs
    // CAP_NET_ADMIN: the script's iptables rule (in this test's own namespace, as the VR's in its own)
    vr = startDaemon('vr', [...inNs, 'systemd-nspawn', '-q', '--register=no', '--keep-unit', '--capability=CAP_NET_ADMIN', '-M', VR_NAME,
      '-D', rootfs, '-b'], join(dir, 'nspawn.log'));
    const nspawnPid = vr.pid;
    init = await waitFor('the VR stand-in to start systemd', () => descendants(nspawnPid).find((p) => readText(`/proc/${p}/comm`).trim() === 'systemd'), 30_000, 100);
  }, 20 * 60_000);

  afterAll(async () => {
    await vr?.stop(60_000);
    await files?.stop();
    await deleteNetns(ns).catch(() => undefined);
    // VNF_KEEP_ARTIFACTS=1 keeps the root filesystem and the logs (nspawn.log, cloud-init-output.log) for a look
    if (dir !== '' && process.env.VNF_KEEP_ARTIFACTS !== '1' && !descendants(process.pid).some((p) => readText(`/proc/${p}/comm`).includes('nspawn'))) {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('cloud-init runs the user data once, without errors, and the broker answers mTLS', async () => {
    const result = join(rootfs, 'var/lib/cloud/data/result.json');
    await waitFor('cloud-init to finish', () => existsSync(result) && vr?.isRunning(), 10 * 60_000, 500);
    const output = readText(join(rootfs, 'var/log/cloud-init-output.log'));
    expect((JSON.parse(readFileSync(result, 'utf8')) as { v1: { errors: unknown[] } }).v1.errors, output.slice(-3000)).toEqual([]);
    const done = /vnf-broker-vr: vnf-broker active, installed in (\d+) s/.exec(output);
    expect(done, output.slice(-3000)).not.toBeNull();
    process.stderr.write(`vr install: first run ${done?.[1]} s (download from the namespace, install, firstboot, start)\n`);

    const providers = await waitFor('an mTLS answer', async () => { const r = await api('/v1/providers'); return r.status === 200 && r; }, 60_000, 250);
    expect(providers.body).toContain('[');
    const anonymous = await api('/v1/providers', false);
    expect(anonymous.status === 0 || anonymous.status === 401 || anonymous.status === 403, JSON.stringify(anonymous)).toBe(true);
    // firstboot wrote the config; the runtime is npm's node 24; the service runs as its own user
    expect(readFileSync(join(rootfs, 'etc/vnf-broker/config.yaml'), 'utf8')).toContain(`:${API_PORT}`);
    expect((await inVr(['/usr/bin/node', '--version'])).stdout).toMatch(/^v24\./);
    const pid = await mainPid();
    expect(Number(pid)).toBeGreaterThan(0);
    expect((await inVr(['stat', '-c', '%U', `/proc/${pid}`])).stdout.trim()).toBe('vnf-broker');
    const rules = await inVr(['iptables', '-S', 'INPUT']);
    expect(rules.stdout).toContain(`-A INPUT -s 127.0.0.0/8 -p tcp -m tcp --dport ${API_PORT} -j ACCEPT`);
  }, 12 * 60_000);

  it('a second run (VR restart) is a fast no-op: nothing reinstalled, the running broker untouched', async () => {
    const before = await mainPid();
    const script = '/var/lib/cloud/instance/scripts/part-001';
    const t0 = Date.now();
    const again = await inVr(['/bin/bash', script], 120_000);
    const seconds = (Date.now() - t0) / 1000;
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/install: (installed|created)/);
    expect(await mainPid()).toBe(before);
    const rules = await inVr(['iptables', '-S', 'INPUT']);
    expect(rules.stdout.split('\n').filter((l) => l.includes(`--dport ${API_PORT}`))).toHaveLength(1);
    expect((await api('/v1/providers')).status).toBe(200);
    process.stderr.write(`vr install: second run ${seconds.toFixed(1)} s\n`);
    expect(seconds).toBeLessThan(60);
  }, 3 * 60_000);
});
