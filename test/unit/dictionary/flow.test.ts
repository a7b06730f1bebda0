// Loader support for multi-step flows: save_as / steps.NAME.FIELD, when:, retry:, on_failure:,
// response.expected_status / already — schema, model defaults, semantic checks with lines, printing.
import { describe, expect, it } from 'vitest';
import { toCanonicalYaml } from '../../../src/dictionary/index.js';
import { errors, load, summary, warnings } from './helpers.js';

const HEAD = `name: flow
connections:
  api: { type: https, host: "{{get_cs_data.mgmt_ip}}" }
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}" }
services:
  Rules:
    data:
      name: { type: string }
      legacy: { type: boolean }
`;

const GOOD = `${HEAD}    create:
      steps:
        - save_as: ver
          url: /status
          response: { transform: { version: "$.version" } }
        - save_as: sp
          when: "and (version_lt steps.ver.version '26.7') (not get_data.legacy)"
          method: POST
          url: /savepoint
          response: { transform: { revision: "$.revision" } }
        - method: POST
          url: "/apply/{{steps.sp.revision}}"
          retry: { on_status: 503 }
          response:
            expected_status: 200
            already: { status: 409 }
          on_failure:
            - method: POST
              url: "/revert/{{steps.sp.revision}}"
        - when: steps.sp.revision
          method: POST
          url: "/cancel_rollback/{{steps.sp.revision}}"
`;

describe('dictionary format: multi-step flows', () => {
  it('a flow loads; defaults are filled (retry attempts/interval, status lists); get_data includes fields named in when:', () => {
    const r = load(GOOD);
    expect(errors(r)).toEqual([]);
    const op = r.loaded!.dictionary.services.Rules!.operations.create!;
    expect(op.get_data).toEqual(['legacy']);
    expect(op.steps[1]).toMatchObject({ save_as: 'sp', when: "and (version_lt steps.ver.version '26.7') (not get_data.legacy)" });
    expect(op.steps[2]!.retry).toEqual({ on_status: [503], attempts: 3, interval: 2 });
    expect(op.steps[2]!.response).toMatchObject({ expected_status: [200], already: [{ status: [409] }] });
    expect(op.steps[2]!.on_failure![0]).toMatchObject({ connection: 'api', method: 'POST', url: '/revert/{{steps.sp.revision}}' });
  });

  it('the canonical print keeps the flow keys and loads back to the same model', () => {
    const first = load(GOOD).loaded!.dictionary;
    const text = toCanonicalYaml(first);
    expect(text).toContain('save_as: sp');
    expect(text).toContain('on_failure:');
    const again = load(text);
    expect(errors(again)).toEqual([]);
    expect(again.loaded!.dictionary.services).toEqual(first.services);
  });

  it('steps references: only earlier save_as names of the same operation, located on their line', () => {
    const r = load(`${HEAD}    create:
      steps:
        - url: "/a/{{steps.later.id}}"
        - save_as: later
          url: /b
          when: "eq steps.nope.x 1"
        - url: "/c"
          response:
            callback: { action: http, url: "http://hook/{{steps.later.id}}" }
healthchecks:
  - { name: h, url: "/x/{{steps.later.id}}" }
`);
    expect(summary(errors(r))).toEqual([
      "12: steps.later.id: step 2 saves as 'later', but it has not run yet here (a step can only use results of earlier steps)",
      '15: steps.nope.x: no earlier step of Rules.create has save_as: nope (earlier save_as names: none)',
      '20: steps.later.id: steps values are only available in the steps of a service operation',
    ]);
  });

  it('a step cannot use its own result, but its on_failure steps can', () => {
    const r = load(`${HEAD}    create:
      steps:
        - save_as: me
          url: "/a/{{steps.me.id}}"
          on_failure:
            - url: "/undo/{{steps.me.id}}"
        - url: /b
`);
    expect(summary(errors(r))).toEqual(["13: steps.me.id: step 1 saves as 'me', but it has not run yet here (a step can only use results of earlier steps)"]);
  });

  it('bad flow declarations are located errors', () => {
    const r = load(`${HEAD}    create:
      steps:
        - save_as: a
          url: /a
          retry: { attempts: 1 }
        - save_as: a
          url: "/{{steps.a.b.c.d}}"
          retry: { on_output: '(a+)+$' }
          response: { already: { json: { "error": 1 } } }
        - connection: cli
          commands: [ "show x" ]
          when: "{{get_data.legacy}}"
          retry: { on_status: 503 }
          response: { expected_status: 200 }
          on_failure:
            - { connection: cli, commands: [ "undo" ], save_as: u }
`);
    expect(summary(errors(r))).toEqual([
      '14: Rules.create: retry needs on_status: or on_output: (what means "busy, try again")',
      '14: Rules.create: retry.attempts counts every attempt, the first included: use 2 or more',
      '15: Rules.create: save_as: a is already used by step 1',
      "16: 'steps.a.b.c.d': write steps.NAME.FIELD (or steps.NAME.FIELD.SUB), where NAME is an earlier step's save_as",
      expect.stringMatching(/^17: retry.on_output: nested unbounded quantifiers/),
      "18: Rules.create: already.json keys are JSONPaths ($.a.b), not 'error'",
      '21: Rules.create: when: is a condition written without {{ }}, e.g. when: "version_lt steps.ver.version \'26.7\'"',
      '22: Rules.create: retry.on_status applies to HTTP steps; use on_output for ssh',
      '23: Rules.create: expected_status applies to HTTP steps',
      '25: Rules.create: on_failure steps cannot save_as (nothing runs after them)',
    ]);
    expect(summary(warnings(r))).toEqual(['24: Rules.create: on_failure of the last step never runs (it runs when a later step fails)']);
  });

  it('schema: a bad value in a flow key is reported once, not as unknown keys of the whole step', () => {
    const r = load(`${HEAD}    create:
      steps:
        - url: /a
          retry: { on_status: 503, attempts: 0, every: 2 }
          save_as: "bad name"
`);
    expect(summary(errors(r))).toEqual([
      '13: services.Rules.create.steps[0].retry.attempts: must be >= 1',
      "13: unknown key 'every' in services.Rules.create.steps[0].retry",
      expect.stringMatching(/^14: services.Rules.create.steps\[0\].save_as: does not match/),
    ]);
  });

  it('when: conditions are compiled at load: unknown helpers and variables are located errors', () => {
    const r = load(`${HEAD}    create:
      steps:
        - save_as: v
          url: /a
        - url: /b
          when: "version_gt steps.v.version '1.0'"
        - url: /c
          when: "eq get_data.name version"
`);
    expect(summary(errors(r))).toEqual([
      "15: unknown helper 'version_gt' (known: eq, ne, and, or, not, version_lt, version_gte, cidr_address, cidr_network, cidr_prefix, cidr_mask, cidr_wildcard)",
      "17: unknown variable 'version': write get_data.NAME, get_cs_data.NAME, steps.NAME.FIELD or timestamp",
    ]);
  });

  it('CIDR helpers take a get_data field declared cidr (else a located error); context and step values are checked when rendered', () => {
    const r = load(`name: cidr
connections:
  cli: { type: ssh, host: "{{get_cs_data.mgmt_ip}}" }
services:
  Routes:
    data:
      prefix: { type: cidr }
      network: { type: ip }
      name: { type: string }
    add:
      steps:
        - save_as: r
          commands: [ "ip route {{cidr_network get_data.prefix}} {{cidr_mask get_data.prefix}}" ]
          response: { transform: { net: 'regex:^net (?<net>[0-9./]+)$' } }
        - commands:
            - "ip route {{cidr_network get_data.network}} {{cidr_mask get_data.network}}"
            - "{{#if (eq (cidr_prefix get_data.name) 32)}}host{{/if}}"
            - "ip route {{cidr_network get_cs_data.lan}} {{cidr_mask steps.r.net}}"
`);
    expect(summary(errors(r))).toEqual([
      '16: cidr_network, cidr_mask: get_data.network is declared ip, but CIDR helpers take a field of type cidr',
      '17: cidr_prefix: get_data.name is declared string, but CIDR helpers take a field of type cidr',
    ]);
  });
});
