import { describe, expect, it } from 'vitest';
import { VnfError, type VnfErrorCode } from '../../../src/errors.js';
import { redactedPlan, renderOperation, type RenderOperationInput } from '../../../src/workflow/render-plan.js';
import { appliance, ciscoSeed, firewallApi } from './render-fixtures.js';

const NOW = new Date('2026-03-04T05:06:07.000Z');
const route = { network: '198.51.100.0', subnet_mask: '255.255.255.0', next_hop: '203.0.113.1' };

function failure(input: RenderOperationInput, code: VnfErrorCode): VnfError {
  try {
    renderOperation(input);
  } catch (error) {
    expect(error).toBeInstanceOf(VnfError);
    expect((error as VnfError).code).toBe(code);
    return error as VnfError;
  }
  throw new Error(`expected ${code}`);
}

describe('renderOperation: SSH (the seed Cisco IOS-XE dictionary)', () => {
  it('renders Routing.add_static_route to the IOS commands', () => {
    const out = renderOperation({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Routing', operation: 'add_static_route', data: route });
    expect(redactedPlan(out)).toEqual({
      steps: [{
        connection: 'primary',
        transport: 'ssh',
        commands: ['configure terminal', 'router 198.51.100.0', 'ip route 198.51.100.0 255.255.255.0 203.0.113.1', 'exit'],
      }],
    });
    expect(out.responses[0]?.patterns.success_pattern).toBe('Route 198\\.51\\.100\\.0 is installed');
    expect(out.connections.primary).toEqual({
      name: 'primary', type: 'ssh', host: '198.51.100.10', port: 22, username: 'admin', password: 'Sup3r$ecret-pw', verify_ssl: true, timeout: 30,
    });
  });

  it('drops commands that render empty, and keeps them when the condition holds', () => {
    const base = { acl_name: 'EDGE', action: 'permit', protocol: 'tcp', source_ip: 'any', destination_ip: 'host 203.0.113.5' };
    const without = renderOperation({ dictionary: ciscoSeed(), appliance: appliance(), service: 'ACL', operation: 'add_rule', data: base });
    expect(without.steps[0]).toEqual({ connection: 'primary', transport: 'ssh', commands: ['configure terminal', 'ip access-list EDGE', 'exit'] });
    const withSeq = renderOperation({ dictionary: ciscoSeed(), appliance: appliance(), service: 'ACL', operation: 'add_rule', data: { ...base, sequence_number: '10' } });
    expect(withSeq.steps[0]).toMatchObject({ commands: ['configure terminal', 'ip access-list EDGE', '10 permit tcp any host 203.0.113.5 permit ', 'exit'] });
  });

  it('eq on raw input selects the shutdown command', () => {
    const data = { interface_name: 'GigabitEthernet2', ip_address: '192.0.2.1 255.255.255.0', description: 'LAN', admin_status: 'down' };
    const out = renderOperation({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Interfaces', operation: 'configure', data });
    expect(out.steps[0]).toMatchObject({ commands: ['configure terminal', 'interface GigabitEthernet2', 'ip address 192.0.2.1 255.255.255.0', 'description LAN', 'shutdown', 'exit'] });
  });

  it('refuses a command injection through a string field', () => {
    const error = failure({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Routing', operation: 'add_static_route', data: { ...route, next_hop: '203.0.113.1\nreload' } }, 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(error.message).toContain('get_data.next_hop');
  });

  it('a value the template needs but the input lacks is an error naming it', () => {
    const error = failure({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Routing', operation: 'add_static_route', data: { network: '198.51.100.0' } }, 'VNF_ERR_TEMPLATE_MISSING_VALUE');
    expect(error.message).toContain('get_data.subnet_mask');
  });

  it('requires a field only for the operations that use it', () => {
    const out = renderOperation({ dictionary: firewallApi(), appliance: appliance(), service: 'Firewall', operation: 'delete', data: { rule_uuid: '123e4567-e89b-12d3-a456-426614174002' } });
    expect(out.steps).toHaveLength(1);
    const error = failure({ dictionary: firewallApi(), appliance: appliance(), service: 'Firewall', operation: 'create', data: { description: 'x' } }, 'VNF_ERR_DATA_INVALID');
    expect(error.details).toEqual([{ field: 'action', problem: 'is required' }, { field: 'dest_ip', problem: 'is required' }]);
  });

  it('validates data before anything renders', () => {
    const error = failure({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Routing', operation: 'add_static_route', data: { ...route, metric: 5 } }, 'VNF_ERR_DATA_INVALID');
    expect(error.details).toEqual([{ field: 'metric', problem: 'is not a declared field' }]);
  });

  it('names unknown services and operations', () => {
    expect(failure({ dictionary: ciscoSeed(), appliance: appliance(), service: 'NAT', operation: 'add' }, 'VNF_ERR_DICT_SERVICE_NOT_FOUND').message).toContain("'NAT'");
    expect(failure({ dictionary: ciscoSeed(), appliance: appliance(), service: 'Routing', operation: 'toString' }, 'VNF_ERR_DICT_OPERATION_NOT_FOUND').message).toContain('add_static_route');
  });
});

describe('renderOperation: HTTP', () => {
  const data = { action: 'pass', description: 'web "front"\u2028end', dest_ip: '203.0.113.7', dest_port: '443', psk: 'psk-Very-Secret' };

  it('builds an absolute URL, merged headers, basic auth and a JSON body', () => {
    const out = renderOperation({ dictionary: firewallApi(), appliance: appliance(), service: 'Firewall', operation: 'create', data, now: NOW });
    const step = out.steps[0];
    expect(step).toMatchObject({
      connection: 'api', transport: 'https', method: 'POST', url: 'https://198.51.100.10:443/api/firewall/filter/addRule',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-Request-Time': '2026-03-04T05:06:07.000Z' },
    });
    if (step?.transport === 'ssh' || !step) throw new Error('expected an HTTP step');
    expect(step.headers.Authorization).toBe(`Basic ${Buffer.from('KEY-0123456789abcdef:S3CR3T/+=api').toString('base64')}`);
    expect(JSON.parse(step.body ?? '')).toEqual({ rule: { action: 'pass', description: 'web "front"\u2028end', destination: '203.0.113.7', port: 443, psk: 'psk-Very-Secret' } });
  });

  it('redacts every secret in the printed plan, byte for byte', () => {
    const out = renderOperation({ dictionary: firewallApi(), appliance: appliance(), service: 'Firewall', operation: 'create', data, now: NOW });
    const printed = JSON.stringify(redactedPlan(out));
    const token = Buffer.from('KEY-0123456789abcdef:S3CR3T/+=api').toString('base64');
    for (const secret of ['psk-Very-Secret', 'KEY-0123456789abcdef', 'S3CR3T/+=api', 'Sup3r$ecret-pw', token, 'jump-hop-pass']) {
      expect(printed).not.toContain(secret);
    }
    const step = redactedPlan(out).steps[0];
    if (step?.transport === 'ssh' || !step) throw new Error('expected an HTTP step');
    expect(step.headers.Authorization).toBe('Basic ***');
    expect(JSON.parse(step.body ?? '')).toMatchObject({ rule: { psk: '***', action: 'pass' } });
    // the plan for the executor keeps the real values
    expect(JSON.stringify(out.steps)).toContain('psk-Very-Secret');
  });

  it('redacts secrets in their encoded forms (URL paths)', () => {
    const dictionary = firewallApi();
    const del = dictionary.services.Firewall?.operations.delete?.steps[0];
    if (!del) throw new Error('fixture');
    del.url = '/api/key/{{get_cs_data.api_secret}}/{{get_data.rule_uuid}}';
    const out = renderOperation({ dictionary, appliance: appliance(), service: 'Firewall', operation: 'delete', data: { rule_uuid: '123e4567-e89b-12d3-a456-426614174002' } });
    expect(out.steps[0]).toMatchObject({ method: 'POST', url: 'https://198.51.100.10:443/api/key/S3CR3T%2F%2B%3Dapi/123e4567-e89b-12d3-a456-426614174002', body: null });
    expect(JSON.stringify(redactedPlan(out))).not.toMatch(/S3CR3T/);
  });

  it('percent-encodes path values and brackets an IPv6 management address', () => {
    const out = renderOperation({
      dictionary: firewallApi(), appliance: appliance({ management: { host: '2001:db8::10' } }),
      service: 'Firewall', operation: 'create', data: { action: 'block', dest_ip: '2001:db8::7', description: 'v6' },
    });
    expect(out.steps[0]).toMatchObject({ url: 'https://[2001:db8::10]:443/api/firewall/filter/addRule' });
    expect(out.connections.api?.host).toBe('2001:db8::10');
  });

  it('refuses a host that is not a host name', () => {
    failure({
      dictionary: firewallApi(), appliance: appliance({ management: { host: 'evil.example/x?' } }),
      service: 'Firewall', operation: 'create', data: { action: 'block', dest_ip: '203.0.113.7' },
    }, 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
  });
});
