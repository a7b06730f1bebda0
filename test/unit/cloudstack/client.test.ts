import { createServer, type Server } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudStackClient, errorFromResponse, signRequest, unwrapEnvelope, type CloudStackClientOptions } from '../../../src/cloudstack/index.js';
import { VnfError } from '../../../src/errors.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';

let sim: CloudStackSimulator;
const clients: CloudStackClient[] = [];

function client(over: Partial<CloudStackClientOptions> = {}): CloudStackClient {
  const c = new CloudStackClient({ endpoint: sim.endpoint, apiKey: sim.user.apiKey, secretKey: sim.user.secretKey, timeoutMs: 5_000, ...over });
  clients.push(c);
  return c;
}

async function failure(p: Promise<unknown>): Promise<VnfError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof VnfError) return error;
    throw error;
  }
  throw new Error('expected a VnfError');
}

/** No secret may appear in a message, its JSON form or its details (byte-for-byte search). */
function expectNoSecrets(err: VnfError, ...secrets: string[]): void {
  const text = `${err.message}\n${JSON.stringify(err)}\n${JSON.stringify(err.details ?? null)}\n${JSON.stringify(err.cause ?? null)}`;
  for (const s of secrets) expect(text.includes(s), `secret leaked into: ${text}`).toBe(false);
}

const AWKWARD = "Ünïcode ✓ 東京 🚀 space ! ' ( ) ~ * / + = & % # ? \" < > ; , [ ] @ $";

beforeAll(async () => { sim = await CloudStackSimulator.start(); });
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim.close();
});
beforeEach(() => { sim.calls.length = 0; });

describe('CloudStackClient against the simulator', () => {
  it.each(['GET', 'POST'] as const)('%s: lists, awkward characters round-trip, the server verifies the signature', async (method) => {
    const c = client({ method });
    const vms = await c.list('listVirtualMachines', { isvnf: 'true' });
    expect(vms.count).toBe(2);
    expect(vms.name).toBe('virtualmachine');
    const vm = vms.items[0] as { id: string };
    const added = await c.call('addAnnotation', { entityid: vm.id, entitytype: 'VM', annotation: AWKWARD });
    expect((added.annotation as { annotation: string }).annotation).toBe(AWKWARD);
    expect(sim.calls.map((x) => [x.method, x.verified, x.status])).toEqual([[method, true, 200], [method, true, 200]]);
    const last = sim.calls[1];
    expect(last?.params.signatureversion).toBe('3');
    expect(last?.params.expires).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
    if (method === 'POST') expect(last?.url).toBe('/client/api');
    else expect(last?.body).toBe('');
  });

  it('the empty list {"listvirtualmachinesresponse":{}} normalises to count 0, no items', async () => {
    const c = client();
    expect(await c.call('listVirtualMachines', { name: 'no-such-vm' })).toEqual({});
    expect(await c.list('listVirtualMachines', { name: 'no-such-vm' })).toEqual({ count: 0, items: [] });
  });

  it('signatureversion 2 (no expires) is accepted where timestamps are not enforced', async () => {
    const r = await client({ signatureVersion: 2 }).list('listZones');
    expect(r.count).toBe(1);
    expect(sim.calls[0]?.params.expires).toBeUndefined();
  });

  it('wrong secret, unknown key, expired request: 401 → VNF_ERR_CS_AUTH without secrets in the error', async () => {
    const wrong = await failure(client({ secretKey: 'not-the-secret-key-XYZ' }).call('listZones'));
    expect(wrong.code).toBe('VNF_ERR_CS_AUTH');
    expect(wrong.message).toContain('unable to verify user credentials and/or request signature');
    expect(wrong.details).toMatchObject({ http_status: 401, errorcode: 401, command: 'listZones' });
    expectNoSecrets(wrong, 'not-the-secret-key-XYZ', sim.user.apiKey);
    const unknown = await failure(client({ apiKey: 'nobody-api-key' }).call('listZones'));
    expect(unknown.code).toBe('VNF_ERR_CS_AUTH');
    const expired = await failure(client({ expiresInMs: -60_000 }).call('listZones'));
    expect(expired.code).toBe('VNF_ERR_CS_AUTH');
    expectNoSecrets(expired, sim.user.secretKey, sim.user.apiKey);
    expect(sim.calls.map((x) => x.reason)).toEqual(['signature mismatch', 'unknown api key', 'request expired']);
  });

  it('a tampered parameter or signature is refused (raw requests; mapping through errorFromResponse)', async () => {
    const signed = signRequest({ apiKey: sim.user.apiKey, secretKey: sim.user.secretKey, expires: new Date(Date.now() + 60_000), params: { command: 'listVirtualMachines', response: 'json', name: 'web-3' } });
    const send = async (query: string) => {
      const res = await request(`${sim.endpoint}?${query}`, { headersTimeout: 5_000, bodyTimeout: 5_000 });
      const body = await res.body.json();
      return errorFromResponse('listVirtualMachines', res.statusCode, unwrapEnvelope('listVirtualMachines', body), [sim.user.secretKey]);
    };
    expect(await send(signed.query)).toBeUndefined();
    expect((await send(signed.query.replace('name=web-3', 'name=web-4')))?.code).toBe('VNF_ERR_CS_AUTH');
    const sig = encodeURIComponent(signed.signature);
    const flipped = encodeURIComponent(`${signed.signature[0] === 'A' ? 'B' : 'A'}${signed.signature.slice(1)}`);
    expect((await send(signed.query.replace(sig, flipped)))?.code).toBe('VNF_ERR_CS_AUTH');
    // an unencoded '+' in the signature decodes to a space on the server: refused too
    if (signed.signature.includes('+')) expect((await send(signed.query.replace(sig, signed.signature)))?.code).toBe('VNF_ERR_CS_AUTH');
    expect(sim.calls.map((x) => x.status).slice(0, 3)).toEqual([200, 401, 401]);
  });

  it('API errors: 431 missing parameter, 432 unknown command (errorresponse), 530 internal, 533 capacity', async () => {
    const c = client();
    const missing = await failure(c.call('addAnnotation', { entitytype: 'VM' }));
    expect(missing.code).toBe('VNF_ERR_CS_PARAM');
    expect(missing.message).toContain('missing parameter entityid');
    expect(missing.details).toMatchObject({ errorcode: 431, cserrorcode: 9999 });
    const unknown = await failure(c.call('noSuchCommand'));
    expect(unknown.code).toBe('VNF_ERR_CS_PARAM');
    expect(unknown.details).toMatchObject({ http_status: 432 });
    sim.failNext.set('listZones', { errorcode: 530, errortext: 'Internal error executing command' });
    expect((await failure(c.call('listZones'))).code).toBe('VNF_ERR_CS_API_ERROR');
    sim.failNext.set('listZones', { errorcode: 533, errortext: 'Insufficient capacity' });
    const busy = await failure(c.call('listZones'));
    expect([busy.code, busy.retryable]).toEqual(['VNF_ERR_CS_UNAVAILABLE', true]);
  });

  it('refuses bad endpoints and caller-set command/response without sending', async () => {
    expect(() => client({ endpoint: 'https://user:pw@cs.example/client/api' })).toThrow(/credentials/);
    expect(() => client({ endpoint: 'ftp://cs.example/' })).toThrow(/http/);
    expect(() => client({ secretKey: '' })).toThrow(/required/);
    await expect(client().call('listZones', { Response: 'xml' })).rejects.toThrow(/set by the client/);
    expect(sim.calls).toHaveLength(0);
  });

  it('an unanswered call → VNF_ERR_CS_TIMEOUT; a closed port → VNF_ERR_CS_UNREACHABLE', async () => {
    sim.delays.set('listZones', 2_000);
    const slow = await failure(client({ timeoutMs: 200 }).call('listZones'));
    sim.delays.clear();
    expect(slow.code).toBe('VNF_ERR_CS_TIMEOUT');
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    await new Promise<void>((r) => holder.close(() => r()));
    const closed = await failure(client({ endpoint: `http://127.0.0.1:${port}/client/api` }).call('listZones'));
    expect(closed.code).toBe('VNF_ERR_CS_UNREACHABLE');
    expectNoSecrets(closed, sim.user.secretKey, sim.user.apiKey);
  });

  it('an aborted call is cancelled', async () => {
    sim.delays.set('listZones', 1_000);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const err = await failure(client().call('listZones', {}, { signal: ac.signal }));
    sim.delays.clear();
    expect(err.code).toBe('VNF_ERR_WORKFLOW_CANCELLED');
  });
});

describe('CloudStackClient over HTTPS and with enforced timestamps', () => {
  let tls: CloudStackSimulator;
  let strict: CloudStackSimulator;
  beforeAll(async () => {
    tls = await CloudStackSimulator.start({ https: true });
    strict = await CloudStackSimulator.start({ enforceTimestamps: true });
  });
  afterAll(async () => { await tls.close(); await strict.close(); });

  it('verifies the server against the given CA (listCaCertificate); the system store alone refuses it', async () => {
    const keys = { apiKey: tls.user.apiKey, secretKey: tls.user.secretKey, timeoutMs: 5_000 };
    const trusted = client({ ...keys, endpoint: tls.endpoint, ca: tls.caPem });
    const ca = await trusted.call('listCaCertificate');
    expect((ca.cacertificates as { certificate: string }).certificate).toBe(tls.caPem);
    const untrusted = await failure(client({ ...keys, endpoint: tls.endpoint }).call('listZones'));
    expect(untrusted.code).toBe('VNF_ERR_CS_TLS');
  });

  it('enforce.post.requests.and.timestamps: v3 POST passes; v2 → 401; a state change over GET → 405', async () => {
    const keys = { endpoint: strict.endpoint, apiKey: strict.user.apiKey, secretKey: strict.user.secretKey, timeoutMs: 5_000 };
    const vm = (await client(keys).list<{ id: string }>('listVirtualMachines')).items[0];
    expect(await client(keys).call('addAnnotation', { entityid: vm?.id ?? '', entitytype: 'VM', annotation: 'x' })).toHaveProperty('annotation');
    expect((await failure(client({ ...keys, signatureVersion: 2 }).call('listZones'))).code).toBe('VNF_ERR_CS_AUTH');
    const viaGet = await failure(client({ ...keys, method: 'GET' }).call('addAnnotation', { entityid: vm?.id ?? '', entitytype: 'VM' }));
    expect([viaGet.code, (viaGet.details as { http_status: number }).http_status]).toEqual(['VNF_ERR_CS_PARAM', 405]);
    expect(strict.calls.at(-2)?.reason).toBe('signatureversion 3 required');
  });
});
