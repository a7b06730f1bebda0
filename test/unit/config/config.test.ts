import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_DEFAULTS, devConfig, isLoopbackHost, loadConfig, parseConfigText, parseListen } from '../../../src/config/index.js';
import { VnfError } from '../../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'vnf-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MINIMAL = `listen: 0.0.0.0:8443
state_dir: /var/lib/vnf-broker
tls:
  cert_file: tls/server.pem
  key_file: tls/server-key.pem
  client_ca_file: /etc/vnf-broker/clients-ca.pem
`;

function problems(text: string): { line: number; col: number; message: string }[] {
  try {
    parseConfigText(text, '/etc/vnf-broker/config.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(VnfError);
    expect((error as VnfError).code).toBe('VNF_ERR_CONFIG_INVALID');
    return (error as VnfError).details as { line: number; col: number; message: string }[];
  }
  throw new Error('expected the config to be rejected');
}

describe('config', () => {
  it('fills defaults, resolves relative paths against the file, and freezes', () => {
    const config = parseConfigText(MINIMAL, '/etc/vnf-broker/config.yaml');
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 8443 });
    expect(config.tls.cert_file).toBe('/etc/vnf-broker/tls/server.pem');
    expect(config.tls.min_version).toBe('TLSv1.2');
    expect(config.audit.file).toBe('/var/lib/vnf-broker/audit/audit.log');
    expect(config.dictionaries_dir).toBe('/var/lib/vnf-broker/dictionaries');
    expect(config.limits.max_body_bytes).toBe(CONFIG_DEFAULTS['limits.max_body_bytes']);
    expect(config.timeouts.drain_ms).toBe(30_000);
    expect(config.metrics.listen).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(config.clients).toEqual([]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.tls)).toBe(true);
    expect(() => { (config.limits as { max_body_bytes: number }).max_body_bytes = 1; }).toThrow(TypeError);
  });

  it('reports every schema problem with its line and column', () => {
    const found = problems(`${MINIMAL}clients:
  - match: { cn: cloudstack }
    roles: [admin, superuser]
  - match: {}
    roles: [auditor]
pool:
  max_connections: -1
  idle: 5
log_level: loud
`);
    const byLine = Object.fromEntries(found.map((p) => [p.line, p.message]));
    expect(byLine[9]).toMatch(/clients\[0\]\.roles\[1\]: must be one of admin, operator, auditor/);
    expect(byLine[10]).toMatch(/clients\[1\]\.match/);
    expect(byLine[13]).toMatch(/pool\.max_connections/);
    expect(byLine[14]).toMatch(/unknown key 'idle' in pool/);
    expect(byLine[15]).toMatch(/log_level: must be one of/);
    expect(found.find((p) => p.line === 14)?.col).toBe(3);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    expect(problems('listen: a:1\nlisten: b:2\n')[0]).toMatchObject({ line: 2 });
    expect(problems('listen: [\n')[0]?.message).toMatch(/^YAML/);
    expect(problems('- a\n- b\n')[0]?.message).toMatch(/must be a YAML mapping/);
  });

  it('cloudstack: the callback endpoint pinned by the admin, CA path resolved, timeout defaulted', () => {
    const c = parseConfigText(`${MINIMAL}cloudstack:\n  api_url: https://cloudstack.example/client/api\n  ca_file: cs-ca.pem\n`, '/etc/vnf-broker/config.yaml');
    expect(c.cloudstack).toEqual({ api_url: 'https://cloudstack.example/client/api', ca_file: '/etc/vnf-broker/cs-ca.pem', callback_timeout_ms: 30_000 });
    expect(parseConfigText(MINIMAL, '/etc/vnf-broker/config.yaml').cloudstack).toBeUndefined();
    expect(problems(`${MINIMAL}cloudstack:\n  api_url: ftp://x\n`)[0]?.message).toContain('api_url');
  });

  it('names missing required keys', () => {
    const found = problems('listen: 127.0.0.1:1\n');
    expect(found.map((p) => p.message).join('\n')).toMatch(/missing required key 'tls'/);
    expect(found.map((p) => p.message).join('\n')).toMatch(/missing required key 'state_dir'/);
  });

  it('refuses a metrics listener that is not loopback, and bad listen addresses', () => {
    expect(problems(`${MINIMAL}metrics: { listen: "0.0.0.0:9464" }\n`)[0]).toMatchObject({ line: 7, message: expect.stringMatching(/loopback/) as unknown });
    expect(problems(MINIMAL.replace('0.0.0.0:8443', '0.0.0.0:99999'))[0]?.message).toMatch(/not HOST:PORT/);
  });

  it('parses listen addresses and recognises loopback hosts', () => {
    expect(parseListen('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(parseListen('broker.example:443')).toEqual({ host: 'broker.example', port: 443 });
    expect(parseListen('300.1.1.1:80')).toBeUndefined();
    expect(parseListen('nohost')).toBeUndefined();
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });

  it('loadConfig reads a file; an unreadable file is VNF_ERR_INPUT_UNREADABLE', async () => {
    const file = join(dir, 'config.yaml');
    writeFileSync(file, `${MINIMAL}clients:\n  - { match: { fingerprint256: "${'AB:'.repeat(31)}AB" }, roles: [operator] }\n`);
    const config = await loadConfig(file);
    expect(config.tls.cert_file).toBe(join(dir, 'tls/server.pem'));
    expect(config.clients[0]?.roles).toEqual(['operator']);
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'VNF_ERR_INPUT_UNREADABLE' });
  });

  it('devConfig keeps everything under the state directory', () => {
    const config = devConfig(join(dir, 'var'), '127.0.0.1:8443', { clients: [{ match: { cn: 'dev-client' }, roles: ['admin'] }] });
    expect(config.tls.client_ca_file).toBe(join(dir, 'var', 'tls', 'ca.pem'));
    expect(config.audit.file).toBe(join(dir, 'var', 'audit', 'audit.log'));
    expect(config.clients[0]?.roles).toEqual(['admin']);
    expect(Object.isFrozen(config.clients[0]?.match)).toBe(true);
  });
});
