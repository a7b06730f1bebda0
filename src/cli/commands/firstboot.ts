// `vnf-broker firstboot`: configure the broker from the CloudStack config drive (or the virtual
// router's metadata service) on first boot. Validates everything first; bad data writes nothing.
import { existsSync } from 'node:fs';
import {
  locateConfigDrive, readConfigDrive, readMetadataService, runFirstBoot, type ConfigDriveData,
} from '../../cloudstack/index.js';
import { loadConfig } from '../../config/index.js';
import { VnfError } from '../../errors.js';
import { optionalString, parseCommandArgs, requireString, type Parsed } from '../args.js';
import { EXIT_OK, printErr, printJson } from '../io.js';

export const FIRSTBOOT_USAGE = `usage: vnf-broker firstboot (--config-drive PATH|auto [--metadata-url URL] | --metadata-url URL)
                           --state-dir DIR --config-out FILE [--force] [--timeout SECONDS] [--job-timeout SECONDS]

Reads the vnf_broker section of the instance's user data (a #cloud-config key, plain YAML or a MIME
multipart part; base64/gzip accepted) from the config drive: a mounted directory, an ISO9660 image
or device, or 'auto' (/dev/disk/by-label/config-2). --metadata-url (e.g. http://data-server) is used
when no config drive is given or found. Writes DIR/tls/{server.pem,server-key.pem,ca.pem},
DIR/known_hosts and FILE (the broker config) together, or nothing. Running it again with the same
user data changes nothing; a config edited by an admin is kept, and new user data is then refused
(exit 1) unless --force.`;

function seconds(parsed: Parsed, name: string, fallback: number): number {
  const raw = optionalString(parsed, name);
  if (raw === undefined) return fallback * 1000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new VnfError('VNF_ERR_CLI_USAGE', `--${name} must be a positive number of seconds`);
  return n * 1000;
}

async function readSource(drive: string | undefined, metadataUrl: string | undefined, timeoutMs: number): Promise<ConfigDriveData> {
  const path = drive === 'auto' ? locateConfigDrive() : drive;
  if (path !== undefined && (existsSync(path) || metadataUrl === undefined)) return readConfigDrive(path);
  if (metadataUrl !== undefined) return readMetadataService(metadataUrl, { timeoutMs });
  throw new VnfError('VNF_ERR_FIRSTBOOT_SOURCE', 'no config drive found (no /dev/disk/by-label/config-2) and no --metadata-url given');
}

export default async function firstboot(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    'config-drive': { type: 'string' }, 'metadata-url': { type: 'string' }, 'state-dir': { type: 'string' },
    'config-out': { type: 'string' }, force: { type: 'boolean' }, timeout: { type: 'string' }, 'job-timeout': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  }, false);
  if (parsed.values.help === true) {
    process.stdout.write(`${FIRSTBOOT_USAGE}\n`);
    return EXIT_OK;
  }
  const drive = optionalString(parsed, 'config-drive');
  const metadataUrl = optionalString(parsed, 'metadata-url');
  if (drive === undefined && metadataUrl === undefined) throw new VnfError('VNF_ERR_CLI_USAGE', `give --config-drive PATH|auto or --metadata-url URL\n${FIRSTBOOT_USAGE}`);
  const stateDir = requireString(parsed, 'state-dir');
  const configOut = requireString(parsed, 'config-out');
  const timeoutMs = seconds(parsed, 'timeout', 30);
  const data = await readSource(drive, metadataUrl, timeoutMs);
  const result = await runFirstBoot({
    data, stateDir, configOut, force: parsed.values.force === true, timeoutMs, jobTimeoutMs: seconds(parsed, 'job-timeout', 600),
  });
  for (const warning of result.warnings) printErr(`vnf-broker firstboot: warning: ${warning}`);
  const config = await loadConfig(result.config); // proves the file on disk is what serve will accept
  printErr(`vnf-broker firstboot: ${result.changed ? `wrote ${result.written.length} file(s)` : 'no changes'}; serve --config ${result.config} listens on ${config.listen.host}:${config.listen.port}`);
  printJson({ ok: true, ...result });
  return EXIT_OK;
}
