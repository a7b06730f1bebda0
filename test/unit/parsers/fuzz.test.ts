// Random and mutated input: every parser returns a value or throws VNF_ERR_PARSE_NO_MATCH,
// never another exception (bounded runs).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CLI_PARSERS, CLI_PARSER_NAMES } from '../../../src/dictionary/parsers/index.js';
import { VnfError } from '../../../src/errors.js';
import { fixture } from './fixtures.js';

const samples = [
  fixture('frr', 'show-ip-bgp-summary.txt'), fixture('frr', 'show-ip-route.txt'), fixture('frr', 'show-interface-brief.txt'),
  fixture('ios', 'show-ip-bgp-summary.txt'), fixture('ios', 'show-ip-route.txt'), fixture('ios', 'show-ip-interface-brief.txt'),
  fixture('ios', 'show-inventory.txt'),
];
const sampleLines = samples.flatMap((s) => s.split('\n'));

// whole random strings, and real lines shuffled, truncated and mixed with junk
const arbitraryText = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.array(fc.oneof(fc.constantFrom(...sampleLines), fc.string({ maxLength: 60 }),
    fc.constantFrom(...sampleLines).chain((l) => fc.nat(l.length).map((n) => l.slice(0, n)))), { maxLength: 40 })
    .map((lines) => lines.join('\n')),
  fc.tuple(fc.constantFrom(...samples), fc.nat(2000), fc.string({ maxLength: 20 }))
    .map(([s, at, junk]) => s.slice(0, at % (s.length + 1)) + junk + s.slice(at % (s.length + 1))),
);

describe('CLI parsers under random input', () => {
  it('exports the five built-ins, with no prototype keys as parsers', () => {
    expect([...CLI_PARSER_NAMES].sort()).toEqual(['parse_bgp_summary', 'parse_interfaces', 'parse_key_value', 'parse_routing_table', 'parse_table']);
    expect(CLI_PARSERS['constructor']).toBeUndefined();
    expect(CLI_PARSERS['__proto__']).toBeUndefined();
  });

  it.each(CLI_PARSER_NAMES.map((n) => [n]))('%s: result or VNF_ERR_PARSE_NO_MATCH, never another error', (name) => {
    const parse = CLI_PARSERS[name]!;
    fc.assert(fc.property(arbitraryText, (text) => {
      try {
        const value = parse(text);
        expect(value).toBeDefined();
        JSON.stringify(value); // results are plain data
      } catch (err) {
        expect(err).toBeInstanceOf(VnfError);
        expect((err as VnfError).code).toBe('VNF_ERR_PARSE_NO_MATCH');
      }
    }), { numRuns: 300, seed: 20_240_601 ^ name.length, endOnFailure: true });
  });
});
