import { describe, expect, it } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import { secretDataValues, secretFieldNames, validateData, type FieldSpec } from '../../../src/template/index.js';

function problems(fields: Record<string, FieldSpec>, data: unknown): { field: string; problem: string }[] {
  try {
    validateData(fields, data);
  } catch (error) {
    expect(error).toBeInstanceOf(VnfError);
    expect((error as VnfError).code).toBe('VNF_ERR_DATA_INVALID');
    return (error as VnfError).details as { field: string; problem: string }[];
  }
  throw new Error('expected VNF_ERR_DATA_INVALID');
}

describe('validateData: types', () => {
  const accept: [FieldSpec, unknown, unknown][] = [
    [{ type: 'string' }, 'Gi0/1 uplink', 'Gi0/1 uplink'],
    [{ type: 'integer' }, 42, 42],
    [{ type: 'integer' }, '-7', -7],
    [{ type: 'boolean' }, true, true],
    [{ type: 'boolean' }, 'false', false],
    [{ type: 'ip' }, '198.51.100.7', '198.51.100.7'],
    [{ type: 'ip' }, '2001:db8::1', '2001:db8::1'],
    [{ type: 'cidr' }, '198.51.100.0/24', '198.51.100.0/24'],
    [{ type: 'cidr' }, '2001:db8::/48', '2001:db8::/48'],
    [{ type: 'port' }, '443', 443],
    [{ type: 'port' }, 65535, 65535],
    [{ type: 'enum', values: ['pass', 'block'] }, 'block', 'block'],
    [{ type: 'enum', values: ['4', '6'] }, 6, '6'],
    [{ type: 'secret' }, 'hunter2', 'hunter2'],
  ];
  it.each(accept)('accepts %j value %j', (spec, value, expected) => {
    expect(validateData({ f: spec }, { f: value })).toEqual({ f: expected });
  });

  const refuse: [FieldSpec, unknown, string][] = [
    [{ type: 'string' }, 5, 'must be a string'],
    [{ type: 'integer' }, '4.5', 'must be an integer'],
    [{ type: 'integer' }, '12abc', 'must be an integer'],
    [{ type: 'integer' }, 1.5, 'must be an integer'],
    [{ type: 'integer', min: 1, max: 10 }, 11, 'must be at most 10'],
    [{ type: 'boolean' }, 'yes', 'must be a boolean (true or false)'],
    [{ type: 'boolean' }, 1, 'must be a boolean (true or false)'],
    [{ type: 'ip' }, '198.51.100.7; reboot', 'must be an IPv4 or IPv6 address'],
    [{ type: 'ip' }, '198.51.100.256', 'must be an IPv4 or IPv6 address'],
    [{ type: 'ip' }, 'fe80::1%eth0', 'must be an IPv4 or IPv6 address'],
    [{ type: 'cidr' }, '198.51.100.0/33', 'must be a network in CIDR notation (address/prefix)'],
    [{ type: 'cidr' }, '198.51.100.0', 'must be a network in CIDR notation (address/prefix)'],
    [{ type: 'port' }, 0, 'must be a port number (1-65535)'],
    [{ type: 'port' }, '70000', 'must be a port number (1-65535)'],
    [{ type: 'enum', values: ['pass', 'block'] }, 'reject', 'must be one of: pass, block'],
    [{ type: 'string', pattern: '^[A-Za-z0-9_-]+$' }, 'acl name', 'does not match the declared pattern'],
    [{ type: 'secret' }, { nested: true }, 'must be a string'],
  ];
  it.each(refuse)('refuses %j value %j', (spec, value, problem) => {
    expect(problems({ f: spec }, { f: value })).toEqual([{ field: 'f', problem }]);
  });
});

describe('validateData: presence, defaults, unknown fields', () => {
  const fields: Record<string, FieldSpec> = {
    network: { type: 'cidr', required: true },
    metric: { type: 'integer', default: 1 },
    tag: { type: 'string' },
  };

  it('applies defaults and leaves absent optional fields absent', () => {
    expect(validateData(fields, { network: '203.0.113.0/24' })).toEqual({ network: '203.0.113.0/24', metric: 1 });
    expect(validateData(fields, { network: '203.0.113.0/24', tag: null })).not.toHaveProperty('tag');
  });

  it('lists every problem at once, including unknown fields and missing required ones', () => {
    expect(problems(fields, { metric: 'x', colour: 'red' })).toEqual([
      { field: 'colour', problem: 'is not a declared field' },
      { field: 'network', problem: 'is required' },
      { field: 'metric', problem: 'must be an integer' },
    ]);
  });

  it('refuses non-object input and treats undefined as empty', () => {
    expect(problems(fields, [1, 2])).toEqual([{ field: '', problem: 'must be an object' }]);
    expect(problems(fields, undefined)).toEqual([{ field: 'network', problem: 'is required' }]);
  });

  it('never quotes a value in the message', () => {
    try {
      validateData({ key: { type: 'integer' } }, { key: 'TOPSECRET-9f8e' });
      expect.unreachable();
    } catch (error) {
      expect((error as VnfError).message).not.toContain('TOPSECRET');
      expect(JSON.stringify((error as VnfError).toJSON())).not.toContain('TOPSECRET');
    }
  });

  it('refuses a "__proto__" key as an undeclared field without touching any prototype', () => {
    expect(problems({ a: { type: 'string' } }, JSON.parse('{"__proto__":{"polluted":1}}'))).toEqual([
      { field: '__proto__', problem: 'is not a declared field' },
    ]);
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports secret-typed fields and their values', () => {
    const f: Record<string, FieldSpec> = { user: { type: 'string' }, pass: { type: 'secret' } };
    const data = validateData(f, { user: 'admin', pass: 's3cr3t' });
    expect(secretFieldNames(f)).toEqual(['pass']);
    expect(secretDataValues(f, data)).toEqual(['s3cr3t']);
  });
});
