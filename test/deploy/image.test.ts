// The appliance image end to end: build it with image/build.sh (or reuse the cached build of the
// same inputs), boot it under qemu (KVM when /dev/kvm is usable, else TCG) with a CloudStack config
// drive made here (label config-2; user data with the vnf_broker section: CA, server certificate and
// key, this test's client certificate → admin, listen 0.0.0.0:8443), and call the mTLS API through
// qemu's user-mode network (hostfwd bound to 127.0.0.1). Opt-in: VNF_IMAGE_TEST=1 (a cold build
// downloads ~250 MB of Debian packages and the Node runtime; README "Install" has the timings).
// VNF_IMAGE_QCOW2=FILE tests that image instead of building one.
// The metrics listener (/healthz, /readyz) is loopback-only inside the guest by design, so readiness
// is the first answered mTLS request; the unit's own readiness is checked on the serial console.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, brokerSection, freePort, has, makePki, mtls, sh, sha256, type Pki } from './deploy-helpers.js';

const CACHE = join(ROOT, 'test/artifacts/image');
const BUILD_INPUTS = ['image/build.sh', 'image/install.sh', 'image/fetch-node.sh', 'image/config.yaml.sample', 'systemd/vnf-broker.service', 'systemd/vnf-broker-firstboot.service'];
const OVMF = ['/usr/share/ovmf/OVMF.fd', '/usr/share/OVMF/OVMF.fd'].find((p) => existsSync(p));
const ADMIN_CN = 'image-test-admin';

function skipReason(): string | undefined {
  if (process.env.VNF_IMAGE_TEST !== '1') return 'opt-in: set VNF_IMAGE_TEST=1 (builds and boots the qcow2 appliance)';
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (image/build.sh needs loop devices)';
  for (const b of ['qemu-system-x86_64', 'qemu-img', 'mmdebstrap', 'xorriso', 'sfdisk', 'mkfs.vfat']) if (!has(b)) return `${b} not installed`;
  if (!existsSync('/usr/lib/grub/i386-pc') || !existsSync('/usr/lib/grub/x86_64-efi')) return 'grub-pc-bin / grub-efi-amd64-bin not installed';
  return undefined;
}
const skip = skipReason();
if (skip !== undefined && process.env.VNF_IMAGE_TEST === '1' && process.env.REQUIRE_LAB === '1') throw new Error(`image test required: ${skip}`);

// VNF_IMAGE_ACCEL=kvm|tcg forces one; otherwise KVM when /dev/kvm is usable. Nested KVM can be
// present but unusable (seen under Firecracker: the guest never gets past GRUB), so a KVM boot that
// shows no kernel output within KVM_SIGN_OF_LIFE_MS is retried once under TCG.
let kvm = process.env.VNF_IMAGE_ACCEL === undefined || process.env.VNF_IMAGE_ACCEL === ''
  ? ((): boolean => { try { accessSync('/dev/kvm', constants.R_OK | constants.W_OK); return true; } catch { return false; } })()
  : process.env.VNF_IMAGE_ACCEL === 'kvm';
const KVM_SIGN_OF_LIFE_MS = 30_000;

/** image/build.sh output for these inputs: reused only when every input (bundle bytes included) is the same. */
function imageFor(bundle: string): { path: string; built: boolean; seconds: number } {
  mkdirSync(CACHE, { recursive: true });
  const epoch = sh('git', ['log', '-1', '--format=%ct']).trim() || '0';
  const key = sha256(JSON.stringify({
    bundle: sha256(readFileSync(bundle)),
    inputs: BUILD_INPUTS.map((f) => [f, sha256(readFileSync(join(ROOT, f)))]),
    env: [process.env.MIRROR ?? '', process.env.SECURITY_MIRROR ?? '', process.env.NODE_VERSION ?? '', process.env.DISK_SIZE ?? '', epoch],
  })).slice(0, 16);
  const path = join(CACHE, `vnf-broker-${key}.qcow2`);
  if (existsSync(path)) return { path, built: false, seconds: 0 };
  for (const old of readdirSync(CACHE)) if (/^vnf-broker-[0-9a-f]+\.qcow2$/.test(old)) rmSync(join(CACHE, old));
  const t0 = Date.now();
  sh(join(ROOT, 'image/build.sh'), [path], { BUNDLE: bundle, SOURCE_DATE_EPOCH: epoch });
  return { path, built: true, seconds: (Date.now() - t0) / 1000 };
}

/** A config drive as CloudStack's ConfigDriveBuilder lays it out, as an ISO9660 image labelled config-2. */
function configDrive(dir: string, pki: Pki): string {
  const userData = `#cloud-config\n${brokerSection({ pki, zone: 'zone-image-test', listen: '0.0.0.0:8443', adminCn: ADMIN_CN })}`;
  const d = join(dir, 'drive');
  for (const sub of ['cloudstack/userdata', 'cloudstack/metadata', 'openstack/latest']) mkdirSync(join(d, sub), { recursive: true });
  writeFileSync(join(d, 'cloudstack/userdata/user_data.txt'), userData);
  linkSync(join(d, 'cloudstack/userdata/user_data.txt'), join(d, 'openstack/latest/user_data'));
  const meta: Record<string, string> = { 'availability-zone': 'zone-image-test', 'instance-id': 'i-2-99-VM', 'local-hostname': 'broker-image-test', 'local-ipv4': '10.0.2.15' };
  for (const [k, v] of Object.entries(meta)) writeFileSync(join(d, 'cloudstack/metadata', `${k}.txt`), v);
  writeFileSync(join(d, 'openstack/latest/meta_data.json'), JSON.stringify({ availability_zone: meta['availability-zone'], hostname: meta['local-hostname'], uuid: 'f0e1d2c3-0000-4000-8000-000000000099' }));
  writeFileSync(join(d, 'openstack/latest/vendor_data.json'), '{}');
  const iso = join(dir, 'config-drive.iso');
  sh('xorriso', ['-as', 'mkisofs', '-J', '-r', '-V', 'config-2', '-o', iso, d]);
  return iso;
}

interface Vm { proc: ChildProcess; port: number; console: string; readySeconds: number }

async function boot(dir: string, image: string, iso: string, pki: Pki, firmware: 'bios' | 'uefi'): Promise<Vm> {
  const overlay = join(dir, `${firmware}.qcow2`);
  sh('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image, '-F', 'qcow2', overlay]);
  const port = await freePort();
  const consoleLog = join(dir, `${firmware}-console.log`);
  const args = [
    '-machine', 'q35', '-accel', kvm ? 'kvm' : 'tcg', '-cpu', kvm ? 'host' : 'max', '-m', '1024', '-smp', '2',
    '-display', 'none', '-serial', `file:${consoleLog}`, '-monitor', 'none', '-no-reboot',
    '-drive', `file=${overlay},if=virtio,format=qcow2`,
    '-drive', `file=${iso},media=cdrom,readonly=on`,
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${port}-:8443`, '-device', 'virtio-net-pci,netdev=n0',
  ];
  if (firmware === 'uefi' && OVMF !== undefined) args.push('-bios', OVMF);
  const t0 = Date.now();
  const proc = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const deadline = t0 + (kvm ? 300_000 : 900_000);
  for (;;) {
    if (kvm && Date.now() - t0 > KVM_SIGN_OF_LIFE_MS && !/Linux version|Freeing unused/.test(existsSync(consoleLog) ? readFileSync(consoleLog, 'latin1') : '')) {
      await stop({ proc, port, console: consoleLog, readySeconds: 0 });
      process.stderr.write(`image: no kernel output under KVM after ${KVM_SIGN_OF_LIFE_MS / 1000} s; KVM is not usable here, using TCG\n`);
      kvm = false;
      rmSync(overlay);
      return boot(dir, image, iso, pki, firmware);
    }
    if (proc.exitCode !== null) throw new Error(`qemu exited ${proc.exitCode}: ${stderr}\n${existsSync(consoleLog) ? readFileSync(consoleLog, 'utf8').slice(-4000) : ''}`);
    try {
      const r = await mtls(port, '/v1/openapi.json', pki);
      if (r.status === 200) break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`no mTLS answer within ${(deadline - t0) / 1000} s; console:\n${readFileSync(consoleLog, 'utf8').slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return { proc, port, console: consoleLog, readySeconds: (Date.now() - t0) / 1000 };
}

async function stop(vm: Vm | undefined): Promise<void> {
  if (vm === undefined || vm.proc.pid === undefined || vm.proc.exitCode !== null) return;
  const exited = new Promise<void>((r) => vm.proc.once('exit', () => r()));
  process.kill(vm.proc.pid, 'SIGTERM');
  const timer = setTimeout(() => { if (vm.proc.pid !== undefined && vm.proc.exitCode === null) process.kill(vm.proc.pid, 'SIGKILL'); }, 10_000);
  await exited;
  clearTimeout(timer);
}

describe.skipIf(skip !== undefined)(`appliance image under qemu (${skip ?? (kvm ? 'KVM' : 'TCG')})`, () => {
  // made in beforeAll: a skipped suite's body still runs at collection, and nothing would remove it
  let dir = '';
  let pki: Pki;
  let image: { path: string; built: boolean; seconds: number };
  let iso: string;
  const vms: Vm[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vnf-image-test-'));
    const given = process.env.VNF_IMAGE_QCOW2;   // test a given image (a release artifact) instead of building
    if (given !== undefined && given !== '') {
      image = { path: resolve(given), built: false, seconds: 0 };
    } else {
      const bundle = join(dir, 'vnf-broker-bundle.tar.gz');
      sh(join(ROOT, 'image/bundle.sh'), [bundle]);
      image = imageFor(bundle);
    }
    pki = await makePki('broker-image-test', ADMIN_CN);
    iso = configDrive(dir, pki);
  }, 45 * 60_000);

  afterAll(async () => {
    for (const vm of vms) await stop(vm);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('is a qcow2 of reasonable size', () => {
    const size = statSync(image.path).size;
    process.stderr.write(`image: ${image.path} ${(size / 2 ** 20).toFixed(0)} MiB${image.built ? `, built in ${image.seconds.toFixed(0)} s` : ' (cached)'}\n`);
    expect(JSON.parse(sh('qemu-img', ['info', '--output=json', image.path])) as { format: string }).toMatchObject({ format: 'qcow2' });
    expect(size).toBeLessThan(600 * 2 ** 20);
  });

  for (const firmware of ['bios', 'uefi'] as const) {
    it.skipIf(firmware === 'uefi' && OVMF === undefined)(`boots (${firmware}), configures itself from the config drive and answers mTLS`, async () => {
      const vm = await boot(dir, image.path, iso, pki, firmware);
      vms.push(vm);
      process.stderr.write(`image (${firmware}, ${kvm ? 'KVM' : 'TCG'}): boot to first mTLS answer ${vm.readySeconds.toFixed(1)} s\n`);
      const providers = await mtls(vm.port, '/v1/providers', pki);
      expect(providers.status, providers.body).toBe(200);
      // without a client certificate the handshake (or the request) is refused
      const anonymous = await mtls(vm.port, '/v1/providers', pki, false).then((r) => r.status, () => 'refused');
      expect(anonymous === 'refused' || anonymous === 401 || anonymous === 403).toBe(true);
      const log = readFileSync(vm.console, 'utf8');
      expect(log).not.toMatch(/Failed to start .*vnf-broker/);
      await stop(vm);
    }, 25 * 60_000);
  }
});
