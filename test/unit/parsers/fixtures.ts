// Reads captured CLI output fixtures (test/fixtures/cli-output/{frr,ios}/).
import { expect } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import { readFileSync } from 'node:fs';

const base = new URL('../../fixtures/cli-output/', import.meta.url);

export function fixture(vendor: 'frr' | 'ios', name: string): string {
  return readFileSync(new URL(`${vendor}/${name}`, base), 'utf8');
}

export function fixtureJson<T>(name: string): T {
  return JSON.parse(fixture('frr', name)) as T;
}

/** Asserts fn throws a VnfError with VNF_ERR_PARSE_NO_MATCH (and nothing else). */
export function expectNoMatch(fn: () => unknown): void {
  let thrown: unknown;
  try { fn(); } catch (err) { thrown = err; }
  expect(thrown).toBeInstanceOf(VnfError);
  expect((thrown as VnfError).code).toBe('VNF_ERR_PARSE_NO_MATCH');
}
