// An operation whose dictionary declares a `cloudstack-api` callback: the engine renders its
// parameters, signs the call, and the CloudStack simulator verifies and records it. A failing
// callback is reported with the operation's own result, never hidden.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isVnfError, type VnfError } from '../../../src/errors.js';
import { CertFactory } from '../../helpers/tls-fakes.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';
import { startApiFake, type ApiFake } from './api-fake.js';
import { applianceFor, closePools, dictionaryFrom, makeEngine } from './engine-helpers.js';

const dictionary = dictionaryFrom(`
name: cs-callback
connections:
  api: { type: https, host: "{{get_cs_data.mgmt_ip}}", port: 443, username: "{{get_cs_data.username}}", password: "{{get_cs_data.password}}", verify_ssl: false, timeout: 5 }
services:
  Firewall:
    data:
      rule_id: { type: string, required: true, pattern: '^[a-z0-9-]+$' }
    create:
      get_data: [rule_id]
      connection: api
      method: POST
      url: /api/rules
      headers: { Content-Type: application/json }
      body: '{"id": "{{get_data.rule_id}}"}'
      response:
        format: json
        transform: { uuid: "$.uuid" }
        callback:
          action: cloudstack-api
          parameters:
            command: addAnnotation
            entitytype: VM
            entityid: "{{get_cs_data.vm_id}}"
            annotation: "firewall rule {{get_data.rule_id}} created"
            api_key: "{{get_cs_data.user_api_key}}"
            secret_key: "{{get_cs_data.user_secret_key}}"
`);

const certs = new CertFactory();
const cert = certs.selfSigned();
let sim: CloudStackSimulator;
let api: ApiFake;

const appliance = () => applianceFor({
  httpsPort: api.port, fingerprint256: cert.fingerprint256,
  cs: { vm_id: sim.state.vms[0]?.id, user_api_key: sim.user.apiKey, user_secret_key: sim.user.secretKey },
});
const failure = async (p: Promise<unknown>): Promise<VnfError> => {
  const e = await p.then(() => undefined, (x: unknown) => x);
  if (!isVnfError(e)) throw new Error(`expected a VnfError, got ${String(e)}`);
  return e;
};

beforeAll(async () => {
  sim = await CloudStackSimulator.start({});
  api = await startApiFake((req) => (req.method === 'POST' && req.url === '/api/rules'
    ? { status: 201, body: { uuid: 'uuid-rule-7' } }
    : { status: 404, body: {} }), cert);
});
beforeEach(() => { sim.calls.length = 0; });
afterAll(async () => { await closePools(); await api.close(); await sim.close(); certs.cleanup(); });

describe('cloudstack-api callbacks from an operation', () => {
  it('arrive signed at CloudStack with the rendered parameters; the result records the callback', async () => {
    const { engine } = makeEngine({ callbacks: { cloudstack: { endpoint: sim.endpoint, timeoutMs: 5_000 } } });
    const out = await engine.runOperation({ dictionary, appliance: appliance(), service: 'Firewall', operation: 'create', data: { rule_id: 'rule-7' } });
    expect(out.result).toEqual({ uuid: 'uuid-rule-7' });
    expect(out.callback).toMatchObject({ action: 'cloudstack-api', ok: true });
    expect(sim.calls).toHaveLength(1);
    expect(sim.calls[0]).toMatchObject({ command: 'addAnnotation', verified: true });
    expect(sim.calls[0]?.params).toMatchObject({ entitytype: 'VM', entityid: sim.state.vms[0]?.id, annotation: 'firewall rule rule-7 created', apikey: sim.user.apiKey });
    expect(Object.keys(sim.calls[0]?.params ?? {})).not.toContain('secret_key');
  });

  it('a callback CloudStack refuses is VNF_ERR_CALLBACK_FAILED, with the operation result still reported', async () => {
    sim.failNext.set('addAnnotation', { errorcode: 530, errortext: 'internal error' });
    const { engine } = makeEngine({ callbacks: { cloudstack: { endpoint: sim.endpoint, timeoutMs: 5_000 } } });
    const e = await failure(engine.runOperation({ dictionary, appliance: appliance(), service: 'Firewall', operation: 'create', data: { rule_id: 'rule-8' } }));
    expect(e.code).toBe('VNF_ERR_CALLBACK_FAILED');
    expect(e.details).toMatchObject({ result: { uuid: 'uuid-rule-7' }, callback: { action: 'cloudstack-api', ok: false } });
    expect(JSON.stringify(e.details)).not.toContain(sim.user.secretKey);
  });
});
