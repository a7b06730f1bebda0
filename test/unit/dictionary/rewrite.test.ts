import { describe, expect, it } from 'vitest';
import { rewriteSeedTemplate, referencedDataFields } from '../../../src/dictionary/seed-templates.js';
import { checkRegex, findNestedQuantifier, patternWithoutTemplates } from '../../../src/dictionary/regex-check.js';
import { scanTemplate } from '../../../src/dictionary/template-check.js';

const declared = new Set(['field', 'x']);
const rewrite = (s: string, d: ReadonlySet<string> | undefined = declared) => rewriteSeedTemplate(s, d).text;

describe('seed template rewriting', () => {
  it.each([
    ['{{get_cs_data.ip}}', '{{get_cs_data.ip}}'],
    ['{{get_cs_data:ip}}', '{{get_cs_data.ip}}'],
    ['{{ get_cs_data: ip }}', '{{get_cs_data.ip}}'],
    ['{{get_data:x}}', '{{get_data.x}}'],
    ['{{ get_data: x }}', '{{get_data.x}}'],
    ['{{x}}', '{{get_data.x}}'],
    ['{{mgmt_ip}}', '{{get_cs_data.mgmt_ip}}'],
    ['{{timestamp}}', '{{timestamp}}'],
    ["{{if eq .field 'v'}}on{{/if}}", '{{#if (eq get_data.field "v")}}on{{/if}}'],
    ['{{if get_data: field}}a{{/if}}', '{{#if get_data.field}}a{{/if}}'],
    ["{{if ne .field 'v'}}a{{else}}b{{end}}", '{{#if (ne get_data.field "v")}}a{{else}}b{{/if}}'],
    ['{{#if (eq get_data.x "a")}}y{{/if}}', '{{#if (eq get_data.x "a")}}y{{/if}}'],
  ])('%s → %s', (input, expected) => {
    expect(rewrite(input)).toBe(expected);
  });

  it('outside a service, bare names are context values', () => {
    expect(rewriteSeedTemplate('{{x}}', undefined).text).toBe('{{get_cs_data.x}}');
  });

  it('reports each rewrite with its offset; whitespace-only changes are not variants', () => {
    const { rewrites } = rewriteSeedTemplate('a {{get_data: x}} b {{ get_data.x }}', declared);
    expect(rewrites.map((r) => [r.offset, r.variant])).toEqual([[2, true], [20, false]]);
  });

  it('extracts field names from seed get_data entries', () => {
    expect(referencedDataFields('interface {{get_data: interface_name}}')).toEqual(['interface_name']);
    expect(referencedDataFields('{{ get_data.a }} {{b}}')).toEqual(['a', 'b']);
  });
});

describe('regex checks', () => {
  it.each(['(a+)+', '(\\w*)*', '(.+)*', '^(a|b+)+$', '((ab)*c)+', '(x+){2,}', '(?:\\d+\\s?)+$'])('rejects nested unbounded quantifier %s', (p) => {
    expect(findNestedQuantifier(p)).toMatch(/ReDoS/);
  });

  it.each(['(a+)?', '(ab)+', '\\d+(\\.\\d+){0,8}', '[(+]+', '\\(a+\\)+', '(a{1,3})+', '^[\\w.-]+[#>$] ?$'])('accepts %s', (p) => {
    expect(findNestedQuantifier(p)).toBeUndefined();
  });

  it('reports syntax errors and substitutes templates first', () => {
    expect(checkRegex('(')?.kind).toBe('syntax');
    expect(patternWithoutTemplates('Interface {{get_data.x}} is up{{#if get_data.y}}!{{/if}}')).toBe('Interface x is up!');
    expect(checkRegex(patternWithoutTemplates('Route {{get_data.n}} (installed|active)'))).toBeUndefined();
  });
});

describe('template scanning', () => {
  it('collects references', () => {
    const scan = scanTemplate('{{#if (and get_data.a (not get_data.b))}}{{get_cs_data.ip}} {{timestamp}}{{/if}}', 'text');
    expect(scan.problems).toEqual([]);
    expect(scan.dataRefs.map((r) => r.name)).toEqual(['a', 'b']);
    expect(scan.contextRefs).toEqual(['ip']);
  });

  it.each([
    ['{{#with get_data.a}}x{{/with}}', "unknown block helper 'with'"],
    ['{{log get_data.a}}', "unknown helper 'log'"],
    ['{{if get_data.a}}', "'if' is a block helper"],
    ['{{../x}}', 'is not available'],
    ['{{this}}', 'is not available'],
    ['{{get_data}}', "unknown variable 'get_data'"],
    ['{{#if a b}}x{{/if}}', 'exactly one condition'],
    ['{{#if (eq get_data.a get_data.b x=1)}}y{{/if}}', 'hash arguments'],
    ['{{#if get_data.a}}x{{/unless}}', 'template syntax error'],
  ])('%s → %s', (source, fragment) => {
    expect(scanTemplate(source, 'text').problems.map((p) => p.message).join('\n')).toContain(fragment);
  });
});
