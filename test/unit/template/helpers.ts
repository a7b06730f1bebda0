// Test helpers for template tests.
import { expect } from 'vitest';
import { VnfError, type VnfErrorCode } from '../../../src/errors.js';

/** Runs fn, which must throw a VnfError with `code`; returns it for further checks. */
export function failure(fn: () => unknown, code: VnfErrorCode): VnfError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(VnfError);
    expect((error as VnfError).code).toBe(code);
    return error as VnfError;
  }
  throw new Error(`expected ${code}`);
}
