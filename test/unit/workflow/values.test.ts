import { describe, expect, it } from 'vitest';
import { applianceSecretKeys, applianceSecrets, applianceValues, isSecretName } from '../../../src/workflow/values.js';
import { appliance } from './render-fixtures.js';

describe('applianceValues', () => {
  it('flattens the context: management address aliases, ports, credentials, identity', () => {
    const values = applianceValues(appliance({ management: { host: '198.51.100.10', ssh_port: 2222, https_port: 8443 } }));
    expect({ ...values }).toMatchObject({
      id: '40788551-cde4-4bf0-b1ad-893b596b3284', name: 'csr-001',
      management_ip: '198.51.100.10', mgmt_ip: '198.51.100.10', vnf_mgmt_ip: '198.51.100.10',
      ssh_port: 2222, https_port: 8443, username: 'admin', password: 'Sup3r$ecret-pw', private_ip: '192.168.1.1',
    });
    expect(values).not.toHaveProperty('http_port');
  });

  it('lets cs_data win over the flattened context', () => {
    const values = applianceValues(appliance({ cs_data: { management_ip: '10.1.1.109', username: 'cs-user' } }));
    expect(values.management_ip).toBe('10.1.1.109');
    expect(values.mgmt_ip).toBe('198.51.100.10');
    expect(values.username).toBe('cs-user');
  });

  it('keeps a cs_data "__proto__" key as an entry', () => {
    const values = applianceValues(appliance({ cs_data: JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown> }));
    expect(Object.hasOwn(values, '__proto__')).toBe(true);
    expect((values as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('secrets of the context', () => {
  it('knows secret names', () => {
    for (const name of ['password', 'api_secret', 'token', 'vnf_api_key', 'user_secret_key', 'bootstrap_password', 'private_key', 'auth_token']) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of ['username', 'management_ip', 'name', 'keyword', 'tokens_used_by']) expect(isSecretName(name), name).toBe(false);
  });

  it('lists secret keys and values, including jump-hop credentials', () => {
    const ctx = appliance({ cs_data: { vnf_api_key: 'cs-key-1', private_ip: '192.168.1.1' } });
    expect(applianceSecretKeys(applianceValues(ctx)).sort()).toEqual(['api_key', 'api_secret', 'password', 'vnf_api_key']);
    expect(applianceSecrets(ctx).sort()).toEqual(['KEY-0123456789abcdef', 'S3CR3T/+=api', 'Sup3r$ecret-pw', 'cs-key-1', 'jump-hop-pass'].sort());
  });
});
