import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { isVnfError } from '../../../src/errors.js';
import { loadDictionaryText, type DictionaryLoadResult } from '../../../src/dictionary/index.js';
import { FIXTURES, SAMPLES } from './helpers.js';

const SEEDS = [
  readFileSync(`${FIXTURES}seed/cisco-ios-xe-v3.yaml`, 'utf8'),
  readFileSync(`${FIXTURES}seed/routeros-bootstrap.yaml`, 'utf8'),
  readFileSync(`${FIXTURES}seed/opnsense-create.yaml`, 'utf8'),
  readFileSync(`${SAMPLES}opnsense.yaml`, 'utf8'),
];
const YAML_CHARS = [':', '{', '}', '[', ']', '&', '*', '!', '|', '>', '-', '#', "'", '"', ' ', '\n', '\t', '%', '@', '`', '?', ',', '\\', 'a', '0', '\u0000', '\u00e9'];

type Mutation = (text: string) => string;

const byteFlip = fc.tuple(fc.nat(), fc.constantFrom(...YAML_CHARS)).map(([i, ch]): Mutation => (t) => {
  const at = t.length === 0 ? 0 : i % t.length;
  return t.slice(0, at) + ch + t.slice(at + 1);
});
const lineEdit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'duplicate', 'indent', 'dedent')).map(([i, op]): Mutation => (t) => {
  const lines = t.split('\n');
  const at = i % lines.length;
  const line = lines[at] ?? '';
  if (op === 'delete') lines.splice(at, 1);
  if (op === 'duplicate') lines.splice(at, 0, line);
  if (op === 'indent') lines[at] = `  ${line}`;
  if (op === 'dedent') lines[at] = line.replace(/^ {1,2}/, '');
  return lines.join('\n');
});
const valueAtPath = fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.jsonValue({ maxDepth: 2 })).map(([choices, value]): Mutation => (t) => {
  const doc: unknown = parse(t, { logLevel: 'error' });
  let node: unknown = doc;
  for (const [n, choice] of choices.entries()) {
    if (node === null || typeof node !== 'object') break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const key = keys[choice % keys.length]!;
    if (n === choices.length - 1 || typeof (node as Record<string, unknown>)[key] !== 'object') {
      (node as Record<string, unknown>)[key] = value;
      break;
    }
    node = (node as Record<string, unknown>)[key];
  }
  return stringify(doc);
});

function checkResult(result: DictionaryLoadResult): void {
  expect(result.diagnostics.filter((d) => d.rule === 'internal')).toEqual([]);
  for (const d of result.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
  if (result.loaded) {
    expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(false);
    for (const s of result.loaded.templateSites) expect(s.line).toBeGreaterThanOrEqual(1);
  } else {
    expect(result.diagnostics.some((d) => d.severity === 'error')).toBe(true);
  }
}

function loadSafely(text: string, strict: boolean): DictionaryLoadResult {
  try {
    return loadDictionaryText(text, 'fuzz.yaml', { strict });
  } catch (error) {
    // the loader reports problems as diagnostics; anything thrown must at least be a VnfError
    expect(isVnfError(error), String(error)).toBe(true);
    throw error;
  }
}

describe('loader fuzzing (bounded)', () => {
  it('random mutations of the seed dictionaries only ever produce diagnostics', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SEEDS),
        fc.array(fc.oneof(byteFlip, lineEdit, valueAtPath), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (seed, mutations, strict) => {
          let text = seed;
          for (const m of mutations) {
            try {
              text = m(text);
            } catch {
              // a mutation that the yaml library itself cannot re-read leaves the text as it was
            }
          }
          checkResult(loadSafely(text, strict));
        },
      ),
      { numRuns: 300, seed: 4242 },
    );
  });

  it('random bytes and truncations never crash the loader', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SEEDS), fc.nat(), fc.string({ maxLength: 40 }), (seed, cut, junk) => {
        checkResult(loadSafely(seed.slice(0, cut % (seed.length + 1)) + junk, false));
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('deep nesting and huge input are rejected with a diagnostic', () => {
    checkResult(loadSafely(`name: x\nk: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, false));
    checkResult(loadSafely(`name: x\n${'a: '.repeat(1)}${'{b: '.repeat(200)}1${'}'.repeat(200)}\n`, false));
    const huge = loadSafely(`name: x\ndescription: "${'x'.repeat(1024 * 1024)}"\n`, false);
    expect(huge.diagnostics[0]?.message).toMatch(/too large/);
  });
});
