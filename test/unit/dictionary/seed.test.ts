import { describe, expect, it } from 'vitest';
import { errors, loadFixture, summary, warnings } from './helpers.js';

function hasWarning(list: string[], line: number, fragment: string): boolean {
  return list.some((s) => s.startsWith(`${line}: `) && s.includes(fragment));
}

describe('seed Cisco-IOS-XE v3 dictionary (verbatim)', () => {
  const result = loadFixture('seed/cisco-ios-xe-v3.yaml');
  const w = summary(warnings(result));

  it('loads with warnings and no errors', () => {
    expect(errors(result)).toEqual([]);
    expect(result.loaded).toBeDefined();
  });

  it.each([
    [2, "top-level 'version' belongs in general_info"],
    [2, 'version 3.0 is a number: quote it (version: "3.0")'],
    [3, "top-level 'debug' belongs in general_info"],
    [8, 'seed template syntax {{mgmt_ip}}: write {{get_cs_data.mgmt_ip}}'],
    [14, "connection block 'restconf' at the top level: move it under connections:"],
    [22, 'healthchecks as a map'],
    [29, 'absolute URL: write connection: restconf and url: /restconf/data/Cisco-IOS-XE-interfaces-oper:interfaces'],
    [45, 'get_data entries are field names: write interface_name'],
    [46, 'method: ssh names a transport: write connection: primary'],
    [49, 'seed template syntax {{get_data: interface_name}}: write {{get_data.interface_name}}'],
    [51, "get_data.description is not declared in the data: of service 'Interfaces'"],
    [52, `{{if eq .admin_status 'down'}}: write {{#if (eq get_data.admin_status "down")}}`],
    [57, 'callback with method/url but no action: write action: http'],
    [125, 'seed template syntax {{if get_data: sequence_number}}: write {{#if get_data.sequence_number}}'],
    [161, 'method: restconf names a connection: write connection: restconf'],
    [162, "absolute URL: connection 'restconf' already has the address"],
  ])('warns at line %i: %s', (line, fragment) => {
    expect(hasWarning(w, line, fragment), w.join('\n')).toBe(true);
  });

  it('normalises to the canonical model', () => {
    const d = result.loaded!.dictionary;
    expect(d.general_info).toEqual({ version: '3.0', debug: true });
    expect(d.connections.restconf).toMatchObject({ type: 'https', host: '{{get_cs_data.mgmt_ip}}', port: 443, verify_ssl: false, timeout: 30 });
    expect(d.connections.primary).toMatchObject({ type: 'ssh', port: 22, username: '{{get_cs_data.username}}' });
    expect(d.healthchecks).toEqual([
      { name: 'ssh_connectivity', type: 'ssh', connection: 'primary', command: 'show version', expected_output: 'Cisco IOS Software', timeout: 10, retries: 0, interval: 5 },
      { name: 'restconf_api', type: 'http', connection: 'restconf', method: 'GET', url: '/restconf/data/Cisco-IOS-XE-interfaces-oper:interfaces', expected_status: 200, retries: 0, interval: 5 },
    ]);
    const configure = d.services.Interfaces!.operations.configure!;
    expect(configure.get_data).toEqual(['interface_name']);
    expect(configure.steps[0]).toMatchObject({ connection: 'primary', transport: 'ssh' });
    expect(configure.steps[0]!.commands![4]).toBe('{{#if (eq get_data.admin_status "down")}}shutdown{{/if}}');
    expect(configure.steps[0]!.response!.callback).toMatchObject({ action: 'http', method: 'POST' });
    expect(d.services.ACL!.operations.add_rule!.steps[0]!.commands![2]).toMatch(/^\{\{#if get_data\.sequence_number\}\}\{\{get_data\.sequence_number\}\} /);
    expect(d.services.Routing!.operations.add_static_route!.get_data).toEqual(['network', 'subnet_mask', 'next_hop']);
    expect(d.services.Monitoring!.operations.get_interfaces!.steps[0]).toMatchObject({ connection: 'restconf', transport: 'https', method: 'GET', url: '/restconf/data/Cisco-IOS-XE-interfaces-oper:interfaces' });
    expect(d.services.Monitoring!.operations.get_bgp_summary!.steps[0]!.response!.transform).toEqual({ bgp_status: 'parse_bgp_summary' });
  });

  it('records template sites with landing and source line', () => {
    const sites = result.loaded!.templateSites;
    const at = (pointer: string) => sites.find((s) => s.pointer === pointer);
    expect(at('/services/Interfaces/operations/configure/steps/0/commands/1')).toMatchObject({ landing: 'cli', service: 'Interfaces', line: 49, source: 'interface {{get_data.interface_name}}' });
    expect(at('/services/Interfaces/operations/configure/steps/0/response/success_pattern')).toMatchObject({ landing: 'regex', line: 56 });
    expect(at('/services/Interfaces/operations/configure/steps/0/response/callback/body')).toMatchObject({ landing: 'json' });
    expect(at('/services/Interfaces/operations/configure/steps/0/response/callback/url')).toMatchObject({ landing: 'url', line: 59 });
    expect(at('/connections/restconf/password')).toMatchObject({ landing: 'credential', line: 19 });
    expect(at('/connections/primary/host')).toMatchObject({ landing: 'host', line: 8 });
    expect(sites.every((s) => s.source.includes('{{'))).toBe(true);
  });

  it('fails under strict, while the undeclared field stays a warning', () => {
    const strict = loadFixture('seed/cisco-ios-xe-v3.yaml', true);
    expect(strict.loaded).toBeUndefined();
    expect(summary(errors(strict))).toContain('46: method: ssh names a transport: write connection: primary');
    expect(errors(strict).every((d) => d.rule === 'seed-variant' || d.rule === 'duplicate-key')).toBe(true);
    expect(warnings(strict).map((d) => d.rule)).toEqual(['undeclared-data-field']);
  });
});

describe('seed RouterOS health check and bootstrap block', () => {
  const result = loadFixture('seed/routeros-bootstrap.yaml');

  it('loads, synthesising the https connection its absolute URL needs', () => {
    expect(errors(result)).toEqual([]);
    expect(summary(warnings(result))).toEqual([
      "30: no connection matches https://{{get_cs_data.management_ip}}: synthesised connection 'https'; declare it under connections:",
    ]);
    const d = result.loaded!.dictionary;
    expect(d.connections.https).toMatchObject({ type: 'https', host: '{{get_cs_data.management_ip}}', port: 443, verify_ssl: true });
    expect(d.healthchecks[0]).toMatchObject({ type: 'http', connection: 'https', url: '/api/health', expected_status: 200, expected_output: 'OK' });
    expect(d.bootstrap).toMatchObject({ network_init: 'config_drive', initial_connection: { method: 'https', port: 443 } });
    expect(d.bootstrap!.initial_actions.map((a) => `${a.service}.${a.action}`)).toEqual(['System.change_password', 'Network.configure_interfaces']);
    expect(Array.isArray(d.bootstrap!.initial_actions[1]!.parameters)).toBe(true);
    expect(d.bootstrap!.ready_test).toMatchObject({ connection: 'cli', command: 'system status', retries: 10, interval: 5 });
  });

  it('fails under strict', () => {
    const strict = loadFixture('seed/routeros-bootstrap.yaml', true);
    expect(strict.loaded).toBeUndefined();
    expect(errors(strict).map((d) => d.line)).toEqual([30]);
  });
});

describe('seed OPNsense create block', () => {
  const result = loadFixture('seed/opnsense-create.yaml');
  const w = summary(warnings(result));

  it('loads with the expected warnings', () => {
    expect(errors(result)).toEqual([]);
    expect(hasWarning(w, 22, 'absolute URL: write connection: api and url: /api/firewall/filter/saveRule')).toBe(true);
    expect(hasWarning(w, 25, 'seed template syntax {{get_cs_data:vnf_api_key}}: write {{get_cs_data.vnf_api_key}}')).toBe(true);
    expect(hasWarning(w, 30, 'seed template syntax {{ get_data: action }}: write {{get_data.action}}')).toBe(true);
    expect(hasWarning(w, 43, 'transform ${...} syntax: write "$.result.uuid" (JSONPath)')).toBe(true);
    expect(hasWarning(w, 51, "duplicate key 'secret_key' (same value as line 50): remove one")).toBe(true);
  });

  it('normalises body, transform and callback', () => {
    const step = result.loaded!.dictionary.services.Firewall!.operations.create!.steps[0]!;
    expect(step).toMatchObject({ connection: 'api', transport: 'https', method: 'POST', url: '/api/firewall/filter/saveRule' });
    expect(step.headers).toEqual({ 'Content-Type': 'application/json', Authorization: '{{get_cs_data.vnf_api_key}}' });
    expect(step.body).toContain('"action": "{{get_data.action}}"');
    expect(step.response!.transform).toEqual({ opsense_rule_id: '$.result.uuid', status: '$.result.status', created_time: '$.result.created' });
    expect(step.response!.callback).toEqual({
      action: 'cloudstack-api',
      parameters: { api_key: '{{get_cs_data.user_api_key}}', secret_key: '{{get_cs_data.user_secret_key}}', command: 'xxxxx' },
    });
    const sites = result.loaded!.templateSites;
    expect(sites.find((s) => s.pointer.endsWith('/steps/0/body'))).toMatchObject({ landing: 'json', line: 26 });
    expect(sites.find((s) => s.pointer.endsWith('/parameters/secret_key'))?.landing).toBe('credential');
    expect(sites.find((s) => s.pointer.endsWith('/headers/Authorization'))?.landing).toBe('header');
  });

  it('fails under strict, the duplicate key included', () => {
    const strict = loadFixture('seed/opnsense-create.yaml', true);
    expect(strict.loaded).toBeUndefined();
    expect(errors(strict).some((d) => d.rule === 'duplicate-key' && d.line === 51)).toBe(true);
  });
});
