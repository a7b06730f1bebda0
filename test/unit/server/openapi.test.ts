import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VnfError } from '../../../src/errors.js';
import { ROUTES, ROUTE_DOCS, Router, buildOpenApi } from '../../../src/server/index.js';
import { call, removeDir, startHarness, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(async () => { await h.close(); removeDir(h.dir); });

type Doc = { openapi: string; paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; 'x-roles': string[] }>>; components: { schemas: Record<string, unknown> } };

describe('OpenAPI document', () => {
  it('is served and describes exactly the routes of the router', async () => {
    const reply = await call(h, 'GET', '/v1/openapi.json', { identity: h.pki.auditor });
    const doc = reply.json() as unknown as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    const routed = h.server.router.routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(documented).toEqual(routed);
    for (const route of h.server.router.routes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op?.operationId).toBe(route.operationId);
      expect(op?.['x-roles']).toEqual([...route.roles]);
      for (const status of ['400', '403', '500']) expect(op?.responses[status], `${route.path} ${status}`).toBeDefined();
    }
  });

  it('every $ref resolves, and the component schemas compile', () => {
    const doc = buildOpenApi() as unknown as Doc;
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(doc.components.schemas[name], name).toBeDefined();
    const ajv = new Ajv2020({ strict: false });
    for (const [name, schema] of Object.entries(doc.components.schemas)) expect(() => ajv.compile(schema as object), name).not.toThrow();
  });

  it('refuses a route without documentation and documentation without a route', () => {
    expect(() => buildOpenApi([...ROUTES, { operationId: 'x', method: 'GET', path: '/v1/undocumented', roles: ['admin'] }])).toThrow(VnfError);
    expect(() => buildOpenApi(ROUTES.slice(1))).toThrow(/do not exist/);
    expect(Object.keys(ROUTE_DOCS)).toHaveLength(ROUTES.length);
  });
});

describe('router', () => {
  const router = new Router();
  it('prefers literal segments and extracts parameters', () => {
    expect(router.match('POST', '/v1/providers/validate').route.operationId).toBe('validateProvider');
    expect(router.match('GET', '/v1/providers/validate').route.operationId).toBe('getProvider');
    expect(router.match('PUT', '/v1/providers/opnsense').params).toEqual({ name: 'opnsense' });
  });
  it('404 for unknown paths and bad parameters, 405 with the allowed methods', () => {
    expect(() => router.match('GET', '/v1/providers/')).toThrow(expect.objectContaining({ code: 'VNF_ERR_API_NOT_FOUND' }) as Error);
    expect(() => router.match('GET', '/v1/providers/..%2Fetc')).toThrow(expect.objectContaining({ code: 'VNF_ERR_API_NOT_FOUND' }) as Error);
    expect(() => router.match('PATCH', '/v1/providers/x')).toThrow(expect.objectContaining({ code: 'VNF_ERR_API_METHOD_NOT_ALLOWED', details: [{ allow: 'DELETE, GET, PUT' }] }) as Error);
  });
});
