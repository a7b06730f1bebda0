import { describe, expect, it } from 'vitest';
import { CLI_PARSERS } from '../../../src/dictionary/parsers/index.js';

describe('parse_bgp_summary without neighbors', () => {
  it('FRR with a BGP instance and no neighbor yields an empty list, not a parse error', () => {
    // what FRR 8.4 vtysh prints for `show ip bgp summary` after the last neighbor is removed
    expect(CLI_PARSERS.parse_bgp_summary?.('% No BGP neighbors found in VRF default\n')).toEqual({
      router_id: null, local_as: null, vrf: 'default', table_version: null, neighbors: [],
    });
  });

  it('unrelated output is still a parse error', () => {
    expect(() => CLI_PARSERS.parse_bgp_summary?.('% BGP instance not found\n')).toThrow(expect.objectContaining({ code: 'VNF_ERR_PARSE_NO_MATCH' }) as Error);
  });
});
