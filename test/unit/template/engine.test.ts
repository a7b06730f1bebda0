import { describe, expect, it } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import { KNOWN_HELPERS, compileTemplate, templateReferences } from '../../../src/template/index.js';

function compileFailure(source: string): VnfError {
  try {
    compileTemplate(source, 'cli');
  } catch (error) {
    expect(error).toBeInstanceOf(VnfError);
    expect((error as VnfError).code).toBe('VNF_ERR_TEMPLATE_COMPILE');
    return error as VnfError;
  }
  throw new Error(`expected ${source} not to compile`);
}

describe('compileTemplate', () => {
  it('compiles once per (landing, source)', () => {
    const a = compileTemplate('ip route {{get_data.network}}', 'cli');
    expect(compileTemplate('ip route {{get_data.network}}', 'cli')).toBe(a);
    expect(compileTemplate('ip route {{get_data.network}}', 'text')).not.toBe(a);
  });

  it('lists references and marks the ones only used in conditions', () => {
    const refs = templateReferences(
      '{{#if (and get_data.seq (not (eq get_cs_data.role "spoke")))}}{{get_data.seq}} {{get_data.action}}{{/if}} {{timestamp}}',
    );
    expect(refs).toEqual([
      { scope: 'get_data', name: 'seq', path: 'get_data.seq', conditionalOnly: false, inCondition: true, line: 1 },
      { scope: 'get_cs_data', name: 'role', path: 'get_cs_data.role', conditionalOnly: true, inCondition: true, line: 1 },
      { scope: 'get_data', name: 'action', path: 'get_data.action', conditionalOnly: false, inCondition: false, line: 1 },
      { scope: 'timestamp', name: 'timestamp', path: 'timestamp', conditionalOnly: false, inCondition: false, line: 1 },
    ]);
  });

  it('records the value helpers a variable is passed to; a helper argument is printed, or tested in a condition', () => {
    expect(templateReferences('ip route {{cidr_network get_data.p}} {{cidr_mask get_data.p}} {{#if (eq (cidr_prefix get_cs_data.n) 32)}}host{{/if}}')).toEqual([
      { scope: 'get_data', name: 'p', path: 'get_data.p', conditionalOnly: false, inCondition: false, line: 1, helpers: ['cidr_network', 'cidr_mask'] },
      { scope: 'get_cs_data', name: 'n', path: 'get_cs_data.n', conditionalOnly: true, inCondition: true, line: 1, helpers: ['cidr_prefix'] },
    ]);
  });

  it('reports the position of a syntax error inside the template', () => {
    const error = compileFailure('configure terminal\nrouter {{get_data.network');
    expect(error.details).toMatchObject({ line: 2, column: 19 });
    expect(error.message).toContain('line 2, column 19');
  });

  it('reports a mismatched block with its position', () => {
    expect(compileFailure('ab {{#if get_data.a}}x{{/unless}}').details).toMatchObject({ line: 1, column: 7 });
  });

  it.each([
    ['{{> partial}}', 'partials are not supported'],
    ['{{#each get_data.list}}x{{/each}}', "unknown block helper 'each'"],
    ['{{#with get_data}}x{{/with}}', "unknown block helper 'with'"],
    ['{{lookup get_data "x"}}', "unknown helper 'lookup'"],
    ['{{if get_data.a}}', "'if' is a block helper"],
    ['{{#if (lookup get_data "constructor")}}x{{/if}}', "unknown helper 'lookup'"],
    ['{{eq get_data.a "b"}}', "helper 'eq' can only be used inside"],
    ['{{#if (eq get_data.a)}}x{{/if}}', "'eq' takes 2 argument(s)"],
    ['{{@root.get_data.x}}', '@-variables are not supported'],
    ['{{this.get_data.x}}', "'this.get_data.x'"],
    ['{{../get_data.x}}', "'../get_data.x'"],
    ['{{mgmt_ip}}', "unknown variable 'mgmt_ip'"],
    ['{{get_data.a.constructor}}', "unknown variable 'get_data.a.constructor'"],
    ['{{get_data}}', "unknown variable 'get_data'"],
    ['{{#if get_data.a x=1}}y{{/if}}', 'accepts only includeZero'],
    ['{{*decorator}}', 'is not supported'],
    ['{{cidr_mask}}', "'cidr_mask' takes one value"],
    ['{{cidr_mask get_data.a get_data.b}}', "'cidr_mask' takes one value"],
    ['{{cidr_mask "10.0.0.0/8"}}', "'cidr_mask' takes a variable"],
    ['{{cidr_mask (cidr_network get_data.a)}}', "'cidr_mask' takes a variable"],
    ['{{#if (eq (cidr_prefix 24) 24)}}x{{/if}}', "'cidr_prefix' takes a variable"],
    ['{{cidr_mask get_data.a x=1}}', "'cidr_mask' takes one value"],
    ['{{cidr_netmask get_data.a}}', "unknown helper 'cidr_netmask'"],
  ])('refuses %s', (source, message) => {
    expect(compileFailure(source).message).toContain(message);
  });

  it('accepts the canonical forms the normaliser produces', () => {
    for (const source of [
      '{{get_data.x}} {{get_cs_data.y}} {{timestamp}}',
      '{{#if (eq get_data.admin_status "down")}}shutdown{{/if}}',
      '{{#unless get_data.f}}a{{else}}b{{/unless}}',
      '{{#if get_data.a}}A{{else if get_data.b}}B{{else}}C{{/if}}',
      '{{#if (or (ne get_data.a 1) get_data.b) includeZero=true}}x{{/if}}',
      '{"port": {{get_data.port}}}',
      '{{!-- a comment --}}text',
    ]) {
      expect(() => compileTemplate(source, 'text'), source).not.toThrow();
    }
  });

  it('exports the helper list', () => {
    expect([...KNOWN_HELPERS].sort()).toEqual([
      'and', 'cidr_address', 'cidr_mask', 'cidr_network', 'cidr_prefix', 'cidr_wildcard', 'eq', 'if', 'ne', 'not', 'or', 'unless', 'version_gte', 'version_lt',
    ]);
  });
});
