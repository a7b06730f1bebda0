// startLab(): builds the topology of addresses.ts from inside the broker namespace (the
// current one) with real sshd, FRR, nginx and tinyproxy, and returns a Lab to drive it.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { LAB_ADDR, LAB_ASN, LAB_HOSTNAMES, LAB_PORTS, LAB_SUBNETS, cidr } from './addresses.js';
import { LAB_NS_PREFIX, LabHost, addNetns, addVeth, inNetns, labRunId } from './netns.js';
import { generateSshKey, selfSignedCert } from './keys.js';
import { LAB_USERS, ensureUser, setPassword } from './users.js';
import { LabSshd } from './sshd.js';
import { LabFrr, prepareFrrDirs } from './frr.js';
import { LabHttps } from './https-server.js';
import { LabProxy } from './proxy.js';
import { Lab } from './lab.js';
import type { HostRole, LabInfo, LabParts, SshHop } from './lab.js';
import { writeSshClientConfig } from './ssh-client-config.js';

export interface LabOptions {
  jumpHosts?: 1 | 2;
  /** HTTPS API (nginx) on the appliance */
  https?: boolean;
  /** tinyproxy on jump1 (reaches the appliance only with jumpHosts: 1) */
  proxy?: boolean;
  /** second FRR instance peering with the appliance */
  bgpPeer?: boolean;
  /** namespace behind the appliance for firewall tests */
  client?: boolean;
  /** let the appliance route between peer and client (ip_forward=1 there only) */
  forwarding?: boolean;
  /** further appliance TCP ports the (last) jump host may forward to (vendor API simulators) */
  applianceTcpPorts?: readonly number[];
}

let labCounter = 0;

/** Why the lab cannot run here, or undefined when it can (the runner sets VNF_LAB_BROKER_NS). */
export function labSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'lab needs root';
  const ns = process.env.VNF_LAB_BROKER_NS;
  if (!ns) return 'not started by test/lab/run.ts (VNF_LAB_BROKER_NS unset)';
  // the root namespace must never send to lab addresses: refuse anywhere but the broker namespace
  if (!inNetns(ns)) return `not running inside the broker namespace ${ns}`;
  return undefined;
}

export async function startLab(options: LabOptions = {}): Promise<Lab> {
  const reason = labSkipReason();
  if (reason) throw new Error(`lab: ${reason}`);
  const brokerNs = process.env.VNF_LAB_BROKER_NS as string;
  const jumpCount = options.jumpHosts ?? 1;
  const runId = labRunId();
  const tag = `${LAB_NS_PREFIX}${runId}-${process.pid}x${++labCounter}`;
  const dir = mkdtempSync(`${tmpdir()}/vnf-lab-`);
  // sshd reads authorized_keys as the login user, nginx workers run as nobody: allow traversal
  chmodSync(dir, 0o711);
  const parts: LabParts = { hosts: new Map(), sshds: new Map(), frr: new Map(), namespaces: [] };
  const lab = new Lab({} as LabInfo, parts);
  try {
    const info = await build(options, jumpCount, tag, dir, brokerNs, runId, parts);
    Object.assign(lab.info, info);
    return lab;
  } catch (err) {
    Object.assign(lab.info, { dir });
    await lab.stop().catch(() => undefined);
    throw err;
  }
}

async function build(options: LabOptions, jumpCount: number, tag: string, dir: string, brokerNs: string,
  runId: string, parts: LabParts): Promise<LabInfo> {
  const roles: HostRole[] = ['jump1', ...(jumpCount === 2 ? ['jump2' as const] : []), 'appliance',
    ...(options.bgpPeer ? ['peer' as const] : []), ...(options.client ? ['client' as const] : [])];
  parts.hosts.set('broker', new LabHost('broker', brokerNs, dir));
  for (const role of roles) {
    const ns = `${tag}-${role}`;
    parts.namespaces.push(ns);
    await addNetns(ns);
    parts.hosts.set(role, new LabHost(role, ns, dir));
  }
  const ns = (role: HostRole): string => parts.hosts.get(role)?.ns as string;
  const lastJump: HostRole = jumpCount === 2 ? 'jump2' : 'jump1';

  // links (created from here, the broker namespace; the broker end stays here)
  const brokerIf = `vl${process.pid % 100_000}x${labCounter}`.slice(0, 15);
  await addVeth({ ns: brokerNs, ifname: brokerIf, cidr: cidr(LAB_ADDR.broker) }, { ns: ns('jump1'), ifname: 'eth0', cidr: cidr(LAB_ADDR.jump1) });
  if (jumpCount === 2) {
    await addVeth({ ns: ns('jump1'), ifname: 'eth1', cidr: cidr(LAB_ADDR.jump1Inner) }, { ns: ns('jump2'), ifname: 'eth0', cidr: cidr(LAB_ADDR.jump2) });
  }
  await addVeth({ ns: ns(lastJump), ifname: 'eth1', cidr: cidr(LAB_ADDR.lastJumpInner) }, { ns: ns('appliance'), ifname: 'eth0', cidr: cidr(LAB_ADDR.appliance) });
  if (options.bgpPeer) await addVeth({ ns: ns('appliance'), ifname: 'eth1', cidr: cidr(LAB_ADDR.applianceToPeer) }, { ns: ns('peer'), ifname: 'eth0', cidr: cidr(LAB_ADDR.peer) });
  if (options.client) await addVeth({ ns: ns('appliance'), ifname: 'eth2', cidr: cidr(LAB_ADDR.applianceToClient) }, { ns: ns('client'), ifname: 'eth0', cidr: cidr(LAB_ADDR.client) });
  if (options.forwarding && options.bgpPeer && options.client) {
    await parts.hosts.get('appliance')?.exec(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    await parts.hosts.get('client')?.exec(['ip', 'route', 'add', LAB_SUBNETS.appliancePeer, 'via', LAB_ADDR.applianceToClient]);
    await parts.hosts.get('peer')?.exec(['ip', 'route', 'add', LAB_SUBNETS.applianceClient, 'via', LAB_ADDR.applianceToPeer]);
  }

  // users (host-wide, fixed names) and per-lab credentials
  const adminPassword = `lab-${randomBytes(9).toString('base64url')}`;
  await ensureUser(LAB_USERS.jump, { shell: '/usr/sbin/nologin' });
  await ensureUser(LAB_USERS.admin, { shell: '/usr/bin/vtysh', groups: ['frrvty'] });
  await setPassword(LAB_USERS.admin, adminPassword);
  const [jumpKey, adminKey, rootKey, cert] = await Promise.all([
    generateSshKey(`${dir}/id_jump`, 'vnf-broker-jump'),
    generateSshKey(`${dir}/id_admin`, 'vnf-broker-admin'),
    generateSshKey(`${dir}/id_root`, 'vnf-broker-root'),
    options.https ? selfSignedCert(dir, LAB_HOSTNAMES.appliance, [LAB_ADDR.appliance]) : Promise.resolve(undefined),
  ]);

  // appliance and peer: own mount+UTS namespaces with their FRR dirs over /etc/frr and /var/run/frr
  const frrHosts: Array<['appliance' | 'peer', string, string]> = [['appliance', LAB_HOSTNAMES.appliance, applianceFrrConfig()]];
  if (options.bgpPeer) frrHosts.push(['peer', LAB_HOSTNAMES.peer, peerFrrConfig()]);
  await Promise.all(frrHosts.map(async ([role, hostname, config]) => {
    const host = parts.hosts.get(role) as LabHost;
    const dirs = await prepareFrrDirs(`${dir}/${role}`, hostname, config);
    await host.hold(hostname, [[dirs.etc, '/etc/frr'], [dirs.run, '/var/run/frr']]);
    const frr = new LabFrr(host, dirs);
    parts.frr.set(role, frr);
    await frr.start();
  }));

  // sshd: jump hosts forward only to the next hop; the appliance takes vtysh + root logins
  const applianceTargets = [LAB_PORTS.ssh, LAB_PORTS.https, ...(options.applianceTcpPorts ?? [])].map((port) => `${LAB_ADDR.appliance}:${port}`);
  const jumpSpecs: Array<[HostRole, string, string[]]> = jumpCount === 2
    ? [['jump1', LAB_ADDR.jump1, [`${LAB_ADDR.jump2}:${LAB_PORTS.ssh}`]], ['jump2', LAB_ADDR.jump2, applianceTargets]]
    : [['jump1', LAB_ADDR.jump1, applianceTargets]];
  const sshdStarts: Promise<void>[] = [];
  for (const [role, listen, permitOpen] of jumpSpecs) {
    const sshd = await LabSshd.create(parts.hosts.get(role) as LabHost, {
      listen, allowUsers: [LAB_USERS.jump], allowTcpForwarding: 'local', permitOpen,
      passwordAuthentication: false, permitRootLogin: 'no',
    });
    sshd.authorize(LAB_USERS.jump, jumpKey.publicKey);
    parts.sshds.set(role, sshd);
    sshdStarts.push(sshd.start());
  }
  const applianceSshd = await LabSshd.create(parts.hosts.get('appliance') as LabHost, {
    listen: LAB_ADDR.appliance, allowUsers: [LAB_USERS.admin, LAB_USERS.root, 'vnf*'], allowTcpForwarding: 'no',
    passwordAuthentication: true, permitRootLogin: 'prohibit-password',
  });
  applianceSshd.authorize(LAB_USERS.admin, adminKey.publicKey);
  applianceSshd.authorize(LAB_USERS.root, rootKey.publicKey);
  parts.sshds.set('appliance', applianceSshd);
  sshdStarts.push(applianceSshd.start());

  if (cert) {
    parts.https = await LabHttps.create(parts.hosts.get('appliance') as LabHost, cert, LAB_HOSTNAMES.appliance, `api-${randomBytes(9).toString('base64url')}`);
    sshdStarts.push(parts.https.start());
  }
  if (options.proxy) {
    parts.proxy = new LabProxy(parts.hosts.get('jump1') as LabHost, {
      listen: LAB_ADDR.jump1, port: LAB_PORTS.proxy, allowFrom: LAB_SUBNETS.brokerJump1,
      target: LAB_ADDR.appliance, targetPort: LAB_PORTS.https,
    });
    sshdStarts.push(parts.proxy.start());
  }
  await Promise.all(sshdStarts);

  const hop = (role: HostRole, host: string): SshHop => {
    const sshd = parts.sshds.get(role) as LabSshd;
    return { host, port: LAB_PORTS.ssh, username: LAB_USERS.jump, key: jumpKey,
      hostKeyFingerprint: sshd.hostKey.fingerprint, hostKeyLine: sshd.hostKey.publicKey };
  };
  const jumps = jumpSpecs.map(([role, listen]) => hop(role, listen));
  const info: LabInfo = {
    runId, dir, brokerNs, jumps,
    appliance: {
      ns: ns('appliance'), host: LAB_ADDR.appliance, port: LAB_PORTS.ssh, hostname: LAB_HOSTNAMES.appliance,
      hostKeyFingerprint: applianceSshd.hostKey.fingerprint, hostKeyLine: applianceSshd.hostKey.publicKey,
      admin: { username: LAB_USERS.admin, password: adminPassword, key: adminKey },
      root: { username: LAB_USERS.root, key: rootKey },
    },
    ...(parts.https && cert ? { https: { ...parts.https.info, host: LAB_ADDR.appliance, url: `https://${LAB_ADDR.appliance}`, cert } } : {}),
    ...(parts.proxy ? { proxy: { url: parts.proxy.url, host: LAB_ADDR.jump1, port: LAB_PORTS.proxy } } : {}),
    ...(options.bgpPeer ? { bgpPeer: { ns: ns('peer'), address: LAB_ADDR.peer, asn: LAB_ASN.peer, applianceAddress: LAB_ADDR.applianceToPeer, applianceAsn: LAB_ASN.appliance } } : {}),
    ...(options.client ? { client: { ns: ns('client'), address: LAB_ADDR.client, applianceAddress: LAB_ADDR.applianceToClient } } : {}),
    sshConfigPath: `${dir}/ssh_config`,
    knownHostsPath: `${dir}/known_hosts`,
  };
  writeSshClientConfig(info);
  writeFileSync(`${dir}/lab.json`, JSON.stringify({ ...info, dir }, null, 2));
  return info;
}

function applianceFrrConfig(): string {
  return `interface eth0\n description management\n!\nline vty\n!`;
}

/** The peer waits for the appliance (which a test configures) and announces two prefixes. */
function peerFrrConfig(): string {
  return `ip route 198.51.100.224/28 Null0
ip route 198.51.100.240/28 Null0
!
router bgp ${LAB_ASN.peer}
 bgp router-id ${LAB_ADDR.peer}
 no bgp ebgp-requires-policy
 neighbor ${LAB_ADDR.applianceToPeer} remote-as ${LAB_ASN.appliance}
 neighbor ${LAB_ADDR.applianceToPeer} timers 1 3
 neighbor ${LAB_ADDR.applianceToPeer} timers connect 1
 address-family ipv4 unicast
  redistribute static
 exit-address-family
!`;
}
