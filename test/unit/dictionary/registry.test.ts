import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DictionaryRegistry, resolveDictionary, DICTIONARIES_DIR } from '../../../src/dictionary/index.js';
import { VnfError } from '../../../src/errors.js';

const MINIMAL = (name: string) => `name: ${name}\nconnections:\n  cli: { type: ssh, host: h }\nservices:\n  S:\n    show: { connection: cli, commands: [show version] }\n`;

describe('dictionary registry', () => {
  it('loads the package dictionaries/ directory by default', async () => {
    const registry = await DictionaryRegistry.fromDirectory();
    expect(registry.names()).toEqual(expect.arrayContaining(['cisco-ios-xe', 'opnsense', 'routeros']));
    expect(registry.problems).toEqual([]);
    expect(registry.get('opnsense')?.file).toBe(join(DICTIONARIES_DIR, 'opnsense.yaml'));
  });

  it('lists invalid files as problems and looks up by name or file stem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-registry-'));
    writeFileSync(join(dir, 'good.yaml'), MINIMAL('Good Provider'));
    writeFileSync(join(dir, 'bad.yaml'), 'name: [\n');
    writeFileSync(join(dir, 'again.yml'), MINIMAL('Good Provider'));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    const registry = await DictionaryRegistry.fromDirectory(dir);
    expect(registry.names()).toEqual(['Good Provider']);
    expect(registry.problems.map((p) => [p.file.split('/').pop(), p.diagnostics[0]?.rule])).toEqual([['bad.yaml', 'yaml-syntax'], ['good.yaml', 'duplicate-name']]);
    expect(registry.get('again')?.dictionary.name).toBe('Good Provider');
    expect(() => registry.require('nope')).toThrow(/no provider dictionary named 'nope'/);
  });

  it('adds, replaces and removes in memory', async () => {
    const registry = new DictionaryRegistry();
    registry.put('p1', MINIMAL('p1'));
    expect(registry.names()).toEqual(['p1']);
    expect(() => registry.put('p2', MINIMAL('p1'))).toThrow(/named 'p1', not 'p2'/);
    try {
      registry.put('p3', 'name: p3\nconnections:\n  cli: { type: ssh, host: h, port: many }\n');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(VnfError);
      expect((error as VnfError).code).toBe('VNF_ERR_DICT_INVALID');
      expect((error as VnfError).message).toContain('p3.yaml:3:36: connections.cli.port: must be an integer');
      expect((error as VnfError).details).toEqual([expect.objectContaining({ line: 3, severity: 'error' })]);
    }
    expect(registry.remove('p1')).toBe(true);
    expect(registry.remove('p1')).toBe(false);
  });

  it('resolves --dictionary as a path or a name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vnf-resolve-'));
    writeFileSync(join(dir, 'mine.yaml'), MINIMAL('mine'));
    expect((await resolveDictionary(join(dir, 'mine.yaml'))).dictionary.name).toBe('mine');
    expect((await resolveDictionary('routeros')).dictionary.name).toBe('routeros');
    await expect(resolveDictionary(join(dir, 'missing.yaml'))).rejects.toMatchObject({ code: 'VNF_ERR_DICT_NOT_FOUND' });
    await expect(resolveDictionary('no-such-provider')).rejects.toMatchObject({ code: 'VNF_ERR_DICT_NOT_FOUND' });
  });
});
