// The CIDR template helpers: cidr_address / cidr_network / cidr_prefix / cidr_mask / cidr_wildcard,
// as pure functions (edge prefixes, host bits, IPv6, bad input) and as templates render them
// (per-landing encoding, conditions, absent values, errors that name the variable, never the value).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CIDR_HELPERS, cidrPart, type CidrHelper } from '../../../src/template/cidr.js';
import { RenderScope, compileTemplate, type FieldSpec } from '../../../src/template/index.js';
import { failure } from './helpers.js';

const parts = (value: unknown): Record<CidrHelper, unknown> =>
  Object.fromEntries(CIDR_HELPERS.map((h) => {
    const r = cidrPart(h, value);
    return [h, r.ok ? r.value : `! ${r.problem}`];
  })) as Record<CidrHelper, unknown>;

describe('cidrPart: IPv4', () => {
  it.each([
    ['10.1.0.0/24', '10.1.0.0', '10.1.0.0', 24, '255.255.255.0', '0.0.0.255'],
    ['0.0.0.0/0', '0.0.0.0', '0.0.0.0', 0, '0.0.0.0', '255.255.255.255'],
    ['192.0.2.77/0', '192.0.2.77', '0.0.0.0', 0, '0.0.0.0', '255.255.255.255'],
    ['203.0.113.9/32', '203.0.113.9', '203.0.113.9', 32, '255.255.255.255', '0.0.0.0'],
    ['198.51.100.77/31', '198.51.100.77', '198.51.100.76', 31, '255.255.255.254', '0.0.0.1'],
    ['10.0.0.0/8', '10.0.0.0', '10.0.0.0', 8, '255.0.0.0', '0.255.255.255'],
    ['172.16.37.1/20', '172.16.37.1', '172.16.32.0', 20, '255.255.240.0', '0.0.15.255'],
    ['198.51.100.65/27', '198.51.100.65', '198.51.100.64', 27, '255.255.255.224', '0.0.0.31'],
    ['255.255.255.255/1', '255.255.255.255', '128.0.0.0', 1, '128.0.0.0', '127.255.255.255'],
  ])('%s', (cidr, address, network, prefix, mask, wildcard) => {
    expect(parts(cidr)).toEqual({ cidr_address: address, cidr_network: network, cidr_prefix: prefix, cidr_mask: mask, cidr_wildcard: wildcard });
  });

  it('host bits set: cidr_network clears them, cidr_address keeps the address as written', () => {
    expect(cidrPart('cidr_network', '10.1.0.5/24')).toEqual({ ok: true, value: '10.1.0.0' });
    expect(cidrPart('cidr_address', '10.1.0.5/24')).toEqual({ ok: true, value: '10.1.0.5' });
  });

  it('agrees with 32-bit arithmetic for any address and prefix', () => {
    const text = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (ip, prefix) => {
      const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
      const p = parts(`${text(ip)}/${prefix}`);
      expect(p).toEqual({
        cidr_address: text(ip), cidr_network: text((ip & mask) >>> 0), cidr_prefix: prefix, cidr_mask: text(mask), cidr_wildcard: text(~mask >>> 0),
      });
    }));
  });
});

describe('cidrPart: IPv6', () => {
  it('address, network and prefix in canonical form; no mask or wildcard', () => {
    const p = parts('2001:DB8:0:0:1::5/64');
    expect(p).toMatchObject({ cidr_address: '2001:db8::1:0:0:5', cidr_network: '2001:db8::', cidr_prefix: 64 });
    expect(p.cidr_mask).toBe('! is an IPv6 network: cidr_mask is for IPv4 only (IPv6 takes cidr_network and cidr_prefix)');
    expect(p.cidr_wildcard).toMatch(/^! is an IPv6 network: cidr_wildcard is for IPv4 only/);
  });

  it.each([
    ['::/0', '::', '::', 0],
    ['2001:db8::1/128', '2001:db8::1', '2001:db8::1', 128],
    ['2001:db8:abcd:12ff::1/52', '2001:db8:abcd:12ff::1', '2001:db8:abcd:1000::', 52],
    ['::ffff:10.1.2.3/120', '::ffff:a01:203', '::ffff:a01:200', 120],
  ])('%s', (cidr, address, network, prefix) => {
    expect(parts(cidr)).toMatchObject({ cidr_address: address, cidr_network: network, cidr_prefix: prefix });
  });
});

describe('cidrPart: bad input', () => {
  it.each([
    '10.1.0.0', '10.1.0.0/33', '10.1.0.0/', '/24', '10.1.0.0/-1', '10.1.0.0/2 4', ' 10.1.0.0/24', '10.1.0.0/24 ', '010.1.0.0/24',
    '10.1.0/24', '10.1.0.256/24', '::/129', 'fe80::1%eth0/64', 'host/24', '', '10.1.0.0/24\nreload', 24, null, {}, ['10.0.0.0/8'],
  ])('%j is not a CIDR for any helper', (value) => {
    for (const helper of CIDR_HELPERS) {
      expect(cidrPart(helper, value)).toEqual({ ok: false, problem: 'is not a network in CIDR notation (address/prefix, e.g. 10.1.0.0/24)' });
    }
  });
});

const fields: Record<string, FieldSpec> = { prefix: { type: 'cidr' }, source: { type: 'cidr' }, name: { type: 'string' } };
const scope = (data: Record<string, unknown>, csData: Record<string, unknown> = {}): RenderScope =>
  new RenderScope({ data, fields, csData });

describe('CIDR helpers in templates', () => {
  it('print the parts, encoded for each landing', () => {
    const s = scope({ prefix: '198.51.100.70/26' });
    expect(s.render('ip route {{cidr_network get_data.prefix}} {{cidr_mask get_data.prefix}} 203.0.113.1', 'cli')).toBe('ip route 198.51.100.64 255.255.255.192 203.0.113.1');
    expect(s.render('permit {{cidr_network get_data.prefix}} {{cidr_wildcard get_data.prefix}}', 'cli')).toBe('permit 198.51.100.64 0.0.0.63');
    expect(s.render('{"prefix": "{{cidr_network get_data.prefix}}", "len": {{cidr_prefix get_data.prefix}}}', 'json')).toBe('{"prefix": "198.51.100.64", "len": 26}');
    expect(s.render('/route={{cidr_network get_data.prefix}},{{cidr_mask get_data.prefix}}', 'url')).toBe('/route=198.51.100.64,255.255.255.192');
    expect(s.render('^ip route {{cidr_network get_data.prefix}} ', 'regex')).toBe('^ip route 198\\.51\\.100\\.64 ');
  });

  it('work in conditions (a /32 as a host); an absent value is false there', () => {
    const t = '{{#if (eq (cidr_prefix get_data.source) 32)}}host {{cidr_address get_data.source}}{{else}}{{#if get_data.source}}{{cidr_network get_data.source}} {{cidr_wildcard get_data.source}}{{else}}any{{/if}}{{/if}}';
    expect(scope({ source: '203.0.113.5/32' }).render(t, 'cli')).toBe('host 203.0.113.5');
    expect(scope({ source: '203.0.113.5/28' }).render(t, 'cli')).toBe('203.0.113.0 0.0.0.15');
    expect(scope({}).render(t, 'cli')).toBe('any');
    expect(scope({}).render('{{#if (cidr_mask get_data.source)}}m{{else}}none{{/if}}', 'text')).toBe('none');
    // ne on two absent values is false: an optional CIDR compared with an absent read-back
    expect(scope({}).render('{{#if (ne (cidr_network get_data.source) get_cs_data.back)}}differs{{/if}}', 'text')).toBe('');
  });

  it('an absent value printed through a helper is VNF_ERR_TEMPLATE_MISSING_VALUE naming the field', () => {
    const e = failure(() => scope({}).render('ip route {{cidr_network get_data.prefix}}', 'cli'), 'VNF_ERR_TEMPLATE_MISSING_VALUE');
    expect(e.message).toBe('template value get_data.prefix is missing');
  });

  it('a value that is not a CIDR is VNF_ERR_TEMPLATE_RENDER naming the variable, never the value', () => {
    const bad = failure(() => scope({ name: 'not-a-net; reload' }).render('{{cidr_mask get_data.name}}', 'cli'), 'VNF_ERR_TEMPLATE_RENDER');
    expect(bad.message).toBe('cidr_mask: get_data.name is not a network in CIDR notation (address/prefix, e.g. 10.1.0.0/24)');
    expect(bad.details).toEqual({ helper: 'cidr_mask', variable: 'get_data.name' });
    const ctx = failure(() => scope({}, { lan: '10.0.0.1' }).render('{{cidr_wildcard get_cs_data.lan}}', 'text'), 'VNF_ERR_TEMPLATE_RENDER');
    expect(ctx.message).toContain('cidr_wildcard: get_cs_data.lan is not a network');
    expect(ctx.message).not.toContain('10.0.0.1');
    const v6 = failure(() => scope({ prefix: '2001:db8::/32' }).render('{{cidr_mask get_data.prefix}}', 'json'), 'VNF_ERR_TEMPLATE_RENDER');
    expect(v6.message).toBe('cidr_mask: get_data.prefix is an IPv6 network: cidr_mask is for IPv4 only (IPv6 takes cidr_network and cidr_prefix)');
  });

  it('an IPv6 prefix prints through cidr_network / cidr_prefix', () => {
    expect(scope({ prefix: '2001:DB8::7/48' }).render('ipv6 route {{cidr_network get_data.prefix}}/{{cidr_prefix get_data.prefix}} Null0', 'cli'))
      .toBe('ipv6 route 2001:db8::/48 Null0');
  });

  it('values of earlier steps: parsed like any other; shown as a placeholder in a plan', () => {
    const s = scope({});
    const template = 'ip route {{cidr_network steps.r.net}} {{cidr_mask steps.r.net}}';
    expect(s.renderWith(compileTemplate(template, 'cli'), { stepPlaceholders: true })).toEqual({
      text: 'ip route <cidr_network(steps.r.net)> <cidr_mask(steps.r.net)>', deferred: true,
    });
    s.setStep('r', { net: '10.9.8.7/16' });
    expect(s.render(template, 'cli')).toBe('ip route 10.9.0.0 255.255.0.0');
    s.setStep('r', { net: '10.9.8.7/16 ; reload' });
    expect(failure(() => s.render(template, 'cli'), 'VNF_ERR_TEMPLATE_RENDER').message).toContain('steps.r.net is not a network');
  });

  it('a secret value stays secret through a helper', () => {
    const s = new RenderScope({ data: { prefix: '10.77.0.0/16' }, fields, secretData: ['prefix'] });
    expect(s.render('{{cidr_mask get_data.prefix}}', 'text')).toBe('255.255.0.0');
    expect(s.secretForms()).toContain('255.255.0.0');
  });
});
