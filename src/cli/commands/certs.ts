// `vnf-broker certs init-ca | issue | csr | enroll` (DESIGN.md §3.1): a CA, server/client certificates,
// CSRs, and enrolment through CloudStack's issueCertificate. JSON on stdout (never key material).
import { join, resolve } from 'node:path';
import {
  assertAbsent, createCa, ensurePrivateDir, createCsr, describeCertificate, issueCertificate, loadCa, parseSans, readCsr,
  readTextFile, signCsr, writeFileAtomic, CERT_FILE_MODE, DEFAULT_CA_DAYS, DEFAULT_LEAF_DAYS, KEY_FILE_MODE,
  type CaMaterial, type RsaKeyBits,
} from '../../certs/index.js';
import {
  CloudStackClient, ENV_API_KEY, ENV_SECRET_KEY, enrollCertificate, keysFromEnv, loadKeysFile,
} from '../../cloudstack/index.js';
import { VnfError, isVnfError } from '../../errors.js';
import { optionalString, parseCommandArgs, requireString, type Parsed } from '../args.js';
import { EXIT_OK, EXIT_USAGE, printJson } from '../io.js';

const USAGE = `usage: vnf-broker certs init-ca --out DIR [--cn NAME] [--days N] [--key-bits 2048|3072|4096] [--force]
       vnf-broker certs issue --ca DIR (--server | --client) --cn CN [--san NAME|IP]... [--days N] --out DIR [--name NAME] [--key-bits N] [--force]
       vnf-broker certs issue --ca DIR (--server | --client) --csr FILE [--san NAME|IP]... [--days N] --out DIR [--name NAME] [--force]
       vnf-broker certs csr --cn CN [--san NAME|IP]... --out DIR [--name NAME] [--key-bits N] [--force]
       vnf-broker certs enroll --endpoint URL [--keys-file F] [--ca-file PEM] --cn CN [--san NAME|IP]... [--days N]
                               --out DIR [--client] [--renew-before-days N] [--force] [--key-bits N] [--provider P]
                               [--timeout SECONDS] [--job-timeout SECONDS]

init-ca  DIR/ca.pem + DIR/ca-key.pem: a self-signed RSA CA (default CN 'vnf-broker CA', ${DEFAULT_CA_DAYS} days)
issue    DIR/NAME.pem + DIR/NAME-key.pem signed by --ca DIR/{ca.pem,ca-key.pem} (NAME: server or client;
         ${DEFAULT_LEAF_DAYS} days); with --csr, only DIR/NAME.pem for the CSR's subject, SANs and key
csr      DIR/NAME.csr + DIR/NAME-key.pem (NAME: request), e.g. for CloudStack's issueCertificate
enroll   a key and CSR made here, issueCertificate through the CloudStack API (job polled), the CA from
         listCaCertificate; verified, then DIR/server.pem + DIR/server-key.pem + DIR/ca.pem (--client:
         client.pem/client-key.pem) installed together. Keys from --keys-file or ${ENV_API_KEY}/${ENV_SECRET_KEY},
         endpoint also from CLOUDSTACK_ENDPOINT; --ca-file trusts the endpoint's TLS CA. Default 365 days.
         --renew-before-days N: exit 0 without a call while the installed certificate has more than N days left.
Key files are written 0600 and existing files are never replaced without --force.`;

const COMMON = {
  out: { type: 'string' }, force: { type: 'boolean' }, 'key-bits': { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

const usage = (message: string): VnfError => new VnfError('VNF_ERR_CLI_USAGE', `certs: ${message}\n${USAGE}`);

export default async function certs(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (sub === 'init-ca') return initCa(rest);
  if (sub === 'issue') return issue(rest);
  if (sub === 'csr') return csr(rest);
  if (sub === 'enroll') return enroll(rest);
  throw usage(`unknown subcommand '${sub}' (init-ca, issue, csr, enroll)`);
}

function parse(argv: string[], extra: Parameters<typeof parseCommandArgs>[1]): Parsed | undefined {
  const parsed = parseCommandArgs(argv, { ...COMMON, ...extra }, false);
  if (parsed.values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  return parsed;
}

function days(parsed: Parsed): number | undefined {
  const text = optionalString(parsed, 'days');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 36_500) throw usage(`--days must be a whole number from 1 to 36500, not '${text}'`);
  return n;
}

function keyBits(parsed: Parsed): RsaKeyBits | undefined {
  const text = optionalString(parsed, 'key-bits');
  if (text === undefined) return undefined;
  if (text !== '2048' && text !== '3072' && text !== '4096') throw usage('--key-bits must be 2048, 3072 or 4096');
  return Number(text) as RsaKeyBits;
}

function sans(parsed: Parsed): string[] {
  const values = (parsed.values.san as string[] | undefined) ?? [];
  try {
    return parseSans(values).map((s) => `${s.type === 'dns' ? 'DNS' : 'IP'}:${s.value}`);
  } catch (error) {
    throw isVnfError(error) ? usage(`--san: ${error.message}`) : error;
  }
}

function fileName(parsed: Parsed, fallback: string): string {
  const name = optionalString(parsed, 'name') ?? fallback;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) throw usage('--name must be a simple file name stem (letters, digits, . _ -)');
  return name;
}

/** Name errors in --cn are usage errors (exit 2), not failed operations. */
async function asUsage<T>(run: () => Promise<T> | T): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isVnfError(error) && error.code === 'VNF_ERR_CERT_NAME_INVALID') throw usage(error.message);
    throw error;
  }
}

/** Writes key files first (0600), then the public ones; checks every target before writing any. */
function writeOutputs(outDir: string, outputs: { path: string; pem: string; key: boolean }[], force: boolean): void {
  ensurePrivateDir(outDir);
  if (!force) assertAbsent(outputs.map((o) => o.path));
  for (const o of [...outputs].sort((a, b) => Number(b.key) - Number(a.key))) {
    writeFileAtomic(o.path, o.pem, o.key ? KEY_FILE_MODE : CERT_FILE_MODE, force);
  }
}

function summary(files: Record<string, string>, certPem: string): Record<string, unknown> {
  const info = describeCertificate(certPem);
  return {
    ok: true, files, subject: info.subject, issuer: info.issuer, sans: info.sans, serial: info.serial,
    fingerprint256: info.fingerprint256, notBefore: info.notBefore, notAfter: info.notAfter,
  };
}

async function initCa(argv: string[]): Promise<number> {
  const parsed = parse(argv, { cn: { type: 'string' }, days: { type: 'string' } });
  if (!parsed) return EXIT_OK;
  const out = resolve(requireString(parsed, 'out'));
  const files = { cert: join(out, 'ca.pem'), key: join(out, 'ca-key.pem') };
  const force = parsed.values.force === true;
  if (!force) assertAbsent([files.cert, files.key]);
  const ca = await asUsage(() => createCa({ cn: optionalString(parsed, 'cn') ?? 'vnf-broker CA', days: days(parsed), keyBits: keyBits(parsed) }));
  writeOutputs(out, [{ path: files.key, pem: ca.keyPem, key: true }, { path: files.cert, pem: ca.certPem, key: false }], force);
  printJson(summary(files, ca.certPem));
  return EXIT_OK;
}

function readCa(dir: string): CaMaterial {
  const ca = { certPem: readTextFile(join(dir, 'ca.pem'), 'CA certificate'), keyPem: readTextFile(join(dir, 'ca-key.pem'), 'CA key') };
  try {
    loadCa(ca);
  } catch (error) {
    if (isVnfError(error)) throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `--ca ${dir}: ${error.message}`);
    throw error;
  }
  return ca;
}

async function issue(argv: string[]): Promise<number> {
  const parsed = parse(argv, {
    ca: { type: 'string' }, server: { type: 'boolean' }, client: { type: 'boolean' }, cn: { type: 'string' },
    san: { type: 'string', multiple: true }, days: { type: 'string' }, csr: { type: 'string' }, name: { type: 'string' },
  });
  if (!parsed) return EXIT_OK;
  if ((parsed.values.server === true) === (parsed.values.client === true)) throw usage('give exactly one of --server or --client');
  const kind = parsed.values.server === true ? 'server' : 'client';
  const caDir = resolve(requireString(parsed, 'ca'));
  const out = resolve(requireString(parsed, 'out'));
  const csrFile = optionalString(parsed, 'csr');
  if (csrFile !== undefined && parsed.values.cn !== undefined) throw usage('--cn comes from the CSR; do not give both --csr and --cn');
  const cn = csrFile === undefined ? requireString(parsed, 'cn') : undefined;
  const name = fileName(parsed, kind);
  const extraSans = sans(parsed);
  const validity = days(parsed);
  const bits = keyBits(parsed);
  const force = parsed.values.force === true;
  const ca = readCa(caDir);
  const cert = join(out, `${name}.pem`);
  if (csrFile !== undefined) {
    const csrPem = readTextFile(csrFile, 'CSR');
    if (!force) assertAbsent([cert]);
    const { certPem } = await asUsage(() => signCsr(ca, csrPem, { kind, days: validity, extraSans }));
    writeOutputs(out, [{ path: cert, pem: certPem, key: false }], force);
    printJson(summary({ cert, csr: resolve(csrFile) }, certPem));
    return EXIT_OK;
  }
  const key = join(out, `${name}-key.pem`);
  if (!force) assertAbsent([cert, key]);
  const issued = await asUsage(() => issueCertificate({ ca, kind, cn: cn ?? '', sans: extraSans, days: validity, keyBits: bits }));
  writeOutputs(out, [{ path: key, pem: issued.keyPem ?? '', key: true }, { path: cert, pem: issued.certPem, key: false }], force);
  printJson(summary({ cert, key }, issued.certPem));
  return EXIT_OK;
}

async function csr(argv: string[]): Promise<number> {
  const parsed = parse(argv, { cn: { type: 'string' }, san: { type: 'string', multiple: true }, name: { type: 'string' } });
  if (!parsed) return EXIT_OK;
  const cn = requireString(parsed, 'cn');
  const out = resolve(requireString(parsed, 'out'));
  const name = fileName(parsed, 'request');
  const requested = sans(parsed);
  const bits = keyBits(parsed);
  const files = { csr: join(out, `${name}.csr`), key: join(out, `${name}-key.pem`) };
  const force = parsed.values.force === true;
  if (!force) assertAbsent([files.csr, files.key]);
  const result = await asUsage(() => createCsr({ cn, sans: requested, keyBits: bits }));
  writeOutputs(out, [{ path: files.key, pem: result.keyPem, key: true }, { path: files.csr, pem: result.csrPem, key: false }], force);
  const info = readCsr(result.csrPem);
  printJson({ ok: true, files, subject: info.cn, sans: info.sans.map((s) => s.replace(/^(DNS|IP):/, '')) });
  return EXIT_OK;
}

function seconds(parsed: Parsed, name: string, fallback: number): number {
  const raw = optionalString(parsed, name);
  if (raw === undefined) return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw usage(`--${name} must be a positive number of seconds`);
  return n * 1000;
}

async function enroll(argv: string[]): Promise<number> {
  const parsed = parse(argv, {
    endpoint: { type: 'string' }, 'keys-file': { type: 'string' }, 'ca-file': { type: 'string' }, cn: { type: 'string' },
    san: { type: 'string', multiple: true }, days: { type: 'string' }, client: { type: 'boolean' }, server: { type: 'boolean' },
    'renew-before-days': { type: 'string' }, provider: { type: 'string' }, timeout: { type: 'string' }, 'job-timeout': { type: 'string' },
  });
  if (!parsed) return EXIT_OK;
  if (parsed.values.client === true && parsed.values.server === true) throw usage('give at most one of --server or --client');
  const kind = parsed.values.client === true ? 'client' : 'server';
  const endpoint = optionalString(parsed, 'endpoint') ?? process.env.CLOUDSTACK_ENDPOINT;
  if (!endpoint) throw usage('certs enroll needs --endpoint URL (or CLOUDSTACK_ENDPOINT)');
  const cn = requireString(parsed, 'cn');
  const out = resolve(requireString(parsed, 'out'));
  const requested = sans(parsed);
  const validity = days(parsed);
  const bits = keyBits(parsed);
  const renewText = optionalString(parsed, 'renew-before-days');
  if (renewText !== undefined && !/^\d+$/.test(renewText)) throw usage(`--renew-before-days must be a whole number of days, not '${renewText}'`);
  const keysFile = optionalString(parsed, 'keys-file');
  const keys = keysFile !== undefined ? loadKeysFile(keysFile) : keysFromEnv();
  if (!keys) throw usage(`no API keys: use --keys-file F or set ${ENV_API_KEY} and ${ENV_SECRET_KEY}`);
  const caFile = optionalString(parsed, 'ca-file');
  const ca = caFile === undefined ? undefined : readTextFile(caFile, 'CloudStack endpoint CA file');
  const provider = optionalString(parsed, 'provider');
  const client = new CloudStackClient({
    endpoint, ...keys, timeoutMs: seconds(parsed, 'timeout', 30), jobs: { jobTimeoutMs: seconds(parsed, 'job-timeout', 600) },
    ...(ca === undefined ? {} : { ca }),
  });
  try {
    const result = await asUsage(() => enrollCertificate({
      client, kind, cn, sans: requested, outDir: out, force: parsed.values.force === true,
      ...(validity === undefined ? {} : { days: validity }),
      ...(bits === undefined ? {} : { keyBits: bits }),
      ...(renewText === undefined ? {} : { renewBeforeDays: Number(renewText) }),
      ...(provider === undefined ? {} : { provider }),
    }));
    printJson({
      ok: true, ...result,
      ...(kind === 'client' ? { client_rule: { name: result.certificate.subject, match: { fingerprint256: result.certificate.fingerprint256 } } } : {}),
    });
    return EXIT_OK;
  } finally {
    await client.close();
  }
}
