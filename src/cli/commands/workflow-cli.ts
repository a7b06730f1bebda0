// Shared plumbing of `run`, `healthcheck` and `bootstrap`: common options, the audit log, known-hosts
// and known-certs files, the pool and engine, Ctrl-C cancellation, JSON output and exit codes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { openAuditLog, type AuditLog } from '../../audit/index.js';
import { loadApplianceContext, resolveDictionary, type ApplianceContext, type LoadedDictionary } from '../../dictionary/index.js';
import { VnfError, asVnfError } from '../../errors.js';
import { ConnectionPool, FileKnownCerts, FileKnownHosts } from '../../transport/index.js';
import { createWorkflowEngine, type WorkflowEngine } from '../../workflow/index.js';
import { optionalString, parseCommandArgs, requireString, type Parsed } from '../args.js';
import { EXIT_FAILED, EXIT_OK, exitCodeFor, printErr, printJson } from '../io.js';

export const DEFAULT_AUDIT_LOG = './var/audit/audit.log';
export const DEFAULT_KNOWN_HOSTS = './var/known_hosts';
export const DEFAULT_KNOWN_CERTS = './var/known_certs';

export const COMMON_OPTIONS = {
  dictionary: { type: 'string' },
  appliance: { type: 'string' },
  'audit-log': { type: 'string' },
  'known-hosts': { type: 'string' },
  'known-certs': { type: 'string' },
  'cloudstack-url': { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_USAGE = '[--audit-log F] [--known-hosts F] [--known-certs F] [--cloudstack-url URL] [--dry-run]';

export interface WorkflowSetup {
  dictionary: LoadedDictionary;
  appliance: ApplianceContext;
  engine: WorkflowEngine;
  signal: AbortSignal;
  dryRun: boolean;
  requestId: string;
}

function ensureDir(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new VnfError('VNF_ERR_INPUT_UNREADABLE', `cannot create the directory of ${file}`, { cause: error });
  }
}

/**
 * Parses the options, loads the inputs and runs `fn` with an engine; prints its JSON and returns the
 * exit status. Failures print {"ok":false,"error":{"code","message"}} (plus any partial report).
 */
export async function runWorkflowCommand(argv: string[], extra: Record<string, { type: 'string' | 'boolean' }>, usage: string,
  fn: (s: WorkflowSetup, parsed: Parsed) => Promise<{ ok: boolean; output: Record<string, unknown> }>, required: string[] = []): Promise<number> {
  const parsed = parseCommandArgs(argv, { ...COMMON_OPTIONS, ...extra }, false);
  if (parsed.values.help === true) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const dictionaryRef = requireString(parsed, 'dictionary');
  const appliancePath = requireString(parsed, 'appliance');
  for (const name of required) requireString(parsed, name); // usage errors before anything is opened
  const dryRun = parsed.values['dry-run'] === true;
  let audit: AuditLog | undefined;
  let pool: ConnectionPool | undefined;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const dictionary = await resolveDictionary(dictionaryRef);
    const appliance = await loadApplianceContext(appliancePath);
    const auditFile = optionalString(parsed, 'audit-log') ?? DEFAULT_AUDIT_LOG;
    const knownHosts = optionalString(parsed, 'known-hosts') ?? DEFAULT_KNOWN_HOSTS;
    const knownCerts = optionalString(parsed, 'known-certs') ?? DEFAULT_KNOWN_CERTS;
    if (!dryRun) for (const f of [auditFile, knownHosts, knownCerts]) ensureDir(f);
    // a dry run connects to nothing and writes nothing: no audit log is opened
    audit = dryRun ? undefined : openAuditLog({ file: auditFile });
    const sink = audit ?? { append: () => { throw new VnfError('VNF_ERR_BROKER_INTERNAL', 'dry run must not audit'); } };
    pool = new ConnectionPool({ audit: sink, knownHosts: new FileKnownHosts(knownHosts), knownCerts: new FileKnownCerts(knownCerts), hostKeyPolicy: 'tofu' });
    const endpoint = optionalString(parsed, 'cloudstack-url');
    const engine = createWorkflowEngine({ pool, audit: sink, ...(endpoint ? { callbacks: { cloudstack: { endpoint } } } : {}) });
    const out = await fn({ dictionary, appliance, engine, signal: controller.signal, dryRun, requestId: `cli-${process.pid}-${Date.now()}` }, parsed);
    printJson(out.output);
    return out.ok ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    const e = asVnfError(error);
    const details = e.details as Record<string, unknown> | undefined;
    const partial = details && typeof details === 'object' ? Object.fromEntries(Object.entries(details).filter(([k]) => ['result', 'steps', 'callback', 'checks'].includes(k))) : {};
    printJson({ ok: false, error: { code: e.code, message: e.message }, ...partial });
    printErr(`vnf-broker: ${e.code}: ${e.message}`);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await pool?.close();
    audit?.close();
  }
}
