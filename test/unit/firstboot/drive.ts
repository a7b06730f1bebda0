// Test helpers: a config drive laid out as CloudStack's ConfigDriveBuilder does (directory form, and
// an ISO9660 image built with xorriso when it is installed), PKI material and SSH host key lines.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface DriveSpec {
  userData?: string | Buffer;
  metadata?: Record<string, string>;
  metaDataJson?: Record<string, unknown>;
}

/** cloudstack/{userdata,metadata}, openstack/latest/{user_data (hard link), meta_data.json, vendor_data.json}. */
export function writeDrive(dir: string, spec: DriveSpec): string {
  mkdirSync(join(dir, 'cloudstack', 'userdata'), { recursive: true });
  mkdirSync(join(dir, 'cloudstack', 'metadata'), { recursive: true });
  mkdirSync(join(dir, 'openstack', 'latest'), { recursive: true });
  if (spec.userData !== undefined) {
    writeFileSync(join(dir, 'cloudstack', 'userdata', 'user_data.txt'), spec.userData);
    linkSync(join(dir, 'cloudstack', 'userdata', 'user_data.txt'), join(dir, 'openstack', 'latest', 'user_data'));
  }
  for (const [k, v] of Object.entries(spec.metadata ?? {})) writeFileSync(join(dir, 'cloudstack', 'metadata', `${k}.txt`), v);
  writeFileSync(join(dir, 'openstack', 'latest', 'meta_data.json'), JSON.stringify(spec.metaDataJson ?? {}));
  writeFileSync(join(dir, 'openstack', 'latest', 'vendor_data.json'), '{}');
  return dir;
}

export const hasXorriso = spawnSync('xorriso', ['-version'], { stdio: 'ignore' }).status === 0;

/** An ISO9660 image of `dir`, labelled config-2 (flags: -J Joliet, -r Rock Ridge, as genisoimage takes them). */
export function buildIso(dir: string, image: string, flags: string[] = ['-J', '-r']): string {
  execFileSync('xorriso', ['-as', 'mkisofs', ...flags, '-V', 'config-2', '-o', image, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return image;
}

/** An OpenSSH known_hosts line for a fresh ed25519 key. */
export function hostKeyLine(host: string): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const str = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `${host} ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(raw)]).toString('base64')}`;
}

/** YAML block scalar of a multi-line value, indented for `key: |` under `indent` spaces. */
export function block(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return `|\n${text.trim().split('\n').map((l) => `${pad}${l}`).join('\n')}`;
}

/** path → content of every file under dir (to prove "nothing was written"). */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    let names: string[];
    try { names = readdirSync(d); } catch { return; }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}
