import { describe, expect, it } from 'vitest';
import { MIN_SECRET_LENGTH, Redactor } from '../../../src/audit/index.js';

describe('short secret values', () => {
  it(`values under ${MIN_SECRET_LENGTH} characters are not searched inside text, but still redacted by field name`, () => {
    const r = new Redactor(['u', 'ab']);
    expect(r.text('/api/firewall/filter/add_rule about')).toBe('/api/firewall/filter/add_rule about');
    expect(r.value({ user_api_key: 'u', password: 'ab', note: 'u ab' })).toEqual({ user_api_key: '***', password: '***', note: 'u ab' });
  });

  it('values of the minimum length and longer are redacted wherever they appear', () => {
    const r = new Redactor(['abcd']);
    expect(r.text('x abcd y')).toBe('x *** y');
  });
});
