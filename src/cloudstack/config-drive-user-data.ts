// User data → the broker's section: undoes base64 and gzip layers, reads a #cloud-config (or plain
// YAML) document or a MIME multipart archive, and returns the one top-level `vnf_broker:` value.
import { gunzipSync } from 'node:zlib';
import { LineCounter, parseDocument } from 'yaml';
import { VnfError } from '../errors.js';

export const BROKER_KEY = 'vnf_broker';
const MAX_DECODED_BYTES = 4 * 1024 * 1024;
const MAX_LAYERS = 4;
const MAX_MIME_DEPTH = 3;
const MAX_PARTS = 64;

export interface BrokerUserData {
  section: unknown;
  /** how it was found, e.g. ['base64', 'gzip', 'mime', 'cloud-config'] */
  layers: string[];
}

const userDataError = (message: string): VnfError => new VnfError('VNF_ERR_FIRSTBOOT_USER_DATA', message);

const isGzip = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
const KNOWN_START = /^(#cloud-config|content-type:|mime-version:|vnf_broker\s*:|#!|#include|---)/i;

function gunzip(b: Buffer): Buffer {
  try {
    return gunzipSync(b, { maxOutputLength: MAX_DECODED_BYTES });
  } catch {
    throw userDataError('user data looks gzip-compressed but does not decompress (corrupt, truncated or larger than 4 MiB)');
  }
}

/** base64 text whose decoding is gzip or text we recognise (never guesses on arbitrary words). */
function tryBase64(b: Buffer): Buffer | undefined {
  const text = b.toString('latin1').trim();
  if (text.length < 8 || !/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(text)) return undefined;
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 !== 0) return undefined;
  const decoded = Buffer.from(compact, 'base64');
  if (isGzip(decoded)) return decoded;
  const head = decoded.toString('utf8', 0, 64).replace(/^\uFEFF/, '').trimStart();
  return KNOWN_START.test(head) ? decoded : undefined;
}

/** Undoes base64/gzip layers (CloudStack stores user data decoded; admins sometimes encode twice). */
function unwrap(raw: Buffer, layers: string[]): string {
  let data = raw;
  for (let i = 0; i < MAX_LAYERS; i++) {
    if (isGzip(data)) { data = gunzip(data); layers.push('gzip'); continue; }
    const decoded = tryBase64(data);
    if (decoded) { data = decoded; layers.push('base64'); continue; }
    break;
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw userDataError('user data is not UTF-8 text (after undoing base64/gzip)');
  }
  return text.replace(/^\uFEFF/, '');
}

/** Parses YAML without ever quoting the source (it holds keys and secrets) in a message. */
function parseYaml(text: string, what: string): unknown {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const first = doc.errors[0];
  if (first) {
    const pos = lines.linePos(first.pos[0]);
    throw userDataError(`${what}: YAML error ${first.code} at line ${pos.line}, column ${pos.col}`);
  }
  try {
    return doc.toJS({ maxAliasCount: 50 });
  } catch {
    throw userDataError(`${what}: YAML aliases expand too far or do not resolve`);
  }
}

function sectionOf(doc: unknown): { found: boolean; value: unknown } {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Object.hasOwn(doc, BROKER_KEY)) return { found: false, value: undefined };
  return { found: true, value: (doc as Record<string, unknown>)[BROKER_KEY] };
}

interface Headers { [name: string]: string }

function splitHeaders(text: string): { headers: Headers; body: string } {
  const m = /\r?\n\r?\n/.exec(text);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  const headers: Headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function param(value: string, name: string): string | undefined {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? m[1] ?? m[2] : undefined;
}

function decodePart(body: string, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') {
    const compact = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) throw userDataError('a MIME part declared base64 is not valid base64');
    return Buffer.from(compact, 'base64');
  }
  if (enc === '7bit' || enc === '8bit' || enc === 'binary') return Buffer.from(body, 'utf8');
  throw userDataError(`MIME Content-Transfer-Encoding '${enc.slice(0, 40)}' is not supported (use base64 or 7bit)`);
}

/** Collects broker sections from a MIME multipart message (cloud-init's format), recursively. */
function fromMime(text: string, depth: number, found: unknown[], layers: string[]): void {
  const { headers, body } = splitHeaders(text);
  const type = (headers['content-type'] ?? 'text/plain').toLowerCase();
  if (!type.startsWith('multipart/')) {
    const content = decodePart(body, headers['content-transfer-encoding']);
    fromDocument(content, depth, found, layers, type);
    return;
  }
  if (depth >= MAX_MIME_DEPTH) throw userDataError('MIME multipart nested too deeply');
  const boundary = param(headers['content-type'] ?? '', 'boundary');
  if (!boundary) throw userDataError('MIME multipart user data has no boundary parameter');
  const delimiter = `--${boundary}`;
  const end = body.indexOf(`${delimiter}--`);
  if (end < 0) throw userDataError('MIME multipart user data is truncated (no closing boundary)');
  const parts = body.slice(0, end).split(delimiter).slice(1);
  if (parts.length > MAX_PARTS) throw userDataError(`MIME multipart has more than ${MAX_PARTS} parts`);
  layers.push('mime');
  for (const part of parts) fromMime(part.replace(/^[ \t]*\r?\n/, ''), depth + 1, found, layers);
}

function fromDocument(raw: Buffer, depth: number, found: unknown[], layers: string[], mimeType?: string): void {
  const text = unwrap(raw, layers);
  const head = text.trimStart();
  if (/^(content-type|mime-version):/i.test(head)) return fromMime(head, depth, found, layers);
  const isCloudConfig = /^#cloud-config[ \t]*(\r?\n|$)/.test(head) || mimeType?.startsWith('text/cloud-config') === true;
  if (!isCloudConfig && (head.startsWith('#!') || head.startsWith('#include') || head.startsWith('#cloud-boothook'))) return; // scripts: not ours
  if (!isCloudConfig && mimeType !== undefined && !/^text\/(plain|yaml|x-yaml)/.test(mimeType)) return;
  if (!isCloudConfig && !/^(---\s*\n)?vnf_broker\s*:/m.test(head)) return;
  const section = sectionOf(parseYaml(text, isCloudConfig ? 'cloud-config user data' : 'YAML user data'));
  if (section.found) {
    layers.push(isCloudConfig ? 'cloud-config' : 'yaml');
    found.push(section.value);
  }
}

/** The `vnf_broker:` section of the user data; errors say what was wrong, never what it contained. */
export function extractBrokerSection(userData: Buffer | undefined): BrokerUserData {
  if (userData === undefined || userData.length === 0) throw userDataError('the instance has no user data (expected a #cloud-config with a top-level vnf_broker: key)');
  const found: unknown[] = [];
  const layers: string[] = [];
  fromDocument(userData, 0, found, layers);
  if (found.length === 0) {
    throw userDataError('the user data holds no vnf_broker section (expected a #cloud-config, plain YAML or MIME multipart part with a top-level vnf_broker: key)');
  }
  if (found.length > 1) throw userDataError(`the user data holds ${found.length} vnf_broker sections (MIME parts); keep exactly one`);
  return { section: found[0], layers };
}
