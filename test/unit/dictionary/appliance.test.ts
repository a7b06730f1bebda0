import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApplianceContext, loadApplianceContextText, parseApplianceContext } from '../../../src/dictionary/index.js';
import { VnfError } from '../../../src/errors.js';

const FP = `SHA256:${'A'.repeat(43)}`;

async function rejection(p: Promise<unknown>): Promise<VnfError> {
  const error = await p.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(VnfError);
  return error as VnfError;
}

describe('appliance context', () => {
  it('fills defaults', async () => {
    const ctx = await parseApplianceContext({ id: 'vm-1', management: { host: '198.51.100.9' }, jump: [{ host: '198.51.100.3', username: 'jump' }] });
    expect(ctx).toEqual({ id: 'vm-1', management: { host: '198.51.100.9' }, credentials: {}, cs_data: {}, jump: [{ host: '198.51.100.3', username: 'jump', port: 22 }] });
  });

  it('reads YAML files, resolving key files relative to the context file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-appliance-'));
    writeFileSync(join(dir, 'id_test'), 'KEY MATERIAL\n');
    writeFileSync(join(dir, 'a.yaml'), [
      'id: 40788551-cde4-4bf0-b1ad-893b596b3284',
      'management: { host: 10.1.1.109, ssh_port: 22 }',
      'credentials: { username: admin, private_key_file: id_test }',
      `ssh: { host_key: "${FP}" }`,
      `jump: [ { host: 198.51.100.3, username: jump, private_key_file: ${join(dir, 'id_test')} } ]`,
      'cs_data: { management_ip: 10.1.1.109 }',
    ].join('\n'));
    const ctx = await loadApplianceContext(join(dir, 'a.yaml'));
    expect(ctx.credentials.private_key).toBe('KEY MATERIAL\n');
    expect(ctx.jump[0]?.private_key).toBe('KEY MATERIAL\n');
    expect(ctx.cs_data).toEqual({ management_ip: '10.1.1.109' });
  });

  it.each([
    [{ management: { host: 'h' } }, "missing required key 'id'"],
    [{ id: 'x', management: { host: 'h' }, ssh: { host_key: 'MD5:aa:bb' } }, 'must be an OpenSSH fingerprint'],
    [{ id: 'x', management: { host: 'h' }, tls: { fingerprint256: 'AB:CD' } }, 'must be a SHA-256 fingerprint'],
    [{ id: 'x', management: { host: 'h', ssh_port: 70000 } }, 'management.ssh_port'],
    [{ id: 'x', management: { host: 'h' }, credentials: { password: 1234 } }, 'credentials.password: must be string (quote the value)'],
    [{ id: 'x', management: { host: 'h' }, colour: 'blue' }, "unknown key 'colour'"],
    [{ id: 'x', management: { host: 'h' }, http_proxy: 'socks5://p:1080' }, 'must be an http:// or https:// URL'],
  ])('rejects %j with a clear message', async (input, fragment) => {
    const error = await rejection(parseApplianceContext(input));
    expect(error.code).toBe('VNF_ERR_APPLIANCE_INVALID');
    expect(error.message).toContain(fragment);
  });

  it('never echoes secret values in errors, and points at the file line', async () => {
    const error = await rejection(loadApplianceContextText('id: x\nmanagement: { host: h }\ncredentials:\n  password: 12345678\n', 'ctx.yaml'));
    expect(error.message).toBe('ctx.yaml:4:13: credentials.password: must be string (quote the value)');
    expect(error.message).not.toContain('12345678');
  });

  it('reports unreadable key files and YAML problems', async () => {
    expect((await rejection(parseApplianceContext({ id: 'x', management: { host: 'h' }, credentials: { private_key_file: '/nonexistent/key' } }))).message).toContain('cannot read /nonexistent/key');
    expect((await rejection(loadApplianceContextText('- a\n', 'ctx.yaml'))).message).toContain('must be a YAML mapping');
  });
});
