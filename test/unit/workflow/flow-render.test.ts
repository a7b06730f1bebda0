// The template side of multi-step flows: steps.NAME.FIELD values in a RenderScope (untrusted,
// encoded per landing, secrets redacted), when: conditions, and the version helpers.
import { describe, expect, it } from 'vitest';
import { RenderScope, compareVersions, compileCondition, compileTemplate } from '../../../src/template/index.js';
import { isSecretName } from '../../../src/workflow/values.js';

const scope = (): RenderScope => {
  const s = new RenderScope({ data: { legacy: false } });
  s.setStep('ver', { version: '26.1.9_2', nested: { series: '26.1' } });
  return s;
};
const when = (s: RenderScope, expr: string, plan = false): boolean | undefined => s.condition(compileCondition(expr), { stepPlaceholders: plan });

describe('steps values in templates', () => {
  it('one or two levels deep, encoded for the landing like any value', () => {
    const s = scope();
    s.setStep('c', { id: 'a b/c', text: 'x"y' });
    expect(s.render('/r/{{steps.c.id}}', 'url')).toBe('/r/a%20b%2Fc');
    expect(s.render('{"d": "{{steps.c.text}}"}', 'json')).toBe('{"d": "x\\"y"}');
    expect(s.render('{{steps.ver.nested.series}}', 'text')).toBe('26.1');
  });

  it('in a CLI command a value read from the appliance must be one token', () => {
    const s = scope();
    s.setStep('c', { id: '*1A', evil: 'x; reload', nl: 'a\nb' });
    expect(s.render('remove numbers={{steps.c.id}}', 'cli')).toBe('remove numbers=*1A');
    expect(() => s.render('remove {{steps.c.evil}}', 'cli')).toThrow(/single token/);
    expect(() => s.render('remove {{steps.c.nl}}', 'cli')).toThrow(/control character/);
  });

  it('missing fields, skipped steps and non-scalars are errors when printed, false when tested', () => {
    const s = scope();
    expect(() => s.render('{{steps.ver.nope}}', 'text')).toThrow(/steps.ver.nope is missing/);
    expect(() => s.render('{{steps.sp.revision}}', 'text')).toThrow(/steps.sp.revision is missing/);
    expect(() => s.render('{{steps.ver.nested}}', 'text')).toThrow(/an object, not a string/);
    expect(when(s, 'steps.sp.revision')).toBe(false);
    expect(when(s, 'steps.ver.nested')).toBe(true);
  });

  it('saved fields with secret names are redacted like other secrets', () => {
    const s = scope();
    s.setStep('login', { session_token: 'tok-123', id: 7 }, isSecretName);
    s.render('Bearer {{steps.login.session_token}}', 'header');
    expect(s.secretForms()).toContain('tok-123');
    expect(s.secretForms()).not.toContain('7');
  });

  it('plan rendering: unknown steps values are placeholders and open conditions are undecided', () => {
    const s = new RenderScope({});
    const out = s.renderWith(compileTemplate('{"id": {{steps.c.id}}}', 'json'), { stepPlaceholders: true });
    expect(out).toEqual({ text: '{"id": <steps.c.id>}', deferred: true });
    expect(when(s, "version_lt steps.ver.version '26.7'", true)).toBeUndefined();
    expect(when(s, 'not get_cs_data.flag', true)).toBe(true);
  });
});

describe('when: conditions and version helpers', () => {
  it('helper calls, plain values, nested calls', () => {
    const s = scope();
    expect(when(s, "version_lt steps.ver.version '26.7'")).toBe(true);
    expect(when(s, "version_gte steps.ver.version '26.7'")).toBe(false);
    expect(when(s, "and (version_gte steps.ver.nested.series '26.1') (not get_data.legacy)")).toBe(true);
    expect(when(s, "(eq steps.ver.nested.series '26.1')")).toBe(true);
    expect(when(s, 'get_data.legacy')).toBe(false);
  });

  it('compares dotted numbers numerically; missing segments are 0; prefixes and suffixes are ignored', () => {
    expect(compareVersions('26.10', '26.7')).toBe(1);
    expect(compareVersions('26.1', '26.1.0')).toBe(0);
    expect(compareVersions('v1.5-rolling-202506', '1.4.2')).toBe(1);
    expect(compareVersions(7, '7.0.1')).toBe(-1);
    expect(() => compareVersions('rolling', '1.0')).toThrow(/not a version/);
  });

  it('a condition written with braces is refused', () => {
    expect(() => compileCondition('{{get_data.x}}')).toThrow(/without \{\{ \}\}/);
  });
});
