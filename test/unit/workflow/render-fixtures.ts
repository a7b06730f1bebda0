// Hand-built canonical dictionaries for render tests: the seed's Cisco IOS-XE services as the
// normaliser maps them, and a small HTTPS API dictionary in the OPNsense style.
import type { ApplianceContext } from '../../../src/dictionary/appliance-model.js';
import type { Connection, Dictionary, Service } from '../../../src/dictionary/model.js';

const str = { type: 'string', required: false } as const;

function conn(c: Partial<Connection> & Pick<Connection, 'name' | 'type' | 'port'>): Connection {
  return { host: '{{get_cs_data.mgmt_ip}}', verify_ssl: true, timeout: 30, ...c };
}

const routing: Service = {
  name: 'Routing',
  data: { network: str, subnet_mask: str, next_hop: str },
  operations: {
    add_static_route: {
      name: 'add_static_route',
      get_data: ['network', 'subnet_mask', 'next_hop'],
      steps: [{
        connection: 'primary',
        transport: 'ssh',
        commands: [
          'configure terminal',
          'router {{get_data.network}}',
          'ip route {{get_data.network}} {{get_data.subnet_mask}} {{get_data.next_hop}}',
          'exit',
        ],
        response: { format: 'cli', success_pattern: 'Route {{get_data.network}} is installed' },
      }],
    },
  },
};

const acl: Service = {
  name: 'ACL',
  data: {
    acl_name: str, sequence_number: { type: 'integer', required: false }, action: str,
    protocol: str, source_ip: str, destination_ip: str,
  },
  operations: {
    add_rule: {
      name: 'add_rule',
      get_data: ['acl_name', 'sequence_number', 'action', 'protocol', 'source_ip', 'destination_ip'],
      steps: [{
        connection: 'primary',
        transport: 'ssh',
        commands: [
          'configure terminal',
          'ip access-list {{get_data.acl_name}}',
          '{{#if get_data.sequence_number}}{{get_data.sequence_number}} {{get_data.action}} {{get_data.protocol}} {{get_data.source_ip}} {{get_data.destination_ip}} {{get_data.action}} {{/if}}',
          'exit',
        ],
      }],
    },
  },
};

const interfaces: Service = {
  name: 'Interfaces',
  data: { interface_name: str, ip_address: str, admin_status: str, description: str },
  operations: {
    configure: {
      name: 'configure',
      get_data: ['interface_name'],
      steps: [{
        connection: 'primary',
        transport: 'ssh',
        commands: [
          'configure terminal',
          'interface {{get_data.interface_name}}',
          'ip address {{get_data.ip_address}}',
          'description {{get_data.description}}',
          '{{#if (eq get_data.admin_status "down")}}shutdown{{/if}}',
          'exit',
        ],
      }],
    },
  },
};

const monitoring: Service = {
  name: 'Monitoring',
  data: {},
  operations: {
    get_interfaces: {
      name: 'get_interfaces',
      get_data: [],
      steps: [{
        connection: 'restconf',
        transport: 'https',
        method: 'GET',
        url: '/restconf/data/Cisco-IOS-XE-interfaces-oper:interfaces',
        response: { format: 'json', transform: { interfaces: '$.Cisco-IOS-XE-interfaces-oper:interfaces.interface' } },
      }],
    },
  },
};

export function ciscoSeed(): Dictionary {
  return {
    name: 'Cisco-IOS-XE v3',
    general_info: { version: '3.0', debug: true },
    connections: {
      primary: conn({ name: 'primary', type: 'ssh', port: 22, username: '{{get_cs_data.username}}', password: '{{get_cs_data.password}}' }),
      restconf: conn({ name: 'restconf', type: 'https', port: 443, username: '{{get_cs_data.username}}', password: '{{get_cs_data.password}}', verify_ssl: false }),
    },
    healthchecks: [],
    services: { Routing: routing, ACL: acl, Interfaces: interfaces, Monitoring: monitoring },
  };
}

export function firewallApi(): Dictionary {
  return {
    name: 'opnsense',
    general_info: { debug: false },
    connections: {
      api: conn({
        name: 'api', type: 'https', port: 443, host: '{{get_cs_data.management_ip}}', verify_ssl: false,
        username: '{{get_cs_data.api_key}}', password: '{{get_cs_data.api_secret}}', headers: { Accept: 'application/json' },
      }),
    },
    healthchecks: [],
    services: {
      Firewall: {
        name: 'Firewall',
        data: {
          action: { type: 'enum', values: ['pass', 'block'], required: true },
          description: { type: 'string', required: false },
          dest_ip: { type: 'ip', required: true },
          dest_port: { type: 'port', required: false },
          rule_uuid: { type: 'string', required: false, pattern: '^[0-9a-f-]{36}$' },
          psk: { type: 'secret', required: false },
        },
        operations: {
          create: {
            name: 'create',
            get_data: ['action', 'description', 'dest_ip', 'dest_port'],
            steps: [{
              connection: 'api',
              transport: 'https',
              method: 'POST',
              url: '/api/firewall/filter/addRule',
              headers: { 'Content-Type': 'application/json', 'X-Request-Time': '{{timestamp}}' },
              body: '{"rule": {"action": "{{get_data.action}}", "description": "{{get_data.description}}", "destination": "{{get_data.dest_ip}}"{{#if get_data.dest_port}}, "port": {{get_data.dest_port}}{{/if}}{{#if get_data.psk}}, "psk": "{{get_data.psk}}"{{/if}}}}',
              response: { format: 'json', transform: { uuid: '$.uuid' } },
            }],
          },
          delete: {
            name: 'delete',
            get_data: ['rule_uuid'],
            steps: [{ connection: 'api', transport: 'https', method: 'post', url: '/api/firewall/filter/delRule/{{get_data.rule_uuid}}' }],
          },
        },
      },
    },
  };
}

export function appliance(overrides: Partial<ApplianceContext> = {}): ApplianceContext {
  return {
    id: '40788551-cde4-4bf0-b1ad-893b596b3284',
    name: 'csr-001',
    management: { host: '198.51.100.10', ssh_port: 22 },
    credentials: { username: 'admin', password: 'Sup3r$ecret-pw', api_key: 'KEY-0123456789abcdef', api_secret: 'S3CR3T/+=api' },
    jump: [{ host: '203.0.113.3', port: 22, username: 'jump', password: 'jump-hop-pass' }],
    cs_data: { private_ip: '192.168.1.1' },
    ...overrides,
  };
}
