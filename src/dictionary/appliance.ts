// Appliance context loader: YAML/JSON file or API object → validated ApplianceContext with defaults,
// key/CA files read into memory. Errors are VNF_ERR_APPLIANCE_INVALID and never echo values.
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { VnfError } from '../errors.js';
import type { ApplianceContext, JumpHop } from './appliance-model.js';
import { APPLIANCE_SCHEMA } from './appliance-schema.js';
import { DiagnosticBag, formatDiagnostic } from './diagnostics.js';
import { parseYamlSource, type SourceLocator } from './load-yaml.js';
import { readSourceFile } from './load.js';
import { parsePointer } from './normalise-context.js';
import { humanPath } from './schema.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  // API input: first error only (ajv's advice for untrusted input), hence a separate instance
  compiled ??= new Ajv2020({ strict: true, allErrors: false }).compile(APPLIANCE_SCHEMA);
  return compiled;
}

export interface ApplianceOptions {
  /** directory that relative *_file paths are resolved against (default: the file's, else cwd) */
  baseDir?: string;
}

/** A file path (YAML or JSON) or an already-parsed object (API request). */
export async function loadApplianceContext(input: string | Record<string, unknown>, options: ApplianceOptions = {}): Promise<ApplianceContext> {
  if (typeof input === 'string') return loadApplianceContextFile(input, options);
  return parseApplianceContext(input, options);
}

export async function loadApplianceContextFile(path: string, options: ApplianceOptions = {}): Promise<ApplianceContext> {
  const text = await readSourceFile(path);
  if (typeof text !== 'string') throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `${path}: the file is too large`);
  return loadApplianceContextText(text, path, { baseDir: options.baseDir ?? dirname(resolve(path)) });
}

export async function loadApplianceContextText(text: string, file: string, options: ApplianceOptions = {}): Promise<ApplianceContext> {
  const bag = new DiagnosticBag(file);
  const parsed = parseYamlSource(text, bag, 'appliance context');
  const errors = bag.items.filter((d) => d.severity === 'error');
  if (!parsed || errors.length > 0) {
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `appliance context ${file} is invalid:\n${errors.map(formatDiagnostic).join('\n')}`, { details: errors });
  }
  return parseApplianceContext(parsed.value, options, { file, locator: parsed.locator });
}

export async function parseApplianceContext(value: unknown, options: ApplianceOptions = {}, source?: { file: string; locator: SourceLocator }): Promise<ApplianceContext> {
  const validate = validator();
  if (!validate(value)) {
    const [e] = validate.errors ?? [];
    const message = e ? describe(e) : 'invalid';
    if (source && e) {
      const pos = source.locator.pos(parsePointer(e.instancePath).concat(extraKey(e) ?? []), extraKey(e) !== undefined);
      throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `${source.file}:${pos.line}:${pos.col}: ${message}`, { details: [{ file: source.file, ...pos, message }] });
    }
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `appliance context: ${message}`, { details: [{ message }] });
  }
  const raw = plainClone(value) as unknown as ApplianceContext;
  const baseDir = options.baseDir ?? process.cwd();
  const credentials = { ...(raw.credentials ?? {}) };
  if (credentials.private_key_file !== undefined && credentials.private_key === undefined) {
    credentials.private_key = await readAttached(credentials.private_key_file, baseDir, 'credentials.private_key_file');
  }
  const jump: JumpHop[] = [];
  for (const [i, hop] of (raw.jump ?? []).entries()) {
    const filled: JumpHop = { ...hop, port: hop.port ?? 22 };
    if (hop.private_key_file !== undefined && hop.private_key === undefined) {
      filled.private_key = await readAttached(hop.private_key_file, baseDir, `jump[${i}].private_key_file`);
    }
    jump.push(filled);
  }
  const tls = raw.tls ? { ...raw.tls } : undefined;
  if (tls?.ca_file !== undefined && tls.ca === undefined) tls.ca = await readAttached(tls.ca_file, baseDir, 'tls.ca_file');
  return { ...raw, credentials, jump, cs_data: raw.cs_data ?? {}, ...(tls ? { tls } : {}) };
}

/**
 * A deep copy of JSON-like data (what JSON.parse and YAML's core schema give): several times cheaper
 * than structuredClone, which the API would otherwise pay on every request; anything else
 * (class instances) still goes through structuredClone.
 */
function plainClone(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) return structuredClone(value);
  if (Array.isArray(value)) return value.map((item: unknown) => plainClone(item, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const copy = plainClone(member, depth + 1);
    // an own "__proto__" key stays a plain member (as structuredClone keeps it), not the prototype
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true });
    else out[key] = copy;
  }
  return out;
}

async function readAttached(path: string, baseDir: string, what: string): Promise<string> {
  const full = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    return await readFile(full, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new VnfError('VNF_ERR_APPLIANCE_INVALID', `appliance context: ${what}: cannot read ${full} (${code})`, { cause: error });
  }
}

function extraKey(e: ErrorObject): string | undefined {
  const p = e.params as Record<string, unknown>;
  return e.keyword === 'additionalProperties' ? String(p.additionalProperty) : undefined;
}

function describe(e: ErrorObject): string {
  const path = parsePointer(e.instancePath);
  const where = humanPath(path) || 'appliance context';
  const p = e.params as Record<string, unknown>;
  const last = path[path.length - 1];
  switch (e.keyword) {
    case 'required': return `${where}: missing required key '${String(p.missingProperty)}'`;
    case 'additionalProperties': return `unknown key '${String(p.additionalProperty)}' in ${where}`;
    case 'type': return `${where}: must be ${String(p.type)}${p.type === 'string' ? ' (quote the value)' : ''}`;
    case 'pattern':
      if (last === 'host_key') return `${where}: must be an OpenSSH fingerprint (SHA256: followed by 43 base64 characters)`;
      if (last === 'fingerprint256') return `${where}: must be a SHA-256 fingerprint (32 colon-separated hex bytes)`;
      if (last === 'http_proxy') return `${where}: must be an http:// or https:// URL`;
      return `${where}: has an invalid format`;
    default: return `${where}: ${e.message ?? 'is invalid'}`;
  }
}
