// dictionaries/linux-frr.yaml through the workflow engine against a real appliance (FRR + nftables
// behind an OpenSSH jump host): firewall rules that really block, a BGP session that really comes up,
// static routes and NAT visible in vtysh/nft, every command in a verified audit log.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkflowEngine, type OperationResult, type WorkflowEngine } from '../../src/workflow/index.js';
import type { ApplianceContext, LoadedDictionary } from '../../src/dictionary/index.js';
import { VnfError } from '../../src/errors.js';
import type { ConnectionPool } from '../../src/transport/index.js';
import { startLab, labSkipReason } from '../lab/topology.js';
import { LAB_ADDR, LAB_ASN } from '../lab/addresses.js';
import { waitFor } from '../lab/proc.js';
import type { Lab } from '../lab/lab.js';
import { brokerFixture, type BrokerFixture } from '../transport/lab-broker.js';
import { linuxFrrAppliance, loadLinuxFrr, ruleId } from './linux-frr-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

interface Ran { service: string; operation: string; data: Record<string, unknown> }
interface FwRule { match: string; action: string; rule_id: string; handle: string }
interface BgpNeighborRow { neighbor: string; remote_as: number; state: string; prefixes_received: number | null; description: string | null }

describe.skipIf(skip !== undefined)('linux-frr dictionary through the engine (real FRR + nftables)', () => {
  let lab: Lab;
  let fx: BrokerFixture;
  let pool: ConnectionPool;
  let engine: WorkflowEngine;
  let dictionary: LoadedDictionary;
  let appliance: ApplianceContext;
  /** every operation that ran, to check the audit log against its plan at the end */
  const ran: Ran[] = [];

  const run = async (service: string, operation: string, data: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    ran.push({ service, operation, data });
    const out = await engine.runOperation({ dictionary, appliance, service, operation, data }) as OperationResult;
    expect(out.ok).toBe(true);
    return out.result as Record<string, unknown>;
  };
  const runFailing = async (service: string, operation: string, data: Record<string, unknown>): Promise<VnfError> => {
    try {
      await engine.runOperation({ dictionary, appliance, service, operation, data });
    } catch (e) {
      expect(e).toBeInstanceOf(VnfError);
      return e as VnfError;
    }
    throw new Error(`${service}.${operation} was expected to fail`);
  };
  const nft = async (...args: string[]): Promise<string> => {
    const res = await lab.nft(args);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout;
  };

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1, bgpPeer: true, client: true, forwarding: true });
    fx = brokerFixture('vnf-linux-frr-');
    pool = fx.pool();
    engine = createWorkflowEngine({ pool, audit: fx.audit, defaults: { operationTimeoutMs: 30_000 } });
    dictionary = await loadLinuxFrr();
    appliance = linuxFrrAppliance(lab.info);
  });
  afterAll(async () => {
    await pool?.close();
    fx?.dispose();
    await lab?.stop();
  });

  it('health checks: vtysh show version, tcp 22 through the jump, nft over the root login', async () => {
    const report = await engine.runHealthchecks({ dictionary, appliance });
    expect(report).toMatchObject({ ok: true });
    expect('checks' in report && report.checks.map((c) => [c.name, c.type, c.status])).toEqual([
      ['frr', 'ssh', 'pass'], ['ssh_port', 'tcp', 'pass'], ['nftables', 'ssh', 'pass'],
    ]);
  });

  it('FIREWALL_RULES create really blocks a forwarded TCP connect, list shows it, delete allows it again', async () => {
    await lab.listen('peer', LAB_ADDR.peer, 8080);
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000)).toBe(true);
    const id = ruleId();
    const rule = { rule_id: id, protocol: 'tcp', source_cidr: `${LAB_ADDR.client}/32`, dest_port: 8080, action: 'drop' };
    const created = await run('FIREWALL_RULES', 'create', rule);
    expect(created.handle).toMatch(/^\d+$/);
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000)).toBe(false);
    // the kernel's view: the rule with its CloudStack id and the handle the broker returned
    const json = JSON.parse(await nft('-j', 'list', 'chain', 'inet', 'cloudstack', 'forward')) as { nftables: Array<{ rule?: { handle: number; comment?: string } }> };
    expect(json.nftables.flatMap((o) => (o.rule ? [o.rule] : [])).map((r) => [r.comment, String(r.handle)])).toEqual([[`cs:${id}`, created.handle]]);

    // an unrelated rule in the input chain, so list has something to leave out
    const other = ruleId();
    await run('FIREWALL_RULES', 'create', { rule_id: other, chain: 'input', protocol: 'icmp', action: 'accept' });
    const listed = (await run('FIREWALL_RULES', 'list')).rules as FwRule[];
    expect(listed).toEqual([{ match: `ip saddr ${LAB_ADDR.client} tcp dport 8080`, action: 'drop', rule_id: id, handle: created.handle }]);
    const input = (await run('FIREWALL_RULES', 'list', { chain: 'input' })).rules as FwRule[];
    expect(input.map((r) => [r.rule_id, r.action])).toEqual([[other, 'accept']]);

    // a retried create (same CloudStack id) replaces the rule instead of adding a second one
    const again = await run('FIREWALL_RULES', 'create', { ...rule, action: 'reject' });
    expect(Number(again.handle)).toBeGreaterThan(Number(created.handle));
    const after = (await run('FIREWALL_RULES', 'list')).rules as FwRule[];
    expect(after.map((r) => [r.rule_id, r.action, r.handle])).toEqual([[id, 'reject', again.handle]]);
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000)).toBe(false);

    expect(await run('FIREWALL_RULES', 'delete', { rule_id: id })).toEqual({ deleted: { count: '1' } });
    expect(await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000)).toBe(true);
    expect((await run('FIREWALL_RULES', 'list')).rules).toEqual([]);
    expect(await nft('-a', 'list', 'chain', 'inet', 'cloudstack', 'forward')).not.toContain(id);
    // deleting what is gone is not an error (CloudStack retries)
    expect(await run('FIREWALL_RULES', 'delete', { rule_id: id })).toEqual({ deleted: { count: '0' } });
    expect(await run('FIREWALL_RULES', 'delete', { rule_id: other, chain: 'input' })).toEqual({ deleted: { count: '1' } });
  });

  it('FIREWALL_RULES refuses unsafe input before anything is sent', async () => {
    const before = fx.records().length;
    const bad = await runFailing('FIREWALL_RULES', 'create', {
      rule_id: "x'; nft flush ruleset; '", protocol: 'tcp', action: 'drop',
    });
    expect(bad.code).toBe('VNF_ERR_DATA_INVALID');
    const port = await runFailing('FIREWALL_RULES', 'create', { rule_id: ruleId(), protocol: 'tcp', dest_port: '80 accept', action: 'drop' });
    expect(port.code).toBe('VNF_ERR_DATA_INVALID');
    expect(fx.records().slice(before).filter((r) => r.type === 'ssh.command')).toEqual([]);
  });

  it('BGP add_neighbor brings a session to Established with the peer FRR; summary and neighbor_state report it', async () => {
    const peer = lab.info.bgpPeer!;
    await run('BGP', 'add_neighbor', { as_number: peer.applianceAsn, neighbor_ip: peer.address, remote_as: peer.asn, description: 'CloudStack peer 1' });
    // polled through the broker (bounded): the peer announces two prefixes once the session is up
    const row = await waitFor('BGP Established with 2 prefixes (via the broker)', async () => {
      const summary = (await run('BGP', 'summary')).bgp as { local_as: number; neighbors: BgpNeighborRow[] };
      const n = summary.neighbors.find((x) => x.neighbor === peer.address);
      return n?.state === 'Established' && n.prefixes_received === 2 ? { local: summary.local_as, n } : undefined;
    }, 20_000, 250);
    expect(row.local).toBe(LAB_ASN.appliance);
    expect(row.n).toMatchObject({ neighbor: peer.address, remote_as: peer.asn, state: 'Established', prefixes_received: 2, description: 'CloudStack peer 1' });
    // the peer agrees
    const peerView = JSON.parse((await lab.peerVtysh(`show bgp neighbors ${peer.applianceAddress} json`)).stdout) as Record<string, { bgpState: string }>;
    expect(peerView[peer.applianceAddress]?.bgpState).toBe('Established');
    const state = (await run('BGP', 'neighbor_state', { neighbor_ip: peer.address })).neighbor;
    expect(state).toMatchObject({ neighbor: peer.address, remote_as: String(peer.asn), local_as: String(peer.applianceAsn), state: 'Established' });
  });

  it('BGP advertise_network / withdraw_network reach the peer', async () => {
    const peer = lab.info.bgpPeer!;
    const network = '203.0.113.32/28'; // the appliance's connected client link
    const peerHas = async (): Promise<boolean> => (await lab.peerVtysh(`show ip bgp ${network} json`)).stdout.includes(`"${peer.applianceAddress}"`);
    expect(await peerHas()).toBe(false);
    await run('BGP', 'advertise_network', { as_number: peer.applianceAsn, network });
    await waitFor(`peer learns ${network}`, peerHas, 10_000, 100);
    await run('BGP', 'withdraw_network', { as_number: peer.applianceAsn, network });
    await waitFor(`peer forgets ${network}`, async () => !(await peerHas()), 10_000, 100);
  });

  it('a failed configuration command is an error, and the held vtysh shell recovers for the next operation', async () => {
    const peer = lab.info.bgpPeer!;
    const wrongAs = await runFailing('BGP', 'add_neighbor', { as_number: 65009, neighbor_ip: peer.address, remote_as: peer.asn });
    expect(wrongAs.code).toBe('VNF_ERR_SSH_COMMAND_FAILED');
    expect(wrongAs.message).toContain('BGP is already running');
    const unknown = await runFailing('BGP', 'neighbor_state', { neighbor_ip: '203.0.113.5' });
    expect(unknown.code).toBe('VNF_ERR_PARSE_ERROR_PATTERN');
    // the shell was left in (config)# by the failure: the next operation's leading `end` gets it out
    const summary = (await run('BGP', 'summary')).bgp as { neighbors: BgpNeighborRow[] };
    expect(summary.neighbors.map((n) => n.neighbor)).toEqual([peer.address]);
    expect((await lab.vtysh('show running-config')).stdout).not.toContain('65009');
  });

  it('BGP remove_neighbor tears the session down', async () => {
    const peer = lab.info.bgpPeer!;
    await run('BGP', 'remove_neighbor', { as_number: peer.applianceAsn, neighbor_ip: peer.address });
    const gone = await runFailing('BGP', 'neighbor_state', { neighbor_ip: peer.address });
    expect(gone.code).toBe('VNF_ERR_PARSE_ERROR_PATTERN');
    expect((await lab.vtysh('show running-config')).stdout).not.toContain(`neighbor ${peer.address}`);
    const peerView = JSON.parse((await lab.peerVtysh(`show bgp neighbors ${peer.applianceAddress} json`)).stdout) as Record<string, { bgpState: string }>;
    expect(peerView[peer.applianceAddress]?.bgpState).not.toBe('Established');
  });

  it('ROUTES add / list / remove, verified in show ip route', async () => {
    const showStatic = async (): Promise<string> => (await lab.vtysh('show ip route static')).stdout;
    await run('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: LAB_ADDR.client });
    await run('ROUTES', 'add', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer, distance: 200 });
    await waitFor('both static routes installed', async () => {
      const text = await showStatic();
      return text.includes(`S>* 198.51.100.96/28 [1/0] via ${LAB_ADDR.client}, eth2`) && text.includes(`S>* 198.51.100.112/28 [200/0] via ${LAB_ADDR.peer}, eth1`);
    }, 5_000, 50);
    const listed = await run('ROUTES', 'list');
    expect(listed.routes).toEqual([
      { prefix: '198.51.100.96/28', next_hop: LAB_ADDR.client },
      { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer, distance: '200' },
    ]);
    expect((listed.installed as Array<Record<string, string>>).map((r) => [r.prefix, r.next_hop, r.distance, r.selected, r.fib, r.interface])).toEqual([
      ['198.51.100.96/28', LAB_ADDR.client, '1', '>', '*', 'eth2'],
      ['198.51.100.112/28', LAB_ADDR.peer, '200', '>', '*', 'eth1'],
    ]);
    // kernel FIB too
    expect((await lab.exec('appliance', ['ip', 'route', 'show', '198.51.100.112/28'])).stdout).toContain(`via ${LAB_ADDR.peer} dev eth1`);

    await run('ROUTES', 'remove', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer });
    await waitFor('route removed', async () => !(await showStatic()).includes('198.51.100.112/28'), 5_000, 50);
    expect((await run('ROUTES', 'list')).routes).toEqual([{ prefix: '198.51.100.96/28', next_hop: LAB_ADDR.client }]);
    // removing a route that is gone succeeds (FRR: "% Refusing to remove a non-existent route")
    await run('ROUTES', 'remove', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer });
    await run('ROUTES', 'remove', { prefix: '198.51.100.96/28', next_hop: LAB_ADDR.client });
    expect((await run('ROUTES', 'list')).routes).toEqual([]);
  });

  it('SOURCE_NAT and PORT_FORWARDING create / list / delete in table ip nat; the port forward really forwards', async () => {
    const masq = ruleId();
    const snat = ruleId();
    const fwd = ruleId();
    expect((await run('SOURCE_NAT', 'create', { rule_id: masq, source_cidr: '203.0.113.32/28', out_interface: 'eth1' })).handle).toMatch(/^\d+$/);
    await run('SOURCE_NAT', 'create', { rule_id: snat, source_cidr: '198.51.100.96/28', out_interface: 'eth1', to_address: LAB_ADDR.applianceToPeer });
    await lab.listen('client', LAB_ADDR.client, 8081);
    expect(await lab.tcpConnect('peer', LAB_ADDR.applianceToPeer, 9091, 1_000)).toBe(false);
    const pf = await run('PORT_FORWARDING', 'create', {
      rule_id: fwd, protocol: 'tcp', public_ip: LAB_ADDR.applianceToPeer, public_port: 9091, private_ip: LAB_ADDR.client, private_port: 8081,
    });
    expect(await lab.tcpConnect('peer', LAB_ADDR.applianceToPeer, 9091, 1_000)).toBe(true);

    const table = await nft('list', 'table', 'ip', 'nat');
    expect(table).toContain(`ip saddr 203.0.113.32/28 oifname "eth1" masquerade comment "cs:${masq}"`);
    expect(table).toContain(`ip saddr 198.51.100.96/28 oifname "eth1" snat to ${LAB_ADDR.applianceToPeer} comment "cs:${snat}"`);
    expect(table).toContain(`ip daddr ${LAB_ADDR.applianceToPeer} tcp dport 9091 dnat to ${LAB_ADDR.client}:8081 comment "cs:${fwd}"`);

    const snats = (await run('SOURCE_NAT', 'list')).rules as Array<Record<string, string>>;
    expect(snats.map((r) => [r.rule_id, r.source_cidr, r.out_interface, r.to_address])).toEqual([
      [masq, '203.0.113.32/28', 'eth1', undefined], [snat, '198.51.100.96/28', 'eth1', LAB_ADDR.applianceToPeer],
    ]);
    expect((await run('PORT_FORWARDING', 'list')).rules).toEqual([{
      public_ip: LAB_ADDR.applianceToPeer, protocol: 'tcp', public_port: '9091', private_ip: LAB_ADDR.client, private_port: '8081', rule_id: fwd, handle: pf.handle,
    }]);

    expect(await run('PORT_FORWARDING', 'delete', { rule_id: fwd })).toEqual({ deleted: { count: '1' } });
    expect(await lab.tcpConnect('peer', LAB_ADDR.applianceToPeer, 9091, 1_000)).toBe(false);
    expect(await run('SOURCE_NAT', 'delete', { rule_id: masq })).toEqual({ deleted: { count: '1' } });
    const left = await nft('list', 'table', 'ip', 'nat');
    expect(left).not.toContain(masq);
    expect(left).not.toContain(fwd);
    expect(left).toContain(snat);
    expect((await run('PORT_FORWARDING', 'list')).rules).toEqual([]);
    expect(((await run('SOURCE_NAT', 'list')).rules as Array<Record<string, string>>).map((r) => r.rule_id)).toEqual([snat]);
    await run('SOURCE_NAT', 'delete', { rule_id: snat });
  });

  it('every command sent is in the audit log, secrets are not, and the chain verifies', async () => {
    const records = fx.records();
    const sent = new Set(records.filter((r) => r.type === 'ssh.command' && r.outcome === 'started').map((r) => `${(r as { service?: string }).service}.${(r as { operation?: string }).operation}\n${r.command}`));
    let checked = 0;
    for (const op of ran) {
      const plan = await engine.runOperation({ dictionary, appliance, service: op.service, operation: op.operation, data: op.data, dryRun: true });
      for (const step of plan.steps) {
        if (step.transport !== 'ssh') continue;
        for (const command of step.commands) {
          expect(sent.has(`${op.service}.${op.operation}\n${command}`), `${op.service}.${op.operation}: ${command}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(records.some((r) => r.type === 'ssh.command' && r.command === 'terminal length 0')).toBe(true);
    const text = readFileSync(fx.auditFile, 'utf8');
    const rootKey = readFileSync(lab.info.appliance.root.key.privateKeyPath, 'utf8');
    expect(text).not.toContain(rootKey.split('\n')[1]!);
    const report = await fx.verify();
    expect(report.ok).toBe(true);
    expect(report.records).toBe(records.length);
  });
});
