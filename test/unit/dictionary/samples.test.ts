import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDictionaryText, toCanonicalObject, toCanonicalYaml } from '../../../src/dictionary/index.js';
import { SAMPLES } from './helpers.js';

const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.yaml')).sort();

describe('sample dictionaries in dictionaries/', () => {
  it('ships the three seed-derived samples', () => {
    expect(files).toEqual(expect.arrayContaining(['cisco-ios-xe.yaml', 'opnsense.yaml', 'routeros.yaml']));
  });

  it.each(files)('%s passes strict validation with no diagnostics', (file) => {
    const text = readFileSync(`${SAMPLES}${file}`, 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=./schema.json\n')).toBe(true);
    const result = loadDictionaryText(text, file, { strict: true });
    expect(result.diagnostics).toEqual([]);
    expect(result.loaded?.dictionary.name).toBe(file.replace(/\.yaml$/, ''));
  });

  it.each(files)('%s round-trips through the canonical printer unchanged', (file) => {
    const first = loadDictionaryText(readFileSync(`${SAMPLES}${file}`, 'utf8'), file, { strict: true }).loaded!;
    const printed = toCanonicalYaml(first.dictionary);
    const second = loadDictionaryText(printed, `printed-${file}`, { strict: true });
    expect(second.diagnostics).toEqual([]);
    expect(second.loaded!.dictionary).toEqual(first.dictionary);
    expect(second.loaded!.templateSites.map((s) => s.pointer)).toEqual(first.templateSites.map((s) => s.pointer));
  });

  it('the OPNsense sample declares the create call with a JSON body and its callback', () => {
    const d = loadDictionaryText(readFileSync(`${SAMPLES}opnsense.yaml`, 'utf8'), 'opnsense.yaml').loaded!;
    const step = d.dictionary.services.Firewall!.operations.create!.steps[0]!;
    expect(step).toMatchObject({ connection: 'api', transport: 'https', method: 'POST', url: '/api/firewall/filter/add_rule' });
    expect(JSON.parse(step.body!.replace(/\{\{[^}]+\}\}/g, 'x'))).toHaveProperty('rule.action', 'x');
    expect(step.response?.callback?.action).toBe('cloudstack-api');
    expect(d.templateSites.find((s) => s.pointer.endsWith('/steps/0/body'))?.landing).toBe('json');
  });

  it('the RouterOS sample names existing services in its bootstrap', () => {
    const d = loadDictionaryText(readFileSync(`${SAMPLES}routeros.yaml`, 'utf8'), 'routeros.yaml').loaded!.dictionary;
    for (const a of d.bootstrap!.initial_actions) expect(d.services[a.service]?.operations[a.action]).toBeDefined();
    expect(Object.values(d.services).flatMap((s) => Object.values(s.operations)).flatMap((o) => o.steps).filter((s) => s.transport === 'https').every((s) => s.url?.startsWith('/rest/'))).toBe(true);
  });

  it('printing redacts literal secrets but keeps template references', () => {
    const text = 'name: x\nconnections:\n  cli: { type: ssh, host: h, username: admin, password: hunter2 }\n  api: { type: https, host: h, password: "{{get_cs_data.password}}" }\n';
    const d = loadDictionaryText(text, 'x.yaml').loaded!.dictionary;
    const out = JSON.stringify(toCanonicalObject(d));
    expect(out).not.toContain('hunter2');
    expect(out).toContain('{{get_cs_data.password}}');
  });
});
