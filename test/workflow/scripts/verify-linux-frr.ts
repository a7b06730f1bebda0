// Hand verification of dictionaries/linux-frr.yaml on a real lab appliance, before (and beside) the
// workflow engine: every operation is rendered from the dictionary and run on a real ConnectionPool
// (held vtysh shell, root exec channels); the script prints each result and cross-checks it with
// vtysh/nft run directly in the appliance namespace.
//   npx tsx test/lab/run.ts --script test/workflow/scripts/verify-linux-frr.ts
import { startLab } from '../../lab/topology.js';
import { LAB_ADDR, LAB_ASN } from '../../lab/addresses.js';
import { brokerFixture } from '../../transport/lab-broker.js';
import { renderOperation } from '../../../src/workflow/render-plan.js';
import { runSteps } from '../../../src/workflow/step-exec.js';
import { RunClock } from '../../../src/workflow/clock.js';
import { linuxFrrAppliance, loadLinuxFrr, ruleId } from '../linux-frr-lab.js';

const lab = await startLab({ jumpHosts: 1, bgpPeer: true, client: true, forwarding: true });
const fx = brokerFixture('vnf-linux-frr-');
const pool = fx.pool();
let failures = 0;
try {
  const dictionary = await loadLinuxFrr();
  const appliance = linuxFrrAppliance(lab.info);
  const op = async (service: string, operation: string, data: Record<string, unknown> = {}): Promise<unknown> => {
    const rendered = renderOperation({ dictionary, appliance, service, operation, data });
    const clock = new RunClock({ deadlineMs: 30_000, what: `${service}.${operation}` });
    try {
      const out = await runSteps({ pool, clock, appliance, dictionary: dictionary.dictionary, scope: rendered.scope,
        audit: { appliance: { id: appliance.id }, provider: 'linux-frr', service, operation, secrets: rendered.scope.secretForms() } }, rendered);
      console.log(`=== ${service}.${operation} ${JSON.stringify(data)}\n${JSON.stringify(out.result, null, 1)}`);
      return out.result;
    } catch (e) {
      failures++;
      console.log(`=== ${service}.${operation} FAILED: ${String(e)}`);
      return undefined;
    } finally {
      clock.dispose();
    }
  };
  const check = (what: string, ok: boolean): void => { if (!ok) failures++; console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`); };

  // firewall: a forward rule blocks client -> peer:8080 through the appliance
  await lab.listen('peer', LAB_ADDR.peer, 8080);
  check('client reaches peer:8080 before', await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000));
  const fw = ruleId();
  const created = await op('FIREWALL_RULES', 'create', { rule_id: fw, protocol: 'tcp', source_cidr: `${LAB_ADDR.client}/32`, dest_port: 8080, action: 'drop' });
  check('client blocked after create', !(await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000)));
  await op('FIREWALL_RULES', 'create', { rule_id: fw, protocol: 'tcp', source_cidr: `${LAB_ADDR.client}/32`, dest_port: 8080, action: 'reject' });
  await op('FIREWALL_RULES', 'create', { rule_id: ruleId(), protocol: 'icmp', dest_cidr: '203.0.113.16/28', action: 'accept' });
  await op('FIREWALL_RULES', 'create', { rule_id: ruleId(), protocol: 'udp', action: 'accept', chain: 'input' });
  await op('FIREWALL_RULES', 'list');
  await op('FIREWALL_RULES', 'list', { chain: 'input' });
  console.log((await lab.nft(['-a', 'list', 'table', 'inet', 'cloudstack'])).stdout);
  await op('FIREWALL_RULES', 'delete', { rule_id: fw });
  await op('FIREWALL_RULES', 'delete', { rule_id: fw });
  check('client reaches peer:8080 after delete', await lab.tcpConnect('client', LAB_ADDR.peer, 8080, 1_000));
  console.log('created', created);

  // NAT
  const sn = ruleId();
  await op('SOURCE_NAT', 'create', { rule_id: sn, source_cidr: '203.0.113.32/28', out_interface: 'eth1' });
  await op('SOURCE_NAT', 'create', { rule_id: ruleId(), source_cidr: '198.51.100.96/28', out_interface: 'eth1', to_address: LAB_ADDR.applianceToPeer });
  await op('SOURCE_NAT', 'list');
  const pf = ruleId();
  await lab.listen('client', LAB_ADDR.client, 8081);
  check('peer cannot reach appliance:9091 before dnat', !(await lab.tcpConnect('peer', LAB_ADDR.applianceToPeer, 9091, 1_000)));
  await op('PORT_FORWARDING', 'create', { rule_id: pf, protocol: 'tcp', public_ip: LAB_ADDR.applianceToPeer, public_port: 9091, private_ip: LAB_ADDR.client, private_port: 8081 });
  check('peer reaches client:8081 via appliance:9091 after dnat', await lab.tcpConnect('peer', LAB_ADDR.applianceToPeer, 9091, 1_000));
  await op('PORT_FORWARDING', 'list');
  console.log((await lab.nft(['-a', 'list', 'table', 'ip', 'nat'])).stdout);
  await op('PORT_FORWARDING', 'delete', { rule_id: pf });
  await op('SOURCE_NAT', 'delete', { rule_id: sn });
  await op('SOURCE_NAT', 'list');

  // routes
  await op('ROUTES', 'add', { prefix: '198.51.100.96/28', next_hop: LAB_ADDR.client });
  await op('ROUTES', 'add', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer, distance: 200 });
  await op('ROUTES', 'list');
  await op('ROUTES', 'remove', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer });
  await op('ROUTES', 'remove', { prefix: '198.51.100.112/28', next_hop: LAB_ADDR.peer });
  console.log((await lab.vtysh('show ip route static')).stdout);

  // BGP
  await op('BGP', 'summary');
  await op('BGP', 'add_neighbor', { as_number: LAB_ASN.appliance, neighbor_ip: LAB_ADDR.peer, remote_as: LAB_ASN.peer, description: 'CloudStack peer 1' });
  await op('BGP', 'advertise_network', { as_number: LAB_ASN.appliance, network: '198.51.100.96/28' });
  await lab.frr('appliance').waitBgpEstablished(LAB_ADDR.peer);
  await new Promise((r) => setTimeout(r, 1500));
  await op('BGP', 'summary');
  await op('BGP', 'neighbor_state', { neighbor_ip: LAB_ADDR.peer });
  await op('BGP', 'neighbor_state', { neighbor_ip: '203.0.113.5' });
  await op('BGP', 'add_neighbor', { as_number: 65009, neighbor_ip: LAB_ADDR.peer, remote_as: LAB_ASN.peer });
  await op('BGP', 'summary');
  await op('BGP', 'withdraw_network', { as_number: LAB_ASN.appliance, network: '198.51.100.96/28' });
  await op('BGP', 'remove_neighbor', { as_number: LAB_ASN.appliance, neighbor_ip: LAB_ADDR.peer });
  await op('BGP', 'summary');
  console.log((await lab.vtysh('show running-config')).stdout);

  // system
  await op('Network', 'configure_interface', { interface: 'eth2', address: '203.0.113.40/28' });
  await op('Network', 'list_interfaces');
  await op('System', 'change_password', { username: 'nosuchuser', new_password: 'x'.repeat(12) });
  console.log('expected failures so far: neighbor_state(unknown), add_neighbor(wrong AS), change_password(nosuchuser) = 3');
} finally {
  await pool.close();
  fx.dispose();
  await lab.stop();
}
console.log(`failures: ${failures}`);
