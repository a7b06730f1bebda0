import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog, verifyAuditLog } from '../../../src/audit/index.js';
import type { AuditEvent, AuditRecord, AuditSink } from '../../../src/audit/types.js';
import { resolveCallbackEndpoint, runCloudStackCallback, splitCallbackParameters } from '../../../src/cloudstack/index.js';
import { VnfError } from '../../../src/errors.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';
import { CloudStackSimulator } from '../../simulators/cloudstack/index.js';

let sim: CloudStackSimulator;
let vmId: string;

beforeAll(async () => {
  sim = await CloudStackSimulator.start({ pendingPolls: 1 });
  vmId = sim.state.vms[0]?.id ?? '';
});
afterAll(async () => { await sim.close(); });
beforeEach(() => { sim.calls.length = 0; });

/** The rendered parameters of a dictionary callback: { action: cloudstack-api, parameters: {...} }. */
const rendered = (extra: Record<string, string>): Record<string, string> => ({
  api_key: sim.user.apiKey, secret_key: sim.user.secretKey, ...extra,
});

/** Audit events without the `secrets` list a real sink strips before writing. */
const persisted = (audit: MemoryAudit): string => JSON.stringify(audit.events.map(({ secrets: _s, ...rest }) => rest));

async function failure(p: Promise<unknown>): Promise<VnfError> {
  try {
    await p;
  } catch (error) {
    if (error instanceof VnfError) return error;
    throw error;
  }
  throw new Error('expected a VnfError');
}

describe('cloudstack-api callback', () => {
  it('sends the command and parameters, signed; api_key/secret_key never travel as parameters', async () => {
    const audit = new MemoryAudit();
    const r = await runCloudStackCallback({
      endpoint: sim.endpoint, timeoutMs: 5_000, audit,
      parameters: rendered({ command: 'addAnnotation', entityid: vmId, entitytype: 'VM', annotation: 'firewall rule 42 created by vnf-broker' }),
      auditContext: { request_id: 'req-1', appliance: { id: vmId, name: 'vnf-opnsense-1' }, provider: 'opnsense', service: 'Firewall', operation: 'create' },
    });
    expect(r.command).toBe('addAnnotation');
    expect((r.response.annotation as { annotation: string }).annotation).toBe('firewall rule 42 created by vnf-broker');
    const call = sim.calls[0];
    expect(sim.calls).toHaveLength(1);
    expect(call).toMatchObject({ command: 'addAnnotation', verified: true, method: 'POST' });
    expect(call?.params).toMatchObject({ entityid: vmId, entitytype: 'VM', annotation: 'firewall rule 42 created by vnf-broker', apikey: sim.user.apiKey });
    expect(Object.keys(call?.params ?? {}).sort()).toEqual(['annotation', 'apikey', 'command', 'entityid', 'entitytype', 'expires', 'response', 'signature', 'signatureversion']);
    expect(`${call?.url}${call?.body}`.includes(sim.user.secretKey)).toBe(false);
    // audit: started then success, with the redacted request and no key material
    expect(audit.events.map((e) => [e.type, e.outcome, e.transport, e.http?.status])).toEqual([
      ['http.request', 'started', 'http', undefined], ['http.request', 'success', 'http', 200]]);
    expect(audit.events[0]).toMatchObject({ request_id: 'req-1', provider: 'opnsense', http: { method: 'POST', url: sim.endpoint }, detail: { cloudstack_command: 'addAnnotation' } });
    expect(audit.events[0]?.http?.body_excerpt).toContain('apikey=[redacted]');
    expect(audit.events[0]?.http?.body_excerpt).toContain('signature=[redacted]');
    expect(audit.events[0]?.http?.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = persisted(audit);
    for (const secret of [sim.user.secretKey, sim.user.apiKey, call?.params.signature ?? 'none']) expect(text.includes(secret)).toBe(false);
    expect(audit.events[0]?.secrets).toEqual(expect.arrayContaining([sim.user.apiKey, sim.user.secretKey]));
  });

  it('with the real hash-chained audit log: two records, no key material on disk, the chain verifies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-cs-audit-'));
    try {
      const file = join(dir, 'audit.jsonl');
      const log = openAuditLog({ file });
      await runCloudStackCallback({ endpoint: sim.endpoint, timeoutMs: 5_000, audit: log, method: 'GET', parameters: rendered({ command: 'listZones' }) });
      log.close();
      const text = readFileSync(file, 'utf8');
      expect(text.trim().split('\n')).toHaveLength(2);
      const signature = sim.calls[0]?.params.signature ?? 'none';
      for (const secret of [sim.user.secretKey, sim.user.apiKey, signature, encodeURIComponent(signature)]) expect(text.includes(secret)).toBe(false);
      expect((await verifyAuditLog([file])).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GET callbacks record the URL with apikey and signature redacted', async () => {
    const audit = new MemoryAudit();
    await runCloudStackCallback({ endpoint: sim.endpoint, timeoutMs: 5_000, audit, method: 'GET', parameters: rendered({ command: 'listZones' }) });
    const url = audit.events[0]?.http?.url ?? '';
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/api\?apikey=\[redacted\]&command=listZones&.*signature=\[redacted\]$/);
    expect(sim.calls[0]?.url.includes(encodeURIComponent(sim.user.apiKey))).toBe(true);
  });

  it('the audit record is written before the call is sent; a failed audit write sends nothing', async () => {
    const seen: number[] = [];
    const sink: AuditSink = { append: (e: AuditEvent): AuditRecord => { seen.push(sim.calls.length); return { ...e, seq: 0, time: '', prev: '', hash: '' } as AuditRecord; } };
    await runCloudStackCallback({ endpoint: sim.endpoint, timeoutMs: 5_000, audit: sink, parameters: rendered({ command: 'listZones' }) });
    expect(seen).toEqual([0, 1]);
    const broken = new MemoryAudit();
    broken.failing = true;
    const err = await failure(runCloudStackCallback({ endpoint: sim.endpoint, timeoutMs: 5_000, audit: broken, parameters: rendered({ command: 'listZones' }) }));
    expect(err.code).toBe('VNF_ERR_AUDIT_WRITE');
    expect(sim.calls).toHaveLength(1);
  });

  it('a failing callback is reported as an error (and audited as a failure), never hidden', async () => {
    const audit = new MemoryAudit();
    const err = await failure(runCloudStackCallback({
      endpoint: sim.endpoint, timeoutMs: 5_000, audit, parameters: rendered({ command: 'addAnnotation', entityid: vmId, entitytype: 'TOASTER' }),
    }));
    expect(err.code).toBe('VNF_ERR_CS_PARAM');
    expect(err.message).toContain('Invalid parameter entitytype value=TOASTER');
    expect(audit.events.at(-1)).toMatchObject({ outcome: 'failure', error_code: 'VNF_ERR_CS_PARAM', http: { status: 431 } });
    const wrongKey = await failure(runCloudStackCallback({
      endpoint: sim.endpoint, timeoutMs: 5_000, parameters: { command: 'listZones', api_key: sim.user.apiKey, secret_key: 'rendered-but-wrong-secret' },
    }));
    expect(wrongKey.code).toBe('VNF_ERR_CS_AUTH');
    expect(`${wrongKey.message}${JSON.stringify(wrongKey)}`.includes('rendered-but-wrong-secret')).toBe(false);
  });

  it('async callbacks wait for the job and return its result with the jobid', async () => {
    const audit = new MemoryAudit();
    const r = await runCloudStackCallback({
      endpoint: sim.endpoint, timeoutMs: 5_000, audit, jobs: { initialDelayMs: 5 }, parameters: rendered({ command: 'rebootVirtualMachine', id: vmId }),
    });
    expect(r.jobid).toBeDefined();
    expect((r.response.virtualmachine as { id: string }).id).toBe(vmId);
    expect(audit.events).toHaveLength(2);
    expect(audit.events[1]?.detail).toEqual({ cloudstack_command: 'rebootVirtualMachine', jobid: r.jobid });
    const failed = await failure(runCloudStackCallback({
      endpoint: sim.endpoint, timeoutMs: 5_000, audit, jobs: { initialDelayMs: 5 }, parameters: rendered({ command: 'rebootVirtualMachine', id: sim.state.vms[1]?.id ?? '' }),
    }));
    expect(failed.code).toBe('VNF_ERR_CS_JOB_FAILED');
    expect(audit.events.at(-1)).toMatchObject({ outcome: 'failure', error_code: 'VNF_ERR_CS_JOB_FAILED' });
  });

  it('parameters: credentials split off (any spelling), command required, keys required; endpoint precedence', () => {
    expect(splitCallbackParameters({ command: 'listZones', apiKey: 'a', 'secret-key': 's', response: 'xml', name: 'z' }))
      .toEqual({ command: 'listZones', apiKey: 'a', secretKey: 's', params: { name: 'z' } });
    expect(() => splitCallbackParameters({ api_key: 'a', secret_key: 's' })).toThrow(/no command/);
    expect(() => splitCallbackParameters({ command: 'listZones', api_key: 'a', secret_key: '' })).toThrow(/non-empty/);
    expect(resolveCallbackEndpoint('https://pinned/client/api', { cloudstack_api_url: 'https://ctx/client/api' })).toBe('https://pinned/client/api');
    expect(resolveCallbackEndpoint(undefined, { cloudstack_api_url: 'https://ctx/client/api' })).toBe('https://ctx/client/api');
    expect(() => resolveCallbackEndpoint(undefined, {})).toThrow(VnfError);
  });
});
