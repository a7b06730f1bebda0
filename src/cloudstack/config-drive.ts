// Reading CloudStack's config drive (label config-2: a mounted directory, an ISO9660 image or the
// CD-ROM device itself) or the virtual router's metadata service: user data plus instance metadata.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { VnfError } from '../errors.js';
import { Iso9660Image } from './config-drive-iso.js';

export const CONFIG_DRIVE_LABEL = 'config-2';
export const CONFIG_DRIVE_DEVICES: readonly string[] = ['/dev/disk/by-label/config-2', '/dev/disk/by-label/CONFIG-2'];
export const USER_DATA_PATHS = { cloudstack: 'cloudstack/userdata/user_data.txt', openstack: 'openstack/latest/user_data' } as const;
/** The metadata keys read from the metadata service (the config drive has one file per key). */
export const METADATA_KEYS: readonly string[] = [
  'availability-zone', 'instance-id', 'vm-id', 'local-hostname', 'local-ipv4', 'public-ipv4', 'public-hostname',
  'service-offering', 'cloud-identifier', 'cloud-name', 'cloud-domain', 'hypervisor-host-name',
];
export const MAX_USER_DATA_BYTES = 1024 * 1024;
const MAX_METADATA_BYTES = 64 * 1024;
const MAX_METADATA_FILES = 200;

export interface ConfigDriveSource {
  kind: 'directory' | 'iso9660' | 'metadata-service';
  location: string;
}

export interface ConfigDriveData {
  source: ConfigDriveSource;
  /** raw user data bytes, undefined when the instance has none */
  userData?: Buffer;
  /** availability-zone, instance-id, local-hostname ...; cloudstack/metadata first, then meta_data.json */
  metadata: Record<string, string>;
}

const sourceError = (message: string, cause?: unknown): VnfError =>
  new VnfError('VNF_ERR_FIRSTBOOT_SOURCE', message, cause === undefined ? {} : { cause });

/** The config drive device by its label, if the system has one. */
export function locateConfigDrive(candidates: readonly string[] = CONFIG_DRIVE_DEVICES): string | undefined {
  return candidates.find((p) => existsSync(p));
}

interface DriveReader {
  readFile(path: string, maxBytes: number): Buffer | undefined;
  listFiles(path: string): string[];
  close(): void;
}

function directoryReader(root: string): DriveReader {
  return {
    readFile(path, maxBytes) {
      const full = join(root, path);
      if (!existsSync(full) || !statSync(full).isFile()) return undefined;
      if (statSync(full).size > maxBytes) throw sourceError(`${full} is larger than ${maxBytes} bytes`);
      return readFileSync(full);
    },
    listFiles(path) {
      const full = join(root, path);
      if (!existsSync(full) || !statSync(full).isDirectory()) return [];
      return readdirSync(full, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
    },
    close() { /* nothing held */ },
  };
}

/** Metadata from cloudstack/metadata/<key>.txt, completed from openstack/latest/meta_data.json. */
function readMetadata(reader: DriveReader, where: string): Record<string, string> {
  const metadata: Record<string, string> = {};
  const names = reader.listFiles('cloudstack/metadata').filter((n) => n.endsWith('.txt')).sort().slice(0, MAX_METADATA_FILES);
  for (const name of names) {
    const value = reader.readFile(`cloudstack/metadata/${name}`, MAX_METADATA_BYTES)?.toString('utf8').trim();
    if (value !== undefined && value !== '') metadata[name.slice(0, -4)] = value;
  }
  const json = reader.readFile('openstack/latest/meta_data.json', MAX_USER_DATA_BYTES);
  if (json !== undefined) {
    let doc: unknown;
    try {
      doc = JSON.parse(json.toString('utf8'));
    } catch {
      throw sourceError(`${where}: openstack/latest/meta_data.json is not valid JSON`);
    }
    const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
    const fill = (key: string, value: unknown): void => {
      if (metadata[key] === undefined && typeof value === 'string' && value.trim() !== '') metadata[key] = value.trim();
    };
    fill('availability-zone', o.availability_zone);
    fill('local-hostname', o.hostname);
    fill('vm-id', o.uuid);
    fill('public-hostname', o.name);
  }
  return metadata;
}

function readUserData(reader: DriveReader, where: string): Buffer | undefined {
  const cs = reader.readFile(USER_DATA_PATHS.cloudstack, MAX_USER_DATA_BYTES);
  const os = reader.readFile(USER_DATA_PATHS.openstack, MAX_USER_DATA_BYTES);
  if (cs !== undefined && os !== undefined && !cs.equals(os)) {
    throw sourceError(`${where}: ${USER_DATA_PATHS.cloudstack} and ${USER_DATA_PATHS.openstack} differ (a partly rebuilt drive?); refusing to guess`);
  }
  return cs ?? os;
}

/** Reads a config drive: a directory with its layout, or an ISO9660 image file / block device. */
export function readConfigDrive(path: string): ConfigDriveData {
  let st;
  try {
    st = statSync(path);
  } catch (error) {
    throw sourceError(`config drive ${path} not found (${(error as NodeJS.ErrnoException).code ?? 'error'})`, error);
  }
  const isDir = st.isDirectory();
  let reader: DriveReader;
  if (isDir) {
    if (!['cloudstack', 'openstack'].some((d) => existsSync(join(path, d)))) {
      throw sourceError(`${path} has neither cloudstack/ nor openstack/: not a config drive`);
    }
    reader = directoryReader(path);
  } else {
    reader = Iso9660Image.open(path);
  }
  try {
    const userData = readUserData(reader, path);
    return {
      source: { kind: isDir ? 'directory' : 'iso9660', location: path },
      ...(userData === undefined ? {} : { userData }),
      metadata: readMetadata(reader, path),
    };
  } finally {
    reader.close();
  }
}

async function getBounded(url: string, timeoutMs: number, maxBytes: number): Promise<Buffer | undefined> {
  let res;
  try {
    res = await request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (error) {
    throw sourceError(`metadata service ${new URL(url).origin} cannot be reached (${(error as { code?: string }).code ?? (error as Error).name})`, error);
  }
  if (res.statusCode === 404) {
    await res.body.dump();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.body.destroy();
      throw sourceError(`${url} is larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  if (res.statusCode !== 200) throw sourceError(`metadata service ${url} answered HTTP ${res.statusCode}`);
  return Buffer.concat(chunks);
}

/** The virtual router's metadata service (http://<router>/latest/user-data, /latest/meta-data/<key>). */
export async function readMetadataService(baseUrl: string, options: { timeoutMs?: number } = {}): Promise<ConfigDriveData> {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw sourceError('--metadata-url is not a valid URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw sourceError('--metadata-url must be http(s)');
  const root = base.href.replace(/\/+$/, '').replace(/\/latest$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const userData = await getBounded(`${root}/latest/user-data`, timeoutMs, MAX_USER_DATA_BYTES);
  const metadata: Record<string, string> = {};
  for (const key of METADATA_KEYS) {
    const value = (await getBounded(`${root}/latest/meta-data/${key}`, timeoutMs, MAX_METADATA_BYTES))?.toString('utf8').trim();
    if (value !== undefined && value !== '') metadata[key] = value;
  }
  return {
    source: { kind: 'metadata-service', location: root },
    ...(userData === undefined || userData.length === 0 ? {} : { userData }),
    metadata,
  };
}
