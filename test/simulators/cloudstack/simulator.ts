// A CloudStack API endpoint on 127.0.0.1:0 (HTTP, or HTTPS with a certificate from its own root CA):
// verifies every signature as the management server does, answers with realistic envelopes, models
// async jobs (pending for N polls, then success or failure) and records every call it receives.
import { randomUUID } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { SimCa } from './ca.js';
import { ApiError, COMMANDS, type CsObject, type SimState } from './commands.js';
import { parseParameters, verifyRequest, type SimUser, type VerifyOptions } from './verify.js';

export interface SimCall {
  method: string;
  /** raw request target and body, byte for byte as received */
  url: string;
  body: string;
  command?: string;
  /** decoded parameters (first value of each), names as sent */
  params: Record<string, string>;
  verified: boolean;
  reason?: string;
  status: number;
}

export interface JobPlan {
  /** queryAsyncJobResult answers jobstatus 0 this many times first */
  pendingPolls?: number;
  /** make the job fail with this error instead of running the command */
  fail?: { errorcode: number; errortext: string };
}

interface Job { id: string; command: string; cmdClass: string; user: SimUser; pollsLeft: number; run: () => CsObject; created: string; final?: CsObject }

export interface SimulatorOptions extends Omit<VerifyOptions, 'now'> {
  users?: SimUser[];
  https?: boolean;
  /** default pending polls for every async job (default 1) */
  pendingPolls?: number;
}

const AUTH_TEXT = 'unable to verify user credentials and/or request signature';
const csDate = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, '+0000');

export class CloudStackSimulator {
  readonly calls: SimCall[] = [];
  readonly users: SimUser[];
  readonly state: SimState;
  readonly jobPlans = new Map<string, JobPlan>();
  /** one-shot injected errors per command (e.g. 530 internal, 533 capacity) */
  readonly failNext = new Map<string, { errorcode: number; errortext: string; cserrorcode?: number }>();
  /** per-command response delay (ms), for client timeout tests */
  readonly delays = new Map<string, number>();
  endpoint = '';
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly jobs = new Map<string, Job>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly o: SimulatorOptions) {
    this.users = o.users ?? [{ apiKey: 'sim-admin-api-key-0001', secretKey: 'sim-admin-secret-key-0001', account: 'admin', userId: randomUUID() }];
    const zone = { id: randomUUID(), name: 'zone-sim-1' };
    const vm = (name: string, state: 'Running' | 'Stopped', isvnf: boolean) => ({
      id: randomUUID(), name, displayname: name, state, zoneid: zone.id, zonename: zone.name, isvnf, account: 'admin',
    });
    this.state = { zone, vms: [vm('vnf-opnsense-1', 'Running', true), vm('vnf-frr-2', 'Stopped', true), vm('web-3', 'Running', false)], annotations: [], ca: new SimCa() };
  }

  static async start(o: SimulatorOptions = {}): Promise<CloudStackSimulator> {
    const sim = new CloudStackSimulator(o);
    const handler = (req: IncomingMessage, res: ServerResponse): void => { sim.handle(req, res); };
    if (o.https) {
      const own = sim.state.ca.issue({ domains: ['localhost'], ips: ['127.0.0.1'], days: 2 });
      sim.server = createHttps({ cert: own.certificate, key: own.privatekey }, handler);
    } else {
      sim.server = createHttp(handler);
    }
    sim.server.on('connection', (s: Socket) => { sim.sockets.add(s); s.once('close', () => sim.sockets.delete(s)); });
    await new Promise<void>((resolve) => sim.server.listen(0, '127.0.0.1', resolve));
    const port = (sim.server.address() as AddressInfo).port;
    sim.endpoint = `${o.https ? 'https' : 'http'}://127.0.0.1:${port}/client/api`;
    return sim;
  }

  /** The CA certificate clients should trust (what listCaCertificate returns). */
  get caPem(): string { return this.state.ca.certificatePem; }

  get user(): SimUser {
    const u = this.users[0];
    if (!u) throw new Error('simulator has no users');
    return u;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => this.respond(req, res, body));
  }

  private respond(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = req.url ?? '';
    const [path = '', query = ''] = url.split(/\?(.*)/s);
    const call: SimCall = { method: req.method ?? '', url, body, params: {}, verified: false, status: 0 };
    this.calls.push(call);
    if (path !== '/client/api') return this.send(res, call, 404, undefined, undefined, 'not found');
    if (call.method !== 'GET' && call.method !== 'POST') return this.send(res, call, 405, undefined, undefined, 'method not allowed');
    const params = parseParameters(query);
    if (call.method === 'POST' && /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) parseParameters(body, params);
    for (const [k, v] of params) call.params[k] = v[0] ?? '';
    const lower = new Map<string, string>();
    for (const [k, v] of params) if (!lower.has(k.toLowerCase())) lower.set(k.toLowerCase(), v[0] ?? '');
    const command = lower.get('command') ?? '';
    call.command = command;
    const verdict = verifyRequest(params, this.users, this.o);
    if (!verdict.ok) {
      call.reason = verdict.reason;
      return this.error(res, call, command, new ApiError(401, AUTH_TEXT));
    }
    call.verified = true;
    const spec = COMMANDS[command];
    if (command === 'queryAsyncJobResult') return this.queryJob(res, call, lower.get('jobid') ?? '');
    if (!spec) return this.error(res, call, 'error', new ApiError(432, 'The given command does not exist or it is not available for user'));
    if (this.o.enforceTimestamps && call.method !== 'POST' && !/^(list|query|get)/.test(command)) {
      return this.error(res, call, command, new ApiError(405, `Please use HTTP POST to invoke ${command}`));
    }
    const injected = this.failNext.get(command);
    if (injected) {
      this.failNext.delete(command);
      return this.error(res, call, command, new ApiError(injected.errorcode, injected.errortext, injected.cserrorcode ?? 4250));
    }
    try {
      const reply = spec.run({ command, params: lower, user: verdict.user, state: this.state });
      if ('body' in reply) return this.send(res, call, 200, command, reply.body);
      const plan = this.jobPlans.get(command) ?? {};
      const job: Job = {
        id: randomUUID(), command, cmdClass: spec.cmdClass, user: verdict.user, created: csDate(),
        pollsLeft: plan.pendingPolls ?? this.o.pendingPolls ?? 1,
        run: plan.fail ? () => { throw new ApiError(plan.fail?.errorcode ?? 530, plan.fail?.errortext ?? 'failed', 4250); } : reply.job,
      };
      this.jobs.set(job.id, job);
      return this.send(res, call, 200, command, { jobid: job.id, ...(reply.id ? { id: reply.id } : {}) });
    } catch (error) {
      if (error instanceof ApiError) return this.error(res, call, command, error);
      return this.error(res, call, command, new ApiError(530, 'Internal error executing command, please contact your system administrator', 4250));
    }
  }

  private queryJob(res: ServerResponse, call: SimCall, jobid: string): void {
    const job = this.jobs.get(jobid);
    if (!job) return this.error(res, call, 'queryAsyncJobResult', new ApiError(431, `Unable to execute API command queryasyncjobresult due to invalid value. Invalid parameter jobid value=${jobid}`, 4350));
    const base = { accountid: job.user.userId, userid: job.user.userId, cmd: job.cmdClass, jobid: job.id, created: job.created, jobprocstatus: 0 };
    if (job.pollsLeft > 0) {
      job.pollsLeft--;
      return this.send(res, call, 200, 'queryAsyncJobResult', { ...base, jobstatus: 0, jobresultcode: 0 });
    }
    if (!job.final) {
      try {
        job.final = { ...base, jobstatus: 1, jobresultcode: 0, jobresulttype: 'object', jobresult: job.run(), completed: csDate() };
      } catch (error) {
        const e = error instanceof ApiError ? error : new ApiError(530, 'Internal error', 4250);
        job.final = { ...base, jobstatus: 2, jobresultcode: e.errorcode, jobresulttype: 'object', jobresult: { errorcode: e.errorcode, errortext: e.errortext }, completed: csDate() };
      }
    }
    const final = job.final;
    return this.send(res, call, 200, 'queryAsyncJobResult', final);
  }

  private error(res: ServerResponse, call: SimCall, command: string, e: ApiError): void {
    res.setHeader('X-Description', e.errortext);
    this.send(res, call, e.errorcode, command, { uuidList: [], errorcode: e.errorcode, cserrorcode: e.cserrorcode, errortext: e.errortext });
  }

  private send(res: ServerResponse, call: SimCall, status: number, command: string | undefined, inner: CsObject | undefined, text?: string): void {
    call.status = status;
    const payload = command === undefined ? (text ?? '') : JSON.stringify({ [`${command.toLowerCase()}response`]: inner });
    const write = (): void => {
      res.statusCode = status;
      res.setHeader('content-type', command === undefined ? 'text/plain' : 'application/json;charset=UTF-8');
      res.end(payload);
    };
    const delay = call.command ? this.delays.get(call.command) : undefined;
    if (!delay) return write();
    const timer = setTimeout(() => { this.timers.delete(timer); if (!res.destroyed) write(); }, delay);
    this.timers.add(timer);
  }
}
