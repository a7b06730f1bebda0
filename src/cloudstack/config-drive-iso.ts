// A minimal, read-only ISO9660 reader for the config drive (an image file or the CD-ROM device itself):
// volume descriptors, directory records, Joliet names (preferred) or Rock Ridge NM names. No mounting.
import { closeSync, openSync, readSync } from 'node:fs';
import { VnfError } from '../errors.js';

export interface IsoEntry {
  name: string;
  directory: boolean;
  /** first logical block of the extent */
  extent: number;
  size: number;
}

const SECTOR = 2048;
const MAX_DIR_BYTES = 4 * 1024 * 1024;
const MAX_DEPTH = 16;
const JOLIET_ESCAPES = new Set([0x40, 0x43, 0x45]);

const bad = (path: string, what: string): VnfError => new VnfError('VNF_ERR_FIRSTBOOT_SOURCE', `${path}: not a readable ISO9660 config drive (${what})`);

function ucs2be(bytes: Buffer): string {
  const swapped = Buffer.alloc(bytes.length - (bytes.length % 2));
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    swapped[i] = bytes[i + 1] as number;
    swapped[i + 1] = bytes[i] as number;
  }
  return swapped.toString('utf16le');
}

/** `NAME.EXT;1` → `NAME.EXT`; a trailing dot (no extension) is dropped too. */
function stripVersion(name: string): string {
  return name.replace(/;\d+$/, '').replace(/\.$/, '');
}

export class Iso9660Image {
  private readonly fd: number;
  private blockSize = SECTOR;
  private root!: IsoEntry;
  private joliet = false;

  private constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch (error) {
      throw new VnfError('VNF_ERR_FIRSTBOOT_SOURCE', `${path}: cannot open (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { cause: error });
    }
  }

  static open(path: string): Iso9660Image {
    const image = new Iso9660Image(path);
    try {
      image.readDescriptors();
    } catch (error) {
      image.close();
      throw error;
    }
    return image;
  }

  close(): void {
    try { closeSync(this.fd); } catch { /* already closed */ }
  }

  private read(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, offset + done);
      if (n === 0) throw bad(this.path, `truncated at byte ${offset + done}`);
      done += n;
    }
    return buf;
  }

  private readDescriptors(): void {
    let primary: Buffer | undefined;
    let joliet: Buffer | undefined;
    for (let sector = 16; sector < 16 + 64; sector++) {
      let d: Buffer;
      try {
        d = this.read(sector * SECTOR, SECTOR);
      } catch {
        throw bad(this.path, 'no volume descriptors');
      }
      if (d.toString('latin1', 1, 6) !== 'CD001') throw bad(this.path, 'no CD001 signature');
      const type = d[0];
      if (type === 255) break;
      if (type === 1) primary ??= d;
      if (type === 2 && d[88] === 0x25 && d[89] === 0x2f && JOLIET_ESCAPES.has(d[90] ?? 0)) joliet ??= d;
    }
    const chosen = joliet ?? primary;
    if (!chosen) throw bad(this.path, 'no primary volume descriptor');
    this.joliet = chosen === joliet;
    this.blockSize = chosen.readUInt16LE(128) || SECTOR;
    if (![512, 1024, 2048].includes(this.blockSize)) throw bad(this.path, `unsupported block size ${this.blockSize}`);
    const rec = chosen.subarray(156, 156 + 34);
    this.root = { name: '', directory: true, extent: rec.readUInt32LE(2), size: rec.readUInt32LE(10) };
  }

  /** The volume's label (the config drive's is `config-2`). */
  label(): string {
    const pvd = this.read(16 * SECTOR, SECTOR);
    return pvd.toString('latin1', 40, 72).trim();
  }

  list(dir: IsoEntry): IsoEntry[] {
    if (!dir.directory) throw bad(this.path, `${dir.name} is not a directory`);
    if (dir.size > MAX_DIR_BYTES) throw bad(this.path, 'directory too large');
    const data = this.read(dir.extent * this.blockSize, dir.size);
    const entries: IsoEntry[] = [];
    let off = 0;
    while (off < data.length) {
      const len = data[off] ?? 0;
      if (len === 0) { // records never cross a sector: the rest of this one is padding
        off = (Math.floor(off / SECTOR) + 1) * SECTOR;
        continue;
      }
      if (len < 34 || off + len > data.length) throw bad(this.path, 'malformed directory record');
      const rec = data.subarray(off, off + len);
      off += len;
      const nameLen = rec[32] ?? 0;
      const rawName = rec.subarray(33, 33 + nameLen);
      if (nameLen === 1 && (rawName[0] === 0 || rawName[0] === 1)) continue; // . and ..
      const flags = rec[25] ?? 0;
      if ((flags & 0x80) !== 0) throw bad(this.path, 'multi-extent files are not supported');
      let name: string;
      if (this.joliet) name = stripVersion(ucs2be(rawName));
      else name = this.rockRidgeName(rec.subarray(33 + nameLen + (nameLen % 2 === 0 ? 1 : 0))) ?? stripVersion(rawName.toString('latin1'));
      entries.push({ name, directory: (flags & 0x02) !== 0, extent: rec.readUInt32LE(2), size: rec.readUInt32LE(10) });
    }
    return entries;
  }

  /** Rock Ridge alternate name (NM entries, following CE continuation areas a bounded number of times). */
  private rockRidgeName(systemUse: Buffer): string | undefined {
    let area = systemUse;
    let name: string | undefined;
    for (let hops = 0; hops < 4; hops++) {
      let next: Buffer | undefined;
      let off = 0;
      while (off + 4 <= area.length) {
        const sig = area.toString('latin1', off, off + 2);
        const len = area[off + 2] ?? 0;
        if (len < 4 || off + len > area.length) break;
        if (sig === 'NM' && len >= 5) {
          const nmFlags = area[off + 4] ?? 0;
          if ((nmFlags & 0x06) === 0) name = (name ?? '') + area.toString('utf8', off + 5, off + len);
        } else if (sig === 'CE' && len >= 28) {
          const block = area.readUInt32LE(off + 4);
          const offset = area.readUInt32LE(off + 12);
          const length = Math.min(area.readUInt32LE(off + 20), SECTOR);
          next = this.read(block * this.blockSize + offset, length);
        } else if (sig === 'ST') {
          break;
        }
        off += len;
      }
      if (!next) break;
      area = next;
    }
    return name;
  }

  /** Finds `a/b/c` (exact name first, then a unique case-insensitive match, for plain ISO9660 names). */
  lookup(path: string): IsoEntry | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length > MAX_DEPTH) return undefined;
    let current: IsoEntry = this.root;
    for (const part of parts) {
      if (!current.directory) return undefined;
      const entries = this.list(current);
      const exact = entries.find((e) => e.name === part);
      const folded = entries.filter((e) => e.name.toLowerCase() === part.toLowerCase());
      const found = exact ?? (folded.length === 1 ? folded[0] : undefined);
      if (!found) return undefined;
      current = found;
    }
    return current;
  }

  /** File contents, or undefined when absent; larger than maxBytes is an error. */
  readFile(path: string, maxBytes: number): Buffer | undefined {
    const entry = this.lookup(path);
    if (!entry || entry.directory) return undefined;
    if (entry.size > maxBytes) throw new VnfError('VNF_ERR_FIRSTBOOT_SOURCE', `${this.path}: ${path} is larger than ${maxBytes} bytes`);
    return this.read(entry.extent * this.blockSize, entry.size);
  }

  /** Names of the files (not directories) in a directory, or [] when it is absent. */
  listFiles(path: string): string[] {
    const dir = this.lookup(path);
    if (!dir?.directory) return [];
    return this.list(dir).filter((e) => !e.directory).map((e) => e.name);
  }
}
