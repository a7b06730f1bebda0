// Request bodies: bounded reading (413 as soon as the limit is passed, without reading the rest),
// media-type checks (415), strict UTF-8, JSON parsing with a nesting bound (400, never echoing input).
import type { IncomingMessage } from 'node:http';
import { VnfError } from '../errors.js';

export type BodyKind = 'json' | 'yaml';

export const MAX_JSON_DEPTH = 32;

const MEDIA_TYPES: Record<BodyKind, readonly string[]> = {
  json: ['application/json'],
  yaml: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'text/plain'],
};

export function acceptedMediaTypes(kind: BodyKind): readonly string[] {
  return MEDIA_TYPES[kind];
}

/** 415 unless the Content-Type (parameters ignored) is one the route accepts. */
export function checkMediaType(req: IncomingMessage, kind: BodyKind): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!MEDIA_TYPES[kind].includes(type)) {
    throw new VnfError('VNF_ERR_API_MEDIA_TYPE', `Content-Type must be ${MEDIA_TYPES[kind].join(' or ')}`);
  }
}

function tooLarge(limit: number): VnfError {
  return new VnfError('VNF_ERR_API_BODY_TOO_LARGE', `the request body is larger than ${limit} bytes`);
}

/** Reads the whole body up to `limit` bytes; stops reading and rejects (413) past it. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error?: VnfError): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (error) {
        req.pause();
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit));
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (): void => finish(new VnfError('VNF_ERR_API_BAD_REQUEST', 'the request body could not be read'));
    const onAborted = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function decodeUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'the request body is not valid UTF-8');
  }
}

function depthOf(value: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) max = depth + 1;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(node as object)) stack.push([child, depth + 1]);
  }
  return max;
}

export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'a JSON request body is required');
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8(bytes)) as unknown;
  } catch (error) {
    if (error instanceof VnfError) throw error;
    throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'the request body is not valid JSON');
  }
  if (depthOf(value) > MAX_JSON_DEPTH) throw new VnfError('VNF_ERR_API_BAD_REQUEST', `the request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}
