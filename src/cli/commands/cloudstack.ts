// `vnf-broker cloudstack sign|call`: print a request signed exactly as CloudStack verifies it, or make
// a signed API call (keys from a keys file or the environment, never argv) and print the response.
import { readFileSync } from 'node:fs';
import {
  CloudStackClient, ENV_API_KEY, ENV_SECRET_KEY, keysFromEnv, loadKeysFile, normaliseExpires, signRequest,
  type ApiKeys, type SignatureVersion,
} from '../../cloudstack/index.js';
import { VnfError } from '../../errors.js';
import { optionalString, parseCommandArgs, type Parsed } from '../args.js';
import { EXIT_OK, printErr, printJson } from '../io.js';

const USAGE = `usage: vnf-broker cloudstack sign (--api-key K --secret-key S | --api-key-env VAR --secret-key-env VAR | --keys-file F)
                                 [--signature-version 3|2] [--expires T] [--endpoint URL] name=value...
       vnf-broker cloudstack call --endpoint URL [--keys-file F] [--ca-file PEM] [--get] [--no-wait]
                                 [--timeout SECONDS] [--job-timeout SECONDS] [--signature-version 3|2]
                                 command=NAME [name=value...]

sign  prints {"query","signature","string_to_sign"[,"expires","url"]}: the parameters sorted, encoded
      and signed as the management server verifies them. Default signatureversion 3 with expires
      5 minutes ahead; --signature-version 2 gives the legacy form without expiry.
call  keys from --keys-file ({api_key, secret_key}, YAML or JSON) or ${ENV_API_KEY}/${ENV_SECRET_KEY};
      never from the command line. Endpoint also from CLOUDSTACK_ENDPOINT. Async jobs are polled
      unless --no-wait. Prints the unwrapped response (the job result for async commands).`;

export default async function cloudstack(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'sign') return sign(rest);
  if (sub === 'call') return call(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return EXIT_OK;
  }
  throw new VnfError('VNF_ERR_CLI_USAGE', `cloudstack: expected 'sign' or 'call'\n${USAGE}`);
}

/** name=value positionals; the value may hold '=' and be empty. */
export function parsePairs(positionals: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of positionals) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new VnfError('VNF_ERR_CLI_USAGE', `expected name=value, got an argument without a name (#${positionals.indexOf(p) + 1})`);
    const name = p.slice(0, eq);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new VnfError('VNF_ERR_CLI_USAGE', `parameter '${name}' given twice`);
    out[name] = p.slice(eq + 1);
  }
  return out;
}

function signKeys(parsed: Parsed): ApiKeys {
  const file = optionalString(parsed, 'keys-file');
  const apiKey = optionalString(parsed, 'api-key');
  const secretKey = optionalString(parsed, 'secret-key');
  const apiVar = optionalString(parsed, 'api-key-env');
  const secretVar = optionalString(parsed, 'secret-key-env');
  const sources = [file !== undefined, apiKey !== undefined || secretKey !== undefined, apiVar !== undefined || secretVar !== undefined].filter(Boolean).length;
  if (sources > 1) throw new VnfError('VNF_ERR_CLI_USAGE', 'give the keys one way: --api-key/--secret-key, --api-key-env/--secret-key-env, or --keys-file');
  if (file !== undefined) return loadKeysFile(file);
  if (apiVar !== undefined || secretVar !== undefined) {
    const keys = keysFromEnv(process.env, apiVar ?? ENV_API_KEY, secretVar ?? ENV_SECRET_KEY);
    if (!keys) throw new VnfError('VNF_ERR_CLI_USAGE', `environment variables ${apiVar ?? ENV_API_KEY} and ${secretVar ?? ENV_SECRET_KEY} are not set`);
    return keys;
  }
  if (!apiKey || !secretKey) throw new VnfError('VNF_ERR_CLI_USAGE', `cloudstack sign needs an API key and a secret key\n${USAGE}`);
  return { apiKey, secretKey };
}

function signatureVersionOf(parsed: Parsed): SignatureVersion {
  const v = optionalString(parsed, 'signature-version') ?? '3';
  if (v !== '2' && v !== '3') throw new VnfError('VNF_ERR_CLI_USAGE', '--signature-version must be 3 or 2');
  return v === '3' ? 3 : 2;
}

async function sign(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    'api-key': { type: 'string' }, 'secret-key': { type: 'string' },
    'api-key-env': { type: 'string' }, 'secret-key-env': { type: 'string' }, 'keys-file': { type: 'string' },
    'signature-version': { type: 'string' }, expires: { type: 'string' }, endpoint: { type: 'string' },
  });
  const keys = signKeys(parsed);
  const version = signatureVersionOf(parsed);
  const expiresOpt = optionalString(parsed, 'expires');
  if (version === 2 && expiresOpt !== undefined) throw new VnfError('VNF_ERR_CLI_USAGE', '--expires needs --signature-version 3');
  const params = parsePairs(parsed.positionals);
  if (Object.keys(params).length === 0) throw new VnfError('VNF_ERR_CLI_USAGE', `nothing to sign: give name=value parameters (command=... response=json)\n${USAGE}`);
  const expires = version === 3 ? normaliseExpires(expiresOpt ?? new Date(Date.now() + 300_000)) : undefined;
  const signed = signRequest({ ...keys, params, signatureVersion: version, ...(expires === undefined ? {} : { expires }) });
  const endpoint = optionalString(parsed, 'endpoint');
  printJson({
    query: signed.query,
    signature: signed.signature,
    string_to_sign: signed.stringToSign,
    ...(expires === undefined ? {} : { expires }),
    ...(endpoint === undefined ? {} : { url: `${endpoint}?${signed.query}` }),
  });
  return EXIT_OK;
}

function seconds(parsed: Parsed, name: string, fallback: number): number {
  const raw = optionalString(parsed, name);
  if (raw === undefined) return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new VnfError('VNF_ERR_CLI_USAGE', `--${name} must be a positive number of seconds`);
  return n * 1000;
}

async function call(argv: string[]): Promise<number> {
  if (argv.some((a) => /^--(api-key|secret-key)(-env)?(=|$)/.test(a))) {
    throw new VnfError('VNF_ERR_CLI_USAGE', `cloudstack call never takes keys on the command line (other local users can read it): use --keys-file or ${ENV_API_KEY}/${ENV_SECRET_KEY}`);
  }
  const parsed = parseCommandArgs(argv, {
    endpoint: { type: 'string' }, 'keys-file': { type: 'string' }, 'ca-file': { type: 'string' },
    get: { type: 'boolean' }, 'no-wait': { type: 'boolean' }, timeout: { type: 'string' }, 'job-timeout': { type: 'string' },
    'signature-version': { type: 'string' },
  });
  const endpoint = optionalString(parsed, 'endpoint') ?? process.env.CLOUDSTACK_ENDPOINT;
  if (!endpoint) throw new VnfError('VNF_ERR_CLI_USAGE', `cloudstack call needs --endpoint URL (or CLOUDSTACK_ENDPOINT)\n${USAGE}`);
  const file = optionalString(parsed, 'keys-file');
  const keys = file !== undefined ? loadKeysFile(file) : keysFromEnv();
  if (!keys) throw new VnfError('VNF_ERR_CLI_USAGE', `no API keys: use --keys-file F or set ${ENV_API_KEY} and ${ENV_SECRET_KEY}`);
  const { command, ...params } = parsePairs(parsed.positionals);
  if (!command) throw new VnfError('VNF_ERR_CLI_USAGE', `cloudstack call needs command=NAME\n${USAGE}`);
  const caFile = optionalString(parsed, 'ca-file');
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch {
      throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `CA file ${caFile} could not be read`);
    }
  }
  const client = new CloudStackClient({
    endpoint, ...keys, timeoutMs: seconds(parsed, 'timeout', 30), signatureVersion: signatureVersionOf(parsed),
    ...(ca === undefined ? {} : { ca }),
  });
  try {
    const result = await client.execute(command, params, {
      method: parsed.values.get === true ? 'GET' : 'POST',
      wait: parsed.values['no-wait'] !== true,
      jobs: { jobTimeoutMs: seconds(parsed, 'job-timeout', 600) },
    });
    const response = /^list/i.test(command) && Object.keys(result.response).length === 0 ? { count: 0 } : result.response;
    if (result.jobid !== undefined && result.jobstatus === 1) printErr(`vnf-broker cloudstack: async job ${result.jobid} succeeded`);
    printJson(response);
    return EXIT_OK;
  } finally {
    await client.close();
  }
}
