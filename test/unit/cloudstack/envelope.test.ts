import { describe, expect, it } from 'vitest';
import { codeForStatus, errorFromResponse, normaliseList, scrub, unwrapEnvelope } from '../../../src/cloudstack/index.js';

describe('CloudStack envelopes', () => {
  it('unwraps <command>response (lowercased), or the single ...response key (errorresponse)', () => {
    expect(unwrapEnvelope('listZones', { listzonesresponse: { count: 1, zone: [{ id: 'z' }] } })).toEqual({ count: 1, zone: [{ id: 'z' }] });
    expect(unwrapEnvelope('noSuch', { errorresponse: { errorcode: 432 } })).toEqual({ errorcode: 432 });
    expect(unwrapEnvelope('listZones', { a: {}, b: {} })).toBeUndefined();
    expect(unwrapEnvelope('listZones', '<xml/>')).toBeUndefined();
  });

  it('normalises lists: items + count, the empty shape {}, a single object field', () => {
    expect(normaliseList({ count: 2, virtualmachine: [{ id: 1 }, { id: 2 }] })).toEqual({ count: 2, items: [{ id: 1 }, { id: 2 }], name: 'virtualmachine' });
    expect(normaliseList({})).toEqual({ count: 0, items: [] });
    expect(normaliseList({ cacertificates: { certificate: 'PEM' } })).toEqual({ count: 1, items: [{ certificate: 'PEM' }], name: 'cacertificates' });
    expect(() => normaliseList({ a: [], b: [] })).toThrow(/cannot tell/);
  });

  it('maps status / errorcode to codes per ApiErrorCode', () => {
    expect([401, 411].map(codeForStatus)).toEqual(['VNF_ERR_CS_AUTH', 'VNF_ERR_CS_AUTH']);
    expect([405, 430, 431, 432].map(codeForStatus)).toEqual(Array(4).fill('VNF_ERR_CS_PARAM'));
    expect([429, 503, 533, 534, 535, 536].map(codeForStatus)).toEqual(Array(6).fill('VNF_ERR_CS_UNAVAILABLE'));
    expect([530, 531, 532, 537, 500].map(codeForStatus)).toEqual(Array(5).fill('VNF_ERR_CS_API_ERROR'));
  });

  it('errors: errorcode in a 200 body still fails; errortext is scrubbed of secrets and bounded', () => {
    const e = errorFromResponse('addAnnotation', 200, { errorcode: 431, cserrorcode: 4350, errortext: 'bad value SECRETVALUE123\nnext' }, ['SECRETVALUE123']);
    expect(e?.code).toBe('VNF_ERR_CS_PARAM');
    expect(e?.message).toBe('CloudStack addAnnotation returned an error (HTTP 200, errorcode 431): bad value [redacted] next');
    expect(errorFromResponse('listZones', 200, {}, [])).toBeUndefined();
    expect(errorFromResponse('listZones', 502, undefined, [])?.message).toContain('no CloudStack error body');
    expect(scrub('x'.repeat(1000), []).length).toBe(400);
  });
});
