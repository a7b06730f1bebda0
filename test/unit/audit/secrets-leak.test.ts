import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectSecrets, createAppLogger, openAuditLog, type AuditLog } from '../../../src/audit/index.js';
import { VnfError } from '../../../src/errors.js';
import { tempDir } from './helpers.js';

const PASSWORD = 'Tr0ub4dor&3 horse/staple';
const API_SECRET = 'q8Zx-VNF-api-secret-91';
const appliance = {
  id: '40788551-cde4-4bf0-b1ad-893b596b3284', name: 'pfsense-001',
  management: { host: '203.0.113.10' },
  credentials: { username: 'admin', password: PASSWORD, api_key: 'key-1234-abcd', api_secret: API_SECRET },
  jump: [{ host: '198.51.100.3', port: 22, username: 'jump', passphrase: 'jump-pass-phrase' }],
  cs_data: { management_ip: '203.0.113.10' },
};

/** Every spelling of a secret we refuse to find, byte for byte. */
function forms(secret: string, user = 'admin'): string[] {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [secret, encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+'), b64(secret), b64(`${user}:${secret}`),
    Buffer.from(secret).toString('base64url'), JSON.stringify(secret).slice(1, -1)];
}

function expectNoSecret(haystack: Buffer | string, label: string): void {
  const bytes = typeof haystack === 'string' ? Buffer.from(haystack) : haystack;
  for (const secret of collectSecrets(appliance)) {
    for (const form of forms(secret)) expect(bytes.includes(Buffer.from(form)), `${label} contains ${form}`).toBe(false);
  }
}

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function exercise(log: AuditLog): void {
  const secrets = collectSecrets(appliance);
  const basic = Buffer.from(`admin:${PASSWORD}`).toString('base64');
  const base = { appliance: { id: appliance.id, name: appliance.name, address: appliance.management.host }, secrets };
  log.append({ ...base, type: 'ssh.command', transport: 'ssh', command: `set system login user admin authentication plaintext-password '${PASSWORD}'`,
    output: `${'x'.repeat(500)}${PASSWORD}${'y'.repeat(100)}` });
  log.append({ ...base, type: 'http.request', transport: 'https',
    http: { method: 'POST', url: `https://admin:${encodeURIComponent(PASSWORD)}@203.0.113.10/api/auth?secret=${encodeURIComponent(API_SECRET)}`, status: 200,
      headers: { Authorization: `Basic ${basic}`, 'X-Trace': basic }, body: JSON.stringify({ user: 'admin', pass: PASSWORD, nested: { api: API_SECRET } }) },
    output: `{"token":"abc","echo":"${Buffer.from(API_SECRET).toString('base64')}"}` });
  log.append({ ...base, type: 'operation.end', outcome: 'failure', error_code: 'VNF_ERR_SSH_AUTH', detail: { credentials: appliance.credentials, note: `retry with ${API_SECRET}` } });
  log.append({ type: 'ssh.command', command: `curl -H 'X-Other: ${basic}' https://203.0.113.10/`, secrets: [] }); // registered via addSecrets
}

describe('a secret from appliance credentials never leaks', () => {
  it('into the audit file (raw, percent-encoded, base64, Basic auth)', () => {
    const file = join(dir, 'audit.log');
    const log = openAuditLog({ file });
    log.addSecrets(collectSecrets(appliance));
    exercise(log);
    log.close();
    const bytes = readFileSync(file);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes.toString()).toContain('***');
    expectNoSecret(bytes, 'audit file');
  });

  it('into the application log', () => {
    const chunks: string[] = [];
    const log = openAuditLog({ file: join(dir, 'audit.log'), secrets: collectSecrets(appliance) });
    const logger = createAppLogger({ redactor: log.redactor, destination: { write: (s: string) => { chunks.push(s); } } });
    logger.info({ appliance }, 'connecting to %s with %s', appliance.management.host, PASSWORD);
    logger.warn({ req: { headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}` } }, url: `https://h/?k=${encodeURIComponent(API_SECRET)}` }, 'request');
    logger.error({ err: new Error(`ssh auth failed for admin/${PASSWORD}`) }, 'failed');
    logger.error(new Error(`token ${API_SECRET} rejected`));
    log.close();
    const out = chunks.join('');
    expect(out.split('\n').filter(Boolean)).toHaveLength(4);
    expect(out).toContain('"level":"error"');
    expectNoSecret(out, 'application log');
  });

  it('into error messages when the audit write fails', () => {
    writeFileSync(join(dir, 'file'), '');
    let error: unknown;
    try {
      openAuditLog({ file: join(dir, 'file', 'audit.log'), secrets: collectSecrets(appliance) });
    } catch (e) {
      error = e;
    }
    const log = openAuditLog({ file: '/dev/full', secrets: collectSecrets(appliance) });
    let writeError: unknown;
    try {
      exercise(log);
    } catch (e) {
      writeError = e;
    }
    log.close();
    for (const e of [error, writeError]) {
      expect(e).toBeInstanceOf(VnfError);
      const v = e as VnfError;
      expect(v.code).toBe('VNF_ERR_AUDIT_WRITE');
      expectNoSecret(`${v.message}\n${JSON.stringify(v)}\n${String(v.stack)}`, 'error');
    }
  });
});
