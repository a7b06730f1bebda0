import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DictionaryRegistry } from '../../../src/dictionary/index.js';
import { TEST_DICTIONARY, call, removeDir, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); removeDir(h.dir); });

const YAML = 'application/yaml';
const SECOND = TEST_DICTIONARY.replace('name: testvnf', 'name: second').replace('description: test appliance', 'description: second one');

describe('providers API', () => {
  it('lists and shows dictionaries; the source only for admins', async () => {
    const list = await call(h, 'GET', '/v1/providers');
    expect(list.status).toBe(200);
    expect(list.json()).toMatchObject({ providers: [{ name: 'testvnf', services: ['Routing', 'Objects'], version: '1.0' }], problems: [] });
    const admin = (await call(h, 'GET', '/v1/providers/testvnf')).json();
    expect(admin.source).toBe(TEST_DICTIONARY);
    expect(admin.dictionary).toMatchObject({ name: 'testvnf' });
    const operator = (await call(h, 'GET', '/v1/providers/testvnf', { identity: h.pki.operator })).json();
    expect(operator.source).toBeUndefined();
    expect(operator.dictionary).toMatchObject({ name: 'testvnf' });
    expect((await call(h, 'GET', '/v1/providers/missing')).json()).toMatchObject({ status: 404, code: 'VNF_ERR_DICT_NOT_FOUND' });
  });

  it('PUT creates (201), persists atomically, audits, and replaces (200)', async () => {
    const created = await call(h, 'PUT', '/v1/providers/second', { body: SECOND, contentType: YAML });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: 'second', created: true });
    const file = join(h.config.dictionaries_dir, 'second.yaml');
    expect(readFileSync(file, 'utf8')).toBe(SECOND);
    const replaced = await call(h, 'PUT', '/v1/providers/second', { body: SECOND.replace('second one', 'changed'), contentType: 'text/yaml; charset=utf-8' });
    expect(replaced.status).toBe(200);
    expect(replaced.json()).toMatchObject({ created: false });
    expect((await call(h, 'GET', '/v1/providers/second')).json()).toMatchObject({ dictionary: { description: 'changed' } });
    // what a restart would load
    const reloaded = await DictionaryRegistry.fromDirectory(h.config.dictionaries_dir);
    expect(reloaded.names()).toEqual(['second', 'testvnf']);
    const audit = readFileSync(h.config.audit.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; provider?: string; detail?: { action?: string } });
    expect(audit.filter((r) => r.type === 'provider.changed' && r.provider === 'second').map((r) => r.detail?.action)).toEqual(['created', 'replaced']);
  });

  it('PUT of an invalid dictionary is 422 with line-numbered errors and changes nothing', async () => {
    const broken = SECOND.replace('network: { type: cidr, required: true }', 'network: { type: cidrr, required: true }');
    const reply = await call(h, 'PUT', '/v1/providers/second', { body: broken, contentType: YAML });
    expect(reply.status).toBe(422);
    const problem = reply.json() as { code: string; detail: string; errors: { line: number; col: number; message: string; severity: string }[] };
    expect(problem.code).toBe('VNF_ERR_DICT_INVALID');
    const line = broken.split('\n').findIndex((l) => l.includes('cidrr')) + 1;
    expect(problem.errors.some((e) => e.severity === 'error' && e.line === line && /data type/.test(e.message))).toBe(true);
    expect(problem.detail).toContain(`second.yaml:${line}:`);
    expect((await call(h, 'GET', '/v1/providers/second')).json()).toMatchObject({ dictionary: { description: 'changed' } });
    const syntax = await call(h, 'PUT', '/v1/providers/second', { body: 'name: second\nconnections: [\n', contentType: YAML });
    expect(syntax.status).toBe(422);
  });

  it('PUT refuses a body whose name differs from the path', async () => {
    const reply = await call(h, 'PUT', '/v1/providers/third', { body: SECOND, contentType: YAML });
    expect(reply.status).toBe(422);
    expect(reply.json().detail).toMatch(/named 'second', not 'third'/);
  });

  it('PUT needs a YAML media type (415) and a body (400)', async () => {
    expect((await call(h, 'PUT', '/v1/providers/second', { body: SECOND, contentType: 'application/json' })).status).toBe(415);
    expect((await call(h, 'PUT', '/v1/providers/second', { body: '', contentType: YAML })).status).toBe(400);
  });

  it('validate answers ok with warnings, or 422 with line numbers', async () => {
    const ok = await call(h, 'POST', '/v1/providers/validate', { body: TEST_DICTIONARY, contentType: YAML, identity: h.pki.operator });
    expect(ok.status).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, name: 'testvnf', warnings: [] });
    const bad = await call(h, 'POST', '/v1/providers/validate', { body: 'name: x\nservices: 3\n', contentType: YAML });
    expect(bad.status).toBe(422);
    expect((bad.json().errors as { line: number }[]).some((e) => e.line >= 1)).toBe(true);
    expect((await call(h, 'GET', '/v1/providers')).json().providers).toHaveLength(2);
  });

  it('DELETE removes the dictionary and its file (204), then 404', async () => {
    expect((await call(h, 'DELETE', '/v1/providers/second')).status).toBe(204);
    expect(existsSync(join(h.config.dictionaries_dir, 'second.yaml'))).toBe(false);
    expect((await call(h, 'GET', '/v1/providers/second')).status).toBe(404);
    expect((await call(h, 'DELETE', '/v1/providers/second')).status).toBe(404);
  });
});
