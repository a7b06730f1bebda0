import { describe, expect, it } from 'vitest';
import { parseKeyValue, parseTable } from '../../../src/dictionary/parsers/index.js';
import { expectNoMatch, fixture } from './fixtures.js';

describe('parse_table', () => {
  it('reads the captured FRR BGP neighbor table by header positions (right-aligned numbers too)', () => {
    const text = fixture('frr', 'show-ip-bgp-summary.txt');
    const table = text.slice(text.indexOf('Neighbor'), text.indexOf('Total number'));
    const rows = parseTable(table);
    expect(rows).toEqual([
      { neighbor: '203.0.113.5', v: '4', as: '65003', msg_rcvd: '0', msg_sent: '0', tbl_ver: '0', inq: '0', outq: '0', up_down: 'never', state_pfx_rcd: 'Connect', pfx_snt: '0', desc: 'unreachable-peer' },
      expect.objectContaining({ neighbor: '203.0.113.18', as: '65002', up_down: expect.stringMatching(/^\d\d:\d\d:\d\d$/), state_pfx_rcd: '2', desc: 'N/A' }),
    ]);
  });

  it('keys are lower_snake header names; separator lines are skipped; multi-word cells join', () => {
    const rows = parseTable(fixture('ios', 'show-ip-interface-brief.txt'));
    expect(Object.keys(rows[0]!)).toEqual(['interface', 'ip_address', 'ok', 'method', 'status', 'protocol']);
    expect(rows[2]).toMatchObject({ status: 'administratively down', protocol: 'down' });
    expect(parseTable(fixture('frr', 'show-interface-brief.txt'))[3]).toEqual({ interface: 'lo', status: 'up', vrf: 'default', addresses: '' });
  });

  it('duplicate headers get a suffix; text without a header is a parse error', () => {
    expect(parseTable('Port  Port  State\n22    23    open\n')).toEqual([{ port: '22', port_2: '23', state: 'open' }]);
    for (const text of ['', 'single\nwords\n', '-----\n']) expectNoMatch(() => parseTable(text));
  });
});

describe('parse_key_value', () => {
  it('Cisco show inventory: several pairs per line, quoted values, one record per block', () => {
    const records = parseKeyValue(fixture('ios', 'show-inventory.txt'));
    expect(Array.isArray(records) && records.length).toBe(3);
    expect((records as Array<Record<string, string>>)[0]).toEqual({ name: 'Chassis', descr: 'Cisco ISR4331 Chassis', pid: 'ISR4331/K9', vid: 'V04', sn: 'FDO2101A0BC' });
    expect((records as Array<Record<string, string>>)[2]).toMatchObject({ vid: '', sn: '' });
  });

  it('one block gives an object; a repeated key starts a new record; indented lines continue values', () => {
    expect(parseKeyValue('Hostname: vnf-appliance\nUptime: 3 days, 04:05:06\nURL: https://203.0.113.10/api\n')).toEqual(
      { hostname: 'vnf-appliance', uptime: '3 days, 04:05:06', url: 'https://203.0.113.10/api' });
    expect(parseKeyValue('name: a\nstate: up\nname: b\nstate: down\n')).toEqual([{ name: 'a', state: 'up' }, { name: 'b', state: 'down' }]);
    expect(parseKeyValue('Description: first part\n    second part\n')).toEqual({ description: 'first part second part' });
  });

  it('text without pairs is a parse error', () => {
    for (const text of ['', 'no pairs here\n', fixture('frr', 'show-ip-route.txt').split('\n').slice(9).join('\n')]) {
      expectNoMatch(() => parseKeyValue(text));
    }
  });
});
