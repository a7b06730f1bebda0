import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, VnfError } from '../../src/errors.js';

function readmeRows(): Map<string, string[]> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /<!-- errors:begin -->([\s\S]*?)<!-- errors:end -->/.exec(readme)?.[1] ?? '';
  const rows = new Map<string, string[]>();
  for (const line of block.split('\n')) {
    const m = /^\| `(VNF_ERR_[A-Z0-9_]+)` \|(.*)\|$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) rows.set(m[1], m[2].split('|').map((c) => c.trim()));
  }
  return rows;
}

describe('error catalogue', () => {
  it('README error table matches src/errors.ts exactly', () => {
    const rows = readmeRows();
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERROR_CATALOGUE).sort());
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expect(rows.get(code), code).toEqual([String(spec.httpStatus), spec.retryable ? 'yes' : 'no', spec.stage, spec.summary]);
    }
  });

  it('codes follow VNF_ERR_<AREA>_<WHAT>', () => {
    for (const code of Object.keys(ERROR_CATALOGUE)) expect(code).toMatch(/^VNF_ERR_[A-Z0-9]+_[A-Z0-9_]+$/);
  });

  it('VnfError carries catalogue fields and serialises without the cause', () => {
    const err = new VnfError('VNF_ERR_SSH_HOSTKEY_CHANGED', 'host key changed for 198.51.100.3', { cause: new Error('secret-detail') });
    expect(err.httpStatus).toBe(502);
    expect(err.stage).toBe('hostkey');
    expect(err.retryable).toBe(false);
    expect(JSON.stringify(err)).not.toContain('secret-detail');
  });
});
