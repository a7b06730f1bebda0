// Signed calls to the CloudStack API over undici (TLS verified; `ca` for private CAs), GET or POST
// form bodies, envelope unwrapping, error mapping and async-job polling. Keys never reach a message.
import { createHash } from 'node:crypto';
import { Agent, request } from 'undici';
import { VnfError } from '../errors.js';
import { waitForJob, type JobPollOptions } from './async-job.js';
import { errorFromResponse, normaliseList, unwrapEnvelope, type CsList, type CsObject } from './envelope.js';
import { translateCsNetError } from './net-errors.js';
import { API_KEY_PARAM, SIGNATURE_PARAM, javaUrlEncode, signRequest, type SignatureVersion } from './sign.js';

export interface CloudStackClientOptions {
  /** e.g. https://cloud.example.com/client/api */
  endpoint: string;
  apiKey: string;
  secretKey: string;
  /** default 3 (signatureversion=3 with expires) */
  signatureVersion?: SignatureVersion;
  /** how far ahead expires is set (default 5 min; the server allows at most 15 when enforcing) */
  expiresInMs?: number;
  /** per HTTP request: headers and body timeouts and an overall deadline */
  timeoutMs: number;
  /** PEM CA certificate(s) to trust instead of the system store */
  ca?: string | Buffer | (string | Buffer)[];
  /** default POST (parameters in a form body, out of URLs and access logs) */
  method?: 'GET' | 'POST';
  /** responses larger than this are refused (default 32 MiB) */
  maxResponseBytes?: number;
  /** job polling defaults (overridable per call) */
  jobs?: Omit<JobPollOptions, 'signal'>;
}

/** What is about to be sent, with apikey and signature redacted; throwing here cancels the send. */
export interface OutgoingRequest {
  method: 'GET' | 'POST';
  command: string;
  /** GET: the URL with apikey/signature values redacted; POST: the endpoint */
  url: string;
  transport: 'http' | 'https';
  /** POST: SHA-256 (hex) of the body as sent, and the body with apikey/signature redacted */
  body_sha256?: string;
  body_redacted?: string;
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  /** poll async jobs to completion (default true) */
  wait?: boolean;
  signal?: AbortSignal;
  jobs?: Omit<JobPollOptions, 'signal'>;
  beforeSend?: (req: OutgoingRequest) => void;
}

export interface CallResult {
  command: string;
  http_status: number;
  /** the unwrapped <command>response, or for a waited async job its jobresult */
  response: CsObject;
  jobid?: string;
  /** async job final status (1) when waited; 0 when not waited */
  jobstatus?: number;
}

const REDACTED = '[redacted]';

export function checkEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'CloudStack endpoint is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'CloudStack endpoint must be http(s)');
  if (url.username || url.password || url.search || url.hash) {
    throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'CloudStack endpoint must not carry credentials, a query or a fragment');
  }
  return url;
}

function redactQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([n, v]) => {
    const lower = n.toLowerCase();
    return `${javaUrlEncode(n)}=${lower === API_KEY_PARAM || lower === SIGNATURE_PARAM ? REDACTED : javaUrlEncode(v)}`;
  }).join('&');
}

export class CloudStackClient {
  readonly endpoint: URL;
  private readonly agent: Agent;
  private readonly secrets: string[];

  constructor(private readonly o: CloudStackClientOptions) {
    this.endpoint = checkEndpoint(o.endpoint);
    if (!o.apiKey || !o.secretKey) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'CloudStack API key and secret key are required');
    if (!(o.timeoutMs > 0)) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'timeoutMs must be positive');
    this.secrets = [o.secretKey, o.apiKey];
    this.agent = new Agent({
      headersTimeout: o.timeoutMs,
      bodyTimeout: o.timeoutMs,
      keepAliveTimeout: 4_000,
      connect: { timeout: Math.min(o.timeoutMs, 10_000), ...(o.ca === undefined ? {} : { ca: o.ca }) },
    });
  }

  /** The unwrapped response (jobresult for waited async jobs). */
  async call(command: string, params: Record<string, string> = {}, options: CallOptions = {}): Promise<CsObject> {
    return (await this.execute(command, params, options)).response;
  }

  /** A list command's response as {count, items}, the empty shape {} included. */
  async list<T = CsObject>(command: string, params: Record<string, string> = {}, options: CallOptions = {}): Promise<CsList<T>> {
    return normaliseList<T>(await this.call(command, params, options));
  }

  async execute(command: string, params: Record<string, string> = {}, options: CallOptions = {}): Promise<CallResult> {
    const first = await this.send(command, params, options);
    const jobid = first.response.jobid;
    if (typeof jobid !== 'string' || command.toLowerCase() === 'queryasyncjobresult') return first;
    if (options.wait === false) return { ...first, jobid, jobstatus: 0 };
    const outcome = await waitForJob(command, jobid, (id, signal) => this.call('queryAsyncJobResult', { jobid: id }, { signal, method: options.method }),
      { ...this.o.jobs, ...options.jobs, signal: options.signal }, this.secrets);
    return { command, http_status: first.http_status, response: outcome.result, jobid, jobstatus: 1 };
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async send(command: string, params: Record<string, string>, options: CallOptions): Promise<CallResult> {
    if (!/^[A-Za-z][A-Za-z0-9]*$/.test(command)) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', 'CloudStack command must be a plain API name');
    const own = Object.keys(params).find((k) => ['command', 'response'].includes(k.toLowerCase()));
    if (own) throw new VnfError('VNF_ERR_CS_REQUEST_INVALID', `parameter '${own}' is set by the client`);
    const version = this.o.signatureVersion ?? 3;
    const signed = signRequest({
      apiKey: this.o.apiKey, secretKey: this.o.secretKey, params: { ...params, command, response: 'json' },
      signatureVersion: version,
      ...(version === 3 ? { expires: new Date(Date.now() + (this.o.expiresInMs ?? 300_000)) } : {}),
    });
    const secrets = [...this.secrets, signed.signature];
    const method = options.method ?? this.o.method ?? 'POST';
    const withSig: [string, string][] = [...signed.params, [SIGNATURE_PARAM, signed.signature]];
    const base = this.endpoint.href;
    const url = method === 'GET' ? `${base}?${signed.query}` : base;
    const outgoing: OutgoingRequest = {
      method, command, transport: this.endpoint.protocol === 'https:' ? 'https' : 'http',
      url: method === 'GET' ? `${base}?${redactQuery(withSig)}` : base,
    };
    if (method === 'POST') {
      outgoing.body_sha256 = createHash('sha256').update(signed.query).digest('hex');
      outgoing.body_redacted = redactQuery(withSig);
    }
    options.beforeSend?.(outgoing);

    const timeout = AbortSignal.timeout(this.o.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        dispatcher: this.agent, method, signal,
        headersTimeout: this.o.timeoutMs, bodyTimeout: this.o.timeoutMs,
        headers: { accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        ...(method === 'POST' ? { body: signed.query } : {}),
      });
      status = res.statusCode;
      text = await readBounded(res.body, this.o.maxResponseBytes ?? 32 * 1024 * 1024);
    } catch (error) {
      if (error instanceof VnfError) throw error;
      throw translateCsNetError(error, this.endpoint.origin, timeout.aborted && !options.signal?.aborted);
    }
    return this.interpret(command, status, text, secrets);
  }

  private interpret(command: string, status: number, text: string, secrets: readonly string[]): CallResult {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const inner = unwrapEnvelope(command, body);
    const error = errorFromResponse(command, status, inner, secrets);
    if (error) throw error;
    if (!inner || status >= 300) {
      throw new VnfError('VNF_ERR_CS_RESPONSE', `CloudStack ${command}: HTTP ${status} without a ${command.toLowerCase()}response JSON object`, {
        details: { command, http_status: status },
      });
    }
    return { command, http_status: status, response: inner };
  }
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy?: () => void }, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy?.();
      throw new VnfError('VNF_ERR_CS_RESPONSE', `CloudStack response larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
