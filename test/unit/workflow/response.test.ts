import { describe, expect, it } from 'vitest';
import { parseResponse } from '../../../src/workflow/response.js';
import type { ResponseSpec } from '../../../src/dictionary/model.js';

const restconf = JSON.stringify({
  'Cisco-IOS-XE-interfaces-oper:interfaces': { interface: [{ name: 'GigabitEthernet1', 'admin-status': 'if-state-up' }, { name: 'GigabitEthernet2', 'admin-status': 'if-state-down' }] },
});

function codeOf(fn: () => unknown): string | undefined {
  try { fn(); } catch (error) { return (error as { code?: string }).code; }
  return undefined;
}

describe('parseResponse: json', () => {
  it('applies the seed Cisco transform (a path with dashes and a colon)', () => {
    const spec: ResponseSpec = { format: 'json', transform: { interfaces: '$.Cisco-IOS-XE-interfaces-oper:interfaces.interface' } };
    const out = parseResponse(spec, { text: restconf, status: 200 }) as { interfaces: { name: string }[] };
    expect(out.interfaces.map((i) => i.name)).toEqual(['GigabitEthernet1', 'GigabitEthernet2']);
  });

  it('returns arrays for wildcard paths and scalars for plain ones', () => {
    const spec: ResponseSpec = { format: 'json', transform: { names: '$..interface[*].name', first: '$.Cisco-IOS-XE-interfaces-oper:interfaces.interface[0].name' } };
    expect(parseResponse(spec, { text: restconf })).toEqual({ names: ['GigabitEthernet1', 'GigabitEthernet2'], first: 'GigabitEthernet1' });
  });

  it('a transform path that matches nothing is an error, not an empty result', () => {
    const spec: ResponseSpec = { format: 'json', transform: { uuid: '$.result.uuid' } };
    expect(codeOf(() => parseResponse(spec, { text: '{"result":{}}' }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('a path that can select several nodes is a list, and an empty list is an answer', () => {
    const spec: ResponseSpec = { format: 'json', transform: {
      wildcard: "$['Cisco-IOS-XE-acl:access-list-seq-rule'][*]", members: '$.nothing.*', descent: '$..sequence', union: '$.rows[0,1]', slice: '$.rows[0:2]',
    } };
    const empty = { wildcard: [], members: [], descent: [], union: [], slice: [] };
    expect(parseResponse(spec, { text: '{"ietf-restconf:errors": {"error": [{"error-tag": "invalid-value"}]}}', status: 404 })).toEqual(empty);
    expect(parseResponse(spec, { text: '{"rows": []}' })).toEqual(empty);
    const one = JSON.stringify({ 'Cisco-IOS-XE-acl:access-list-seq-rule': [{ sequence: '10' }], rows: ['a'] });
    expect(parseResponse(spec, { text: one })).toEqual({ wildcard: [{ sequence: '10' }], members: [], descent: ['10'], union: ['a'], slice: ['a'] });
  });

  it('an empty body (RESTCONF 204 No Content) is an empty list for a multi-node path, and no match for a single-node one', () => {
    const list: ResponseSpec = { format: 'json', transform: { routes: "$['Cisco-IOS-XE-native:route']['ip-route-interface-forwarding-list'][*]" } };
    expect(parseResponse(list, { text: '', status: 204 })).toEqual({ routes: [] });
    expect(parseResponse(list, { text: ' \n', status: 204 })).toEqual({ routes: [] });
    const single: ResponseSpec = { format: 'json', transform: { routes: "$['Cisco-IOS-XE-native:route']['ip-route-interface-forwarding-list']" } };
    expect(codeOf(() => parseResponse(single, { text: '', status: 204 }))).toBe('VNF_ERR_PARSE_NO_MATCH');
    // a body that is JSON but not an object or array holds no list either way
    expect(codeOf(() => parseResponse(list, { text: '"done"' }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('a single-node path to an empty array yields that array (the list must be there)', () => {
    const spec: ResponseSpec = { format: 'json', transform: { rules: '$.results' } };
    expect(parseResponse(spec, { text: '{"results": []}' })).toEqual({ rules: [] });
    expect(codeOf(() => parseResponse(spec, { text: '{"result": []}' }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('filter expressions stay disabled (script evaluation off), on any body', () => {
    const spec: ResponseSpec = { format: 'json', transform: { x: '$..interface[?(@.name=="GigabitEthernet1")]' } };
    expect(codeOf(() => parseResponse(spec, { text: restconf }))).toBe('VNF_ERR_PARSE_NO_MATCH');
    expect(codeOf(() => parseResponse(spec, { text: '', status: 204 }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('invalid JSON is VNF_ERR_PARSE_JSON and does not echo the body', () => {
    let message = '';
    try { parseResponse({ format: 'json' }, { text: '<html>secret-body</html>' }); } catch (e) { message = String((e as Error).message); expect((e as { code: string }).code).toBe('VNF_ERR_PARSE_JSON'); }
    expect(message).not.toContain('secret-body');
  });
});

describe('parseResponse: cli/text', () => {
  const output = 'Gi1 is up\nGi2 is administratively down\n';

  it('error pattern wins over success pattern', () => {
    expect(codeOf(() => parseResponse({ format: 'cli', success_pattern: 'is up', error_pattern: '^% Invalid' }, { text: '% Invalid input detected at marker\n' })))
      .toBe('VNF_ERR_PARSE_ERROR_PATTERN');
  });

  it('success pattern must match; named groups become fields', () => {
    expect(parseResponse({ format: 'cli', success_pattern: '^(?<ifname>Gi\\d) is up$' }, { text: output })).toEqual({ ifname: 'Gi1' });
    expect(codeOf(() => parseResponse({ format: 'cli', success_pattern: 'Route .* is installed' }, { text: output }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });

  it('regex-all transforms list every match; regex: takes the first', () => {
    const spec: ResponseSpec = { format: 'text', transform: { ifs: 'regex-all:^(?<name>Gi\\d) is (?<state>.+)$', first: 'regex:^(?<name>Gi\\d)' } };
    expect(parseResponse(spec, { text: output })).toEqual({
      ifs: [{ name: 'Gi1', state: 'up' }, { name: 'Gi2', state: 'administratively down' }],
      first: { name: 'Gi1' },
    });
  });

  it('an unknown transform is an error', () => {
    expect(codeOf(() => parseResponse({ format: 'cli', transform: { x: 'parse_nothing' } }, { text: output }))).toBe('VNF_ERR_PARSE_NO_MATCH');
  });
});
