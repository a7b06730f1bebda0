// The real API server (createServer + the workflow engine over a ConnectionPool, wired as `serve`
// does with createExecutor) in the broker namespace on 127.0.0.1, driving dictionaries/linux-frr.yaml
// against the lab appliance (real FRR + nftables behind an OpenSSH jump host): results through the
// API, Idempotency-Key counted on the appliance's sshd, 100 concurrent requests over 10 appliances,
// an async job, and a verified audit log tying API requests to the commands they sent.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/index.js';
import type { Execution } from '../../src/cli/commands/serve.js';
import type { BrokerConfig } from '../../src/config/index.js';
import { LAB_ADDR } from '../lab/addresses.js';
import type { Lab } from '../lab/lab.js';
import { waitFor } from '../lab/proc.js';
import { labSkipReason, startLab } from '../lab/topology.js';
import { until } from '../transport/lab-broker.js';
import { apiAppliance, startLabApiServer, type LabApiServer } from './lab-api-server.js';
import { call, type Pki, type Reply } from '../unit/server/harness.js';
import { LINUX_FRR_PATH, linuxFrrAppliance, ruleId } from '../workflow/linux-frr-lab.js';

const skip = labSkipReason();
if (skip && process.env.REQUIRE_LAB === '1') throw new Error(`lab required: ${skip}`);

interface OperationReport { ok: boolean; result: Record<string, unknown>; steps: Array<{ connection: string; transport: string; commands?: number }> }
interface Route { prefix: string; next_hop: string; distance?: string }
interface AuditLine { seq: number; type: string; request_id?: string; job_id?: string; outcome?: string; command?: string; appliance?: { id: string }; detail?: Record<string, unknown> }

const PREFIX = '198.51.100.96/28';
const NEXT_HOP = LAB_ADDR.lastJumpInner; // on the appliance's management link (eth0)

describe.skipIf(skip !== undefined)('the API server over the lab (real engine, pool, FRR, nftables)', () => {
  let lab: Lab;
  let pki: Pki;
  let config: BrokerConfig;
  let execution: Execution;
  let port: number;
  let api: LabApiServer;
  /** request ids of API calls whose audit trail the last test checks */
  const traced: Array<{ requestId: string; jobId?: string; what: string }> = [];

  /** The linux-frr context as CloudStack sends it over the API: provider named, keys inline (no *_file). */
  const appliance = (id: string): Record<string, unknown> => apiAppliance(linuxFrrAppliance(lab.info, { id }), 'linux-frr');
  const operation = (id: string, service: string, op: string, data: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): object =>
    ({ appliance: appliance(id), service, operation: op, data, ...extra });
  const post = (body: object, headers: Record<string, string> = {}): Promise<Reply> =>
    call({ port, pki }, 'POST', '/v1/operations', { body, headers });
  const report = (reply: Reply): OperationReport => {
    expect(reply.status, reply.text).toBe(200);
    const out = reply.json().result as OperationReport;
    expect(out.ok).toBe(true);
    return out;
  };
  const rootSessions = (): number => lab.sshd('appliance').sessions('root');
  const forwardRules = async (): Promise<Array<{ handle: number; comment?: string }>> => {
    const res = await lab.nft(['-j', 'list', 'chain', 'inet', 'cloudstack', 'forward']);
    expect(res.code, res.stderr).toBe(0);
    const json = JSON.parse(res.stdout) as { nftables: Array<{ rule?: { handle: number; comment?: string } }> };
    return json.nftables.flatMap((o) => (o.rule ? [o.rule] : []));
  };

  beforeAll(async () => {
    lab = await startLab({ jumpHosts: 1 });
    api = await startLabApiServer({ 'linux-frr': LINUX_FRR_PATH }, 'api-lab');
    ({ pki, config, execution, port } = api);
    expect(api.registry.names()).toContain('linux-frr');
  });
  afterAll(async () => {
    await api?.close(); // closes the pool (onClose) and the audit log
    await lab?.stop();
  });

  it('ROUTES.add through the API lands in FRR; ROUTES.list returns the transformed routes', async () => {
    const added = await post(operation('api-lab-1', 'ROUTES', 'add', { prefix: PREFIX, next_hop: NEXT_HOP }));
    const addReport = report(added);
    expect(addReport.steps.map((s) => [s.connection, s.transport])).toEqual(addReport.steps.map(() => ['vtysh', 'ssh']));
    traced.push({ requestId: String(added.headers['x-request-id']), what: 'ROUTES.add' });
    // the appliance's view, not the broker's
    expect((await lab.vtysh('show running-config staticd')).stdout).toContain(`ip route ${PREFIX} ${NEXT_HOP}`);
    await waitFor('the static route installed', async () => (await lab.vtysh('show ip route static')).stdout.includes(`S>* ${PREFIX} [1/0] via ${NEXT_HOP}, eth0`), 5_000, 50);

    const listed = report(await post(operation('api-lab-1', 'ROUTES', 'list')));
    expect(listed.result.routes).toEqual([{ prefix: PREFIX, next_hop: NEXT_HOP }]);
    expect((listed.result.installed as Array<Record<string, string>>).map((r) => [r.prefix, r.next_hop, r.selected, r.fib, r.interface]))
      .toEqual([[PREFIX, NEXT_HOP, '>', '*', 'eth0']]);
  });

  it('Idempotency-Key: retries (concurrent and later) run FIREWALL_RULES.create once, counted on the appliance', async () => {
    // control without a key: how many exec channels one create opens on the appliance's sshd
    const control = ruleId();
    const c0 = rootSessions();
    const controlReply = report(await post(operation('api-lab-1', 'FIREWALL_RULES', 'create', { rule_id: control, protocol: 'udp', dest_port: 5353, action: 'drop' })));
    expect(controlReply.result.handle).toMatch(/^\d+$/);
    await until('sshd logged the control create', () => rootSessions() > c0);
    await new Promise((r) => setTimeout(r, 300)); // sshd writes its log asynchronously: let it settle
    const perCreate = rootSessions() - c0;
    expect(perCreate).toBeGreaterThan(0);

    const id = ruleId();
    const body = operation('api-lab-1', 'FIREWALL_RULES', 'create', { rule_id: id, protocol: 'tcp', source_cidr: '203.0.113.34/32', dest_port: 8080, action: 'drop' });
    const key = `fw-create-${id}`;
    const s0 = rootSessions();
    // the first request and a retry while it is still running, then a later retry
    const [first, concurrent] = await Promise.all([post(body, { 'Idempotency-Key': key }), post(body, { 'Idempotency-Key': key })]);
    const later = await post(body, { 'Idempotency-Key': key });
    const replies = [first, concurrent, later];
    for (const r of replies) expect(r.status, r.text).toBe(200);
    expect(replies.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(2);
    const handles = replies.map((r) => (r.json().result as OperationReport).result.handle);
    expect(new Set(handles).size).toBe(1);
    traced.push({ requestId: String(replies.find((r) => r.headers['idempotent-replayed'] === undefined)?.headers['x-request-id']), what: 'FIREWALL_RULES.create' });

    // the same key with another body is refused and runs nothing
    const conflict = await post(operation('api-lab-1', 'FIREWALL_RULES', 'create', { rule_id: id, protocol: 'tcp', action: 'accept' }), { 'Idempotency-Key': key });
    expect(conflict.status).toBe(409);
    expect(conflict.json().code).toBe('VNF_ERR_API_IDEMPOTENCY_CONFLICT');

    // appliance side: exactly one create's worth of exec channels, one rule with the first handle
    await until('sshd logged the create', () => rootSessions() >= s0 + perCreate);
    await new Promise((r) => setTimeout(r, 300));
    expect(rootSessions() - s0).toBe(perCreate);
    const rules = (await forwardRules()).filter((r) => r.comment === `cs:${id}`);
    expect(rules.map((r) => String(r.handle))).toEqual([handles[0]]);
  });

  it('100 concurrent requests over 10 appliances all succeed; the pool opens one vtysh login per appliance', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `api-lab-many-${i}`);
    const sshd = lab.sshd('appliance');
    const jumpSshd = lab.sshd('jump1');
    const logins0 = sshd.acceptedLogins(lab.info.appliance.admin.username);
    const jumpLogins0 = jumpSshd.acceptedLogins();
    const t0 = performance.now();
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => post(operation(ids[i % 10] as string, 'ROUTES', 'list'))));
    const ms = Math.round(performance.now() - t0);
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s !== 200), replies.find((r) => r.status !== 200)?.text).toEqual([]);
    for (const r of replies) {
      const out = report(r);
      expect(out.result.routes as Route[]).toContainEqual({ prefix: PREFIX, next_hop: NEXT_HOP });
      expect(Array.isArray(out.result.installed)).toBe(true);
    }
    const stats = execution.stats();
    await until('vtysh logins in the appliance sshd log', () => sshd.acceptedLogins(lab.info.appliance.admin.username) - logins0 >= 10);
    const logins = sshd.acceptedLogins(lab.info.appliance.admin.username) - logins0;
    const jumpLogins = jumpSshd.acceptedLogins() - jumpLogins0;
    console.log(`100 concurrent ROUTES.list over 10 appliances: ${ms} ms; vtysh logins on the appliance +${logins}, `
      + `jump logins +${jumpLogins}; pool ${JSON.stringify(stats)}`);
    // one held vtysh shell per appliance id: at most 10 new logins (no handshake dropped and retried)
    expect(logins).toBe(10);
    // the ten appliances sit behind the same jump hop: they share one jump login (at most one new)
    expect(jumpLogins).toBeLessThanOrEqual(1);
    expect(stats.appliances).toBeGreaterThanOrEqual(10);
  });

  it('async: 202 with a job, GET /v1/jobs/{id} until succeeded; the route is gone from FRR', async () => {
    const accepted = await post(operation('api-lab-1', 'ROUTES', 'remove', { prefix: PREFIX, next_hop: NEXT_HOP }, { async: true }));
    expect(accepted.status, accepted.text).toBe(202);
    const jobId = String(accepted.json().job_id);
    expect(accepted.headers.location).toBe(`/v1/jobs/${jobId}`);
    traced.push({ requestId: String(accepted.headers['x-request-id']), jobId, what: 'ROUTES.remove (job)' });
    let job: Record<string, unknown> = {};
    for (let i = 0; i < 150; i++) { // bounded: 150 × 100 ms
      const reply = await call({ port, pki }, 'GET', `/v1/jobs/${jobId}`);
      expect(reply.status, reply.text).toBe(200);
      job = reply.json();
      if (job.status !== 'queued' && job.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toMatchObject({ id: jobId, kind: 'operation', status: 'succeeded', appliance: 'api-lab-1', provider: 'linux-frr', service: 'ROUTES', operation: 'remove' });
    expect((job.result as OperationReport).ok).toBe(true);
    await waitFor('the route removed', async () => !(await lab.vtysh('show running-config staticd')).stdout.includes(PREFIX), 5_000, 50);
  });

  it('the audit log verifies and ties api.request, operation.start/end and ssh.command to each request id', async () => {
    const verified = await verifyAuditLog([config.audit.file]);
    expect(verified.error).toBeUndefined();
    expect(verified.ok).toBe(true);
    const records = readFileSync(config.audit.file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
    expect(traced).toHaveLength(3);
    for (const t of traced) {
      const mine = records.filter((r) => r.request_id === t.requestId);
      const types = new Set(mine.map((r) => r.type));
      for (const type of ['api.request', 'operation.start', 'operation.end', 'ssh.command']) expect(types.has(type), `${t.what}: ${type}`).toBe(true);
      expect(mine.find((r) => r.type === 'operation.end')?.outcome, t.what).toBe('success');
      // the operation's records are in order: start, commands, end
      const seq = (type: string): number[] => mine.filter((r) => r.type === type).map((r) => r.seq);
      expect(Math.max(...seq('operation.start'))).toBeLessThan(Math.min(...seq('ssh.command')));
      expect(Math.max(...seq('ssh.command'))).toBeLessThan(Math.min(...seq('operation.end')));
      if (t.jobId !== undefined) {
        expect(mine.filter((r) => r.type !== 'api.request').every((r) => r.job_id === t.jobId), t.what).toBe(true);
      }
    }
    const add = records.filter((r) => r.request_id === traced[0]?.requestId && r.type === 'ssh.command').map((r) => r.command);
    expect(add).toContain(`ip route ${PREFIX} ${NEXT_HOP}`);
    // secrets never reach the log: no private key material
    expect(readFileSync(config.audit.file, 'utf8')).not.toContain('PRIVATE KEY');
  });
});
