// Where CloudStack API keys come from for admins' tools: a keys file (YAML or JSON
// {api_key, secret_key}) or environment variables. Never from argv for `call`.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { VnfError } from '../errors.js';

export interface ApiKeys {
  apiKey: string;
  secretKey: string;
}

export const ENV_API_KEY = 'CLOUDSTACK_API_KEY';
export const ENV_SECRET_KEY = 'CLOUDSTACK_SECRET_KEY';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Reads {api_key, secret_key} (apikey/secretkey and apiKey/secretKey accepted) from a YAML/JSON file. */
export function loadKeysFile(file: string): ApiKeys {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch {
    // the parser's message could quote the file (the secret): say only what failed
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `keys file ${file} could not be read or parsed as YAML/JSON`);
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
  const apiKey = str(o.api_key ?? o.apikey ?? o.apiKey);
  const secretKey = str(o.secret_key ?? o.secretkey ?? o.secretKey);
  if (!apiKey || !secretKey) throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `keys file ${file} needs both api_key and secret_key`);
  return { apiKey, secretKey };
}

/** Keys from the named environment variables (defaults CLOUDSTACK_API_KEY / CLOUDSTACK_SECRET_KEY). */
export function keysFromEnv(env: NodeJS.ProcessEnv = process.env, apiKeyVar = ENV_API_KEY, secretKeyVar = ENV_SECRET_KEY): ApiKeys | undefined {
  const apiKey = str(env[apiKeyVar]);
  const secretKey = str(env[secretKeyVar]);
  if (!apiKey && !secretKey) return undefined;
  if (!apiKey || !secretKey) {
    throw new VnfError('VNF_ERR_CLI_USAGE', `set both ${apiKeyVar} and ${secretKeyVar} (only one is set)`);
  }
  return { apiKey, secretKey };
}
