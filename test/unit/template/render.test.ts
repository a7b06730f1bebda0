import { describe, expect, it } from 'vitest';
import { RenderScope, type FieldSpec, type TemplateLanding } from '../../../src/template/index.js';
import { failure } from './helpers.js';

const fields: Record<string, FieldSpec> = {
  name: { type: 'string' },
  network: { type: 'ip' },
  prefix: { type: 'cidr' },
  port: { type: 'port' },
  seq: { type: 'integer' },
  enabled: { type: 'boolean' },
  action: { type: 'enum', values: ['permit', 'deny'] },
  key: { type: 'secret' },
};

function scope(data: Record<string, unknown>, csData: Record<string, unknown> = {}): RenderScope {
  return new RenderScope({ data, fields, secretData: ['key'], csData, secretCs: ['password'], now: new Date('2026-01-02T03:04:05.678Z') });
}

const INJECTIONS = ['"; reboot', 'x\nreload', 'x\rreload', '"}', '../../etc', '%0a', 'a\u2028b', 'a\u2029b', 'a\u0085b', 'a\u202eb'];

describe('cli landing', () => {
  it('types values in verbatim when they match their type', () => {
    const s = scope({ name: 'uplink to ISP-1', network: '198.51.100.1', port: 22, seq: 10, enabled: true, action: 'deny' });
    expect(s.render('x {{get_data.name}} {{get_data.network}} {{get_data.port}} {{get_data.seq}} {{get_data.enabled}} {{get_data.action}}', 'cli'))
      .toBe('x uplink to ISP-1 198.51.100.1 22 10 true deny');
  });

  it.each(INJECTIONS.filter((v) => /[\n\r\u2028\u2029\u0085\u202e]/.test(v)))('refuses line breaks and controls: %j', (value) => {
    const error = failure(() => scope({ name: value }).render('description {{get_data.name}}', 'cli'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(error.message).toContain('get_data.name');
    expect(error.message).not.toContain(value);
  });

  it('refuses a value that no longer matches its declared type', () => {
    // validated data cannot hold this; a caller that skips validation still cannot inject
    const error = failure(() => scope({ network: '198.51.100.1; reboot' }).render('ip route {{get_data.network}}', 'cli'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(error.message).toMatch(/get_data\.network.*type \(ip\)/);
    expect(error.message).not.toContain('reboot');
  });

  it('never echoes a secret value in an error', () => {
    const error = failure(() => scope({ key: 'pa55\nword' }).render('key {{get_data.key}}', 'cli'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    expect(JSON.stringify({ m: error.message, d: error.details })).not.toContain('pa55');
  });

  it('refuses objects from the context', () => {
    failure(() => scope({}, { nested: { a: 1 } }).render('{{get_cs_data.nested}}', 'cli'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
  });
});

describe('url, host, json, header, regex, credential landings', () => {
  it('percent-encodes URL values', () => {
    const s = scope({ name: '../../admin?x=1&y=%0a#frag' });
    expect(s.render('/api/rules/{{get_data.name}}', 'url')).toBe('/api/rules/..%2F..%2Fadmin%3Fx%3D1%26y%3D%250a%23frag');
    expect(scope({ name: 'a\u2028b' }).render('/q/{{get_data.name}}', 'url')).toBe('/q/a%E2%80%A8b');
  });

  it('validates hosts and brackets IPv6', () => {
    expect(scope({}, { h: '2001:db8::5' }).render('{{get_cs_data.h}}', 'host')).toBe('[2001:db8::5]');
    expect(scope({}, { h: '[2001:db8::5]' }).render('{{get_cs_data.h}}', 'host')).toBe('[2001:db8::5]');
    expect(scope({}, { h: '198.51.100.9' }).render('{{get_cs_data.h}}', 'host')).toBe('198.51.100.9');
    expect(scope({}, { h: 'fw-1.example.net' }).render('{{get_cs_data.h}}', 'host')).toBe('fw-1.example.net');
    for (const bad of ['evil.com/x', 'a@b', 'host:22', '1.2.3.4.5', '198.51.100.300', '-x.example', 'fe80::1%eth0', ' h']) {
      failure(() => scope({}, { h: bad }).render('{{get_cs_data.h}}', 'host'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    }
  });

  it.each(INJECTIONS)('keeps a JSON body intact for %j', (value) => {
    const body = scope({ name: value }).render('{"rule": {"description": "{{get_data.name}}", "enabled": "1"}}', 'json');
    expect(JSON.parse(body)).toEqual({ rule: { description: value, enabled: '1' } });
  });

  it('prints typed numbers and booleans unquoted in JSON', () => {
    expect(JSON.parse(scope({ port: 8443, enabled: true }).render('{"p": {{get_data.port}}, "e": {{get_data.enabled}}}', 'json')))
      .toEqual({ p: 8443, e: true });
  });

  it('refuses a string value placed outside a JSON string, even when it parses', () => {
    failure(() => scope({ name: 'true' }).render('{"a": {{get_data.name}}}', 'json'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    failure(() => scope({}, { list: '1, 2' }).render('{"a": [{{get_cs_data.list}}]}', 'json'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
  });

  it('reports a body template that is not JSON at all as a render error', () => {
    failure(() => scope({ name: 'x' }).render('{"a": "{{get_data.name}}"', 'json'), 'VNF_ERR_TEMPLATE_RENDER');
  });

  it('refuses CR/LF in headers', () => {
    expect(scope({ name: 'abc' }).render('Bearer {{get_data.name}}', 'header')).toBe('Bearer abc');
    failure(() => scope({ name: 'abc\r\nX-Injected: 1' }).render('Bearer {{get_data.name}}', 'header'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
  });

  it('regex-escapes values so patterns match them literally', () => {
    const pattern = scope({ name: '10.0.0.0/8 (a|b)*' }).render('^Route {{get_data.name}} is installed$', 'regex');
    const re = new RegExp(pattern, 'u');
    expect(re.test('Route 10.0.0.0/8 (a|b)* is installed')).toBe(true);
    expect(re.test('Route 10x0.0.0/8 a is installed')).toBe(false);
  });

  it('passes credentials raw but refuses control characters (PEM keys may span lines)', () => {
    expect(scope({}, { password: 'p@ss w"rd%' }).render('{{get_cs_data.password}}', 'credential')).toBe('p@ss w"rd%');
    failure(() => scope({}, { password: 'pw\nenable' }).render('{{get_cs_data.password}}', 'credential'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(scope({}, { private_key: pem }).render('{{get_cs_data.private_key}}', 'credential')).toBe(pem);
  });

  it('treats the text landing like a header: raw, no controls', () => {
    expect(scope({ name: 'a "b"' }).render('name={{get_data.name}}', 'text')).toBe('name=a "b"');
    failure(() => scope({ name: 'a\nb' }).render('name={{get_data.name}}', 'text'), 'VNF_ERR_TEMPLATE_UNSAFE_VALUE');
  });
});

describe('missing values and conditionals', () => {
  it('a missing value is an error naming the variable, never an empty string', () => {
    for (const [source, name] of [['{{get_data.seq}} permit', 'get_data.seq'], ['{{get_cs_data.vnf_api_key}}', 'get_cs_data.vnf_api_key']]) {
      const error = failure(() => scope({}).render(source as string, 'cli'), 'VNF_ERR_TEMPLATE_MISSING_VALUE');
      expect(error.message).toContain(name);
    }
  });

  it('presence tests work on absent optional fields', () => {
    const source = '{{#if get_data.seq}}{{get_data.seq}} {{/if}}permit any';
    expect(scope({}).render(source, 'cli')).toBe('permit any');
    expect(scope({ seq: 10 }).render(source, 'cli')).toBe('10 permit any');
    expect(scope({}).render('{{#unless get_cs_data.role}}default{{/unless}}', 'cli')).toBe('default');
  });

  it('uses handlebars truthiness on raw values (false, 0, empty are false; includeZero)', () => {
    expect(scope({ enabled: false }).render('{{#if get_data.enabled}}on{{else}}off{{/if}}', 'cli')).toBe('off');
    expect(scope({ seq: 0 }).render('{{#if get_data.seq}}y{{else}}n{{/if}}', 'cli')).toBe('n');
    expect(scope({ seq: 0 }).render('{{#if get_data.seq includeZero=true}}y{{else}}n{{/if}}', 'cli')).toBe('y');
    expect(scope({ name: '' }).render('{{#if get_data.name}}y{{else}}n{{/if}}', 'cli')).toBe('n');
  });

  it('eq compares raw values, not their encoded form', () => {
    // the URL encoding of "a b" is "a%20b"; the condition must still see "a b"
    const s = scope({ name: 'a b', port: 22 });
    expect(s.render('{{#if (eq get_data.name "a b")}}/x/{{get_data.name}}{{/if}}', 'url')).toBe('/x/a%20b');
    expect(s.render('{{#if (eq get_data.port 22)}}ssh{{/if}}{{#if (eq get_data.port "22")}}!{{/if}}', 'cli')).toBe('ssh!');
    expect(s.render('{{#if (ne get_data.name "a%20b")}}raw{{/if}}', 'url')).toBe('raw');
    // a value only tested, never printed, need not be printable where the template lands
    expect(scope({ name: 'multi\nline' }).render('{{#if (eq get_data.name "x")}}x{{else}}other{{/if}}', 'cli')).toBe('other');
  });

  it('and / or / not combine conditions', () => {
    const t = '{{#if (and get_data.enabled (or (eq get_data.action "deny") (not get_data.seq)))}}yes{{else}}no{{/if}}';
    expect(scope({ enabled: true, action: 'permit' }).render(t, 'cli')).toBe('yes');
    expect(scope({ enabled: true, action: 'permit', seq: 5 }).render(t, 'cli')).toBe('no');
    expect(scope({ enabled: false, action: 'deny' }).render(t, 'cli')).toBe('no');
  });

  it('context values named like Object.prototype members are plain lookups', () => {
    expect(scope({}).render('{{#if get_cs_data.constructor}}bad{{else}}ok{{/if}}', 'cli')).toBe('ok');
    failure(() => scope({}).render('{{get_cs_data.toString}}', 'cli'), 'VNF_ERR_TEMPLATE_MISSING_VALUE');
  });
});

describe('timestamp and secrets', () => {
  it('renders {{timestamp}} as ISO 8601 UTC from the injected clock, fixed per scope', () => {
    let calls = 0;
    const s = new RenderScope({ now: () => { calls += 1; return new Date(Date.UTC(2026, 4, 6, 7, 8, 9)); } });
    expect(s.render('{"t": "{{timestamp}}"}', 'json')).toBe('{"t": "2026-05-06T07:08:09.000Z"}');
    expect(s.render('{{timestamp}}', 'cli')).toBe('2026-05-06T07:08:09.000Z');
    expect(calls).toBe(1);
  });

  it('collects every encoded form a secret was printed in', () => {
    const s = scope({ key: 'a b"c' }, { password: 'p/w' });
    const landings: TemplateLanding[] = ['url', 'json', 'regex'];
    for (const landing of landings) s.render(landing === 'json' ? '"{{get_data.key}}"' : '{{get_data.key}}', landing);
    expect(s.secretForms()).toEqual(expect.arrayContaining(['a b"c', 'a%20b%22c', 'a b\\"c', 'p/w']));
    // longest first, so a secret that contains another is replaced whole
    const lengths = s.secretForms().map((f) => f.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
  });
});
