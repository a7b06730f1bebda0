// First boot: user data → validated plan → (enrolment) → broker config + TLS files + known_hosts,
// installed all-or-nothing. Re-runs with the same data change nothing; admin edits are respected.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { CERT_FILE_MODE, KEY_FILE_MODE, ensurePrivateDir } from '../certs/index.js';
import { parseConfigText, parseListen } from '../config/index.js';
import { VnfError, isVnfError } from '../errors.js';
import { CloudStackClient } from './client.js';
import { checkGivenTls, joinCaPem, parseKnownHostLines, planEnrollment, type EnrollPlan } from './config-drive-checks.js';
import { validateBrokerSection, type BrokerSection } from './config-drive-schema.js';
import { extractBrokerSection } from './config-drive-user-data.js';
import type { ConfigDriveData } from './config-drive.js';
import { enrollFiles, inspectInstalled, requestCertificate } from './enroll.js';
import { installFileSet, type PlannedFile } from './file-set.js';

export const DEFAULT_FIRSTBOOT_LISTEN = '0.0.0.0:8443';
export const FIRSTBOOT_RECORD = 'firstboot.json';
const CONFIG_FILE_MODE = 0o640;

export interface FirstBootOptions {
  data: ConfigDriveData;
  stateDir: string;
  configOut: string;
  /** apply new user data over a config that an admin changed */
  force?: boolean;
  /** per CloudStack HTTP request during enrolment (default 30 s) */
  timeoutMs?: number;
  jobTimeoutMs?: number;
  now?: Date;
}

export interface FirstBootResult {
  changed: boolean;
  action: 'applied' | 'unchanged';
  zone?: string;
  instance_id?: string;
  source: ConfigDriveData['source'];
  config: string;
  written: string[];
  tls: { mode: 'enroll' | 'certificate'; enrolled: boolean; subject?: string; fingerprint256?: string; notAfter?: string };
  warnings: string[];
}

interface FirstBootRecord {
  version: 1;
  desired_sha256: string;
  config_file: string;
  config_sha256: string;
  tls_source_sha256: string;
  known_hosts_seeded: string[];
}

const sha256 = (text: string | Buffer): string => createHash('sha256').update(text).digest('hex');
const readText = (path: string): string | undefined => (existsSync(path) ? readFileSync(path, 'utf8') : undefined);
const invalid = (message: string): VnfError => new VnfError('VNF_ERR_FIRSTBOOT_INVALID', message);

function readRecord(path: string): FirstBootRecord | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as FirstBootRecord;
    return r.version === 1 && typeof r.config_sha256 === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

function zoneOf(section: BrokerSection, metadata: Record<string, string>): string | undefined {
  const az = metadata['availability-zone'];
  if (section.zone !== undefined && az !== undefined && section.zone !== az) {
    throw invalid(`vnf_broker.zone is '${section.zone}' but this instance runs in zone '${az}': user data meant for another zone`);
  }
  return section.zone ?? az;
}

function configText(section: BrokerSection, paths: Paths, header: string, hmac: boolean): string {
  const audit = { ...section.audit };
  delete audit.hmac;
  const doc = {
    listen: section.listen ?? DEFAULT_FIRSTBOOT_LISTEN,
    state_dir: paths.stateDir,
    tls: {
      cert_file: paths.tls.cert, key_file: paths.tls.key, client_ca_file: paths.tls.ca,
      ...(section.tls.min_version !== undefined ? { min_version: section.tls.min_version } : {}),
    },
    clients: section.clients ?? [],
    ssh: { ...section.ssh, known_hosts_file: paths.knownHosts },
    ...(Object.keys(audit).length > 0 || hmac ? { audit: { ...audit, ...(hmac ? { hmac_key_file: paths.hmacKey } : {}) } } : {}),
    ...(section.log_level !== undefined ? { log_level: section.log_level } : {}),
  };
  return `${header}${stringify(doc, { lineWidth: 0 })}`;
}

interface Paths { stateDir: string; tlsDir: string; tls: { cert: string; key: string; ca: string }; knownHosts: string; hmacKey: string; record: string; config: string }

function pathsFor(stateDir: string, configOut: string): Paths {
  const dir = resolve(stateDir);
  const tlsDir = join(dir, 'tls');
  return {
    stateDir: dir, tlsDir, tls: enrollFiles(tlsDir, 'server'), knownHosts: join(dir, 'known_hosts'),
    hmacKey: join(dir, 'audit-hmac.key'), record: join(dir, FIRSTBOOT_RECORD), config: resolve(configOut),
  };
}

/** Lines learned at run time stay (in place); lines for hosts the user data pins are replaced by the pinned ones. */
function mergeKnownHosts(current: string | undefined, previouslySeeded: readonly string[], seeded: { names: string[]; line: string }[]): string {
  const pinned = new Set(seeded.flatMap((s) => s.names));
  const wanted = new Set(seeded.map((s) => s.line));
  const out: string[] = [];
  for (const raw of (current ?? '').split('\n')) {
    const line = raw.trim();
    if (line === '' || out.includes(line)) continue;
    if (wanted.has(line)) { out.push(line); continue; }
    if (previouslySeeded.includes(line)) continue;
    if (!line.startsWith('#') && (line.split(/\s+/)[0] ?? '').split(',').some((n) => pinned.has(n))) continue;
    out.push(line);
  }
  for (const s of seeded) if (!out.includes(s.line)) out.push(s.line);
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

async function enroll(plan: EnrollPlan, options: FirstBootOptions): Promise<{ certPem: string; keyPem: string; caPem: string; subject: string; fingerprint256: string; notAfter: string }> {
  const client = new CloudStackClient({
    endpoint: plan.endpoint, apiKey: plan.apiKey, secretKey: plan.secretKey, timeoutMs: options.timeoutMs ?? 30_000,
    jobs: { jobTimeoutMs: options.jobTimeoutMs ?? 600_000 }, ...(plan.endpointCa !== undefined ? { ca: plan.endpointCa } : {}),
  });
  try {
    const m = await requestCertificate({
      client, kind: 'server', cn: plan.cn, sans: plan.sans,
      ...(plan.days !== undefined ? { days: plan.days } : {}), ...(plan.provider !== undefined ? { provider: plan.provider } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    return { certPem: m.certPem, keyPem: m.keyPem, caPem: joinCaPem(m.caPem, plan.clientCa), subject: m.verified.info.subject, fingerprint256: m.verified.info.fingerprint256, notAfter: m.verified.info.notAfter };
  } finally {
    await client.close();
  }
}

/** Validates everything first; writes nothing on any problem; see README "First boot from the config drive". */
export async function runFirstBoot(options: FirstBootOptions): Promise<FirstBootResult> {
  const { data } = options;
  const section = validateBrokerSection(extractBrokerSection(data.userData).section);
  const zone = zoneOf(section, data.metadata);
  const listen = section.listen ?? DEFAULT_FIRSTBOOT_LISTEN;
  if (!parseListen(listen)) throw invalid('vnf_broker.listen: not HOST:PORT');
  const paths = pathsFor(options.stateDir, options.configOut);
  const seeded = parseKnownHostLines(section.known_hosts ?? []);
  const given = section.tls.enroll === undefined ? checkGivenTls(section.tls, options.now) : undefined;
  const enrollPlan = section.tls.enroll !== undefined ? planEnrollment(section.tls.enroll, section.tls.client_ca, data.metadata) : undefined;
  const hmac = section.audit?.hmac === true;
  const instance = data.metadata['instance-id'] ?? data.metadata['vm-id'];
  const header = `# vnf-broker configuration, written by \`vnf-broker firstboot\` from the CloudStack user data\n`
    + `# (zone ${zone ?? 'unknown'}, instance ${instance ?? 'unknown'}). If you edit it, firstboot keeps your\n`
    + '# version and refuses to apply new user data without --force.\n';
  const text = configText(section, paths, header, hmac);
  try {
    parseConfigText(text, paths.config);
  } catch (error) {
    throw invalid(`the broker config built from the user data does not validate: ${isVnfError(error) ? error.message : 'invalid'}`);
  }

  const { apiKey: _a, secretKey: _s, ...enrollSource } = enrollPlan ?? { apiKey: '', secretKey: '' };
  const tlsSource = sha256(JSON.stringify(given ? { certificate: given.certPem, key: sha256(given.keyPem), ca: given.caPem } : enrollSource));
  const record = readRecord(paths.record);
  const desired = sha256(JSON.stringify({ text, tlsSource, known: seeded.map((s) => s.line), hmac }));
  const currentConfig = readText(paths.config);
  const configState = currentConfig === undefined ? 'absent'
    : currentConfig === text || (record?.config_file === paths.config && sha256(currentConfig) === record.config_sha256) ? 'ours' : 'modified';
  const sameData = record?.desired_sha256 === desired;
  const tlsNeeded = given
    ? readText(paths.tls.cert) !== given.certPem || readText(paths.tls.key) !== given.keyPem || readText(paths.tls.ca) !== given.caPem
    : record?.tls_source_sha256 !== tlsSource || inspectInstalled(paths.tls, { cn: enrollPlan?.cn ?? '', sans: [], kind: 'server', ...(options.now ? { now: options.now } : {}) }).status !== 'valid';
  const knownHosts = mergeKnownHosts(readText(paths.knownHosts), record?.known_hosts_seeded ?? [], seeded);
  const knownHostsChanged = knownHosts !== (readText(paths.knownHosts) ?? '');
  const hmacNeeded = hmac && !existsSync(paths.hmacKey);
  const warnings: string[] = [];
  const keepConfig = configState === 'modified' && sameData && options.force !== true;
  if (configState === 'modified') {
    if (!sameData && options.force !== true) {
      throw new VnfError('VNF_ERR_FIRSTBOOT_MODIFIED', `${paths.config} was changed since firstboot wrote it (or was not written by firstboot); the user data changed too: rerun with --force to replace it`);
    }
    if (keepConfig) warnings.push(`${paths.config} was changed by an admin since first boot; kept as it is`);
  }
  const result = (changed: boolean, written: string[], tls: FirstBootResult['tls']): FirstBootResult => ({
    changed, action: changed ? 'applied' : 'unchanged', ...(zone !== undefined ? { zone } : {}), ...(instance !== undefined ? { instance_id: instance } : {}),
    source: data.source, config: paths.config, written, tls, warnings,
  });
  const tlsMode = given ? 'certificate' : 'enroll';
  if (sameData && configState !== 'absent' && !tlsNeeded && !knownHostsChanged && !hmacNeeded) {
    return result(false, [], { mode: tlsMode, enrolled: false });
  }

  const tls = tlsNeeded ? given ?? await enroll(enrollPlan as EnrollPlan, options) : undefined;
  const files: PlannedFile[] = [];
  if (tls) {
    files.push({ path: paths.tls.ca, data: tls.caPem, mode: CERT_FILE_MODE }, { path: paths.tls.key, data: tls.keyPem, mode: KEY_FILE_MODE }, { path: paths.tls.cert, data: tls.certPem, mode: CERT_FILE_MODE });
  }
  if (hmacNeeded) files.push({ path: paths.hmacKey, data: `${randomBytes(32).toString('hex')}\n`, mode: KEY_FILE_MODE });
  if (knownHostsChanged) files.push({ path: paths.knownHosts, data: knownHosts, mode: CERT_FILE_MODE });
  if (!keepConfig && currentConfig !== text) files.push({ path: paths.config, data: text, mode: CONFIG_FILE_MODE });
  const newRecord: FirstBootRecord = {
    version: 1, desired_sha256: desired, config_file: paths.config,
    config_sha256: keepConfig ? record?.config_sha256 ?? '' : sha256(text), tls_source_sha256: tlsSource, known_hosts_seeded: seeded.map((s) => s.line),
  };
  const recordText = `${JSON.stringify(newRecord, null, 2)}\n`;
  if (recordText !== readText(paths.record)) files.push({ path: paths.record, data: recordText, mode: KEY_FILE_MODE });

  ensurePrivateDir(paths.stateDir);
  ensurePrivateDir(paths.tlsDir);
  if (!existsSync(dirname(paths.config))) mkdirSync(dirname(paths.config), { recursive: true, mode: 0o750 });
  const written = files.length > 0 ? installFileSet(files) : [];
  return result(written.length > 0, written, {
    mode: tlsMode, enrolled: tls !== undefined && !given,
    ...(tls ? { subject: tls.subject, fingerprint256: tls.fingerprint256, notAfter: tls.notAfter } : {}),
  });
}
