// Checks a parsed template against the small language dictionaries may use and lists the values it
// names. Anything else (partials, decorators, @data, this/../, other helpers) is refused.
import { CIDR_HELPERS, isCidrHelper } from './cidr.js';

export type ReferenceScope = 'get_data' | 'get_cs_data' | 'timestamp' | 'steps';

export interface TemplateReference {
  scope: ReferenceScope;
  /** field name (for timestamp: "timestamp"; for steps: the earlier step's save_as name) */
  name: string;
  /** as written in canonical form: get_data.x, get_cs_data.y, timestamp, steps.NAME.FIELD[.SUB] */
  path: string;
  /** steps only: the field path inside the saved result (one or two levels) */
  fields?: readonly string[];
  /** true when the template only tests the value ({{#if}}, eq ...), never prints it */
  conditionalOnly: boolean;
  /** true when the template tests the value somewhere ({{#if}}, eq ...), printed elsewhere or not */
  inCondition: boolean;
  /** the value helpers the value is passed to somewhere ({{cidr_mask get_data.prefix}}), in first-use order */
  helpers?: string[];
  /** 1-based line (inside the template) of the first use */
  line: number;
}

/** Helpers allowed in conditions, with their arity (min, max params). */
export const CONDITION_HELPERS: Readonly<Record<string, readonly [number, number]>> = {
  eq: [2, 2], ne: [2, 2], and: [2, 16], or: [2, 16], not: [1, 1],
  // dotted numeric versions ("26.1", "1.4.2"), compared segment by segment: see value.ts compareVersions
  version_lt: [2, 2], version_gte: [2, 2],
};
/** How deep a steps reference may reach into a saved result: steps.NAME.FIELD or steps.NAME.FIELD.SUB. */
export const MAX_STEP_FIELD_DEPTH = 2;
const VARIABLES_HINT = 'write get_data.NAME, get_cs_data.NAME, steps.NAME.FIELD or timestamp';
export const BLOCK_HELPERS = ['if', 'unless'] as const;
// the CIDR helpers (cidr.ts) take one value and give another: printed ({{cidr_mask get_data.x}}) or in a condition
const IN_CONDITIONS = [...Object.keys(CONDITION_HELPERS), ...CIDR_HELPERS].join(', ');
const KNOWN_HELPER_LIST = [...BLOCK_HELPERS, ...Object.keys(CONDITION_HELPERS), ...CIDR_HELPERS].join(', ');

export class TemplateSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly column: number) {
    super(message);
    this.name = 'TemplateSyntaxError';
  }
}

type Node = hbs.AST.Node;

function refuse(node: Node, message: string): never {
  // handlebars columns are 0-based; ours are 1-based like the dictionary diagnostics
  const start = (node.loc as hbs.AST.SourceLocation | undefined)?.start;
  throw new TemplateSyntaxError(message, start?.line ?? 1, (start?.column ?? 0) + 1);
}

const LITERALS = new Set(['StringLiteral', 'NumberLiteral', 'BooleanLiteral', 'NullLiteral', 'UndefinedLiteral']);

class Collector {
  private readonly refs = new Map<string, TemplateReference>();

  list(): TemplateReference[] {
    return [...this.refs.values()];
  }

  program(program: hbs.AST.Program): void {
    if (program.blockParams?.length) refuse(program, 'block parameters are not supported');
    for (const statement of program.body) this.statement(statement);
  }

  private statement(node: Node): void {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        return;
      case 'MustacheStatement':
        return this.mustache(node as hbs.AST.MustacheStatement);
      case 'BlockStatement':
        return this.block(node as hbs.AST.BlockStatement);
      case 'PartialStatement':
      case 'PartialBlockStatement':
        return refuse(node, 'partials are not supported');
      default:
        return refuse(node, `${node.type} is not supported`);
    }
  }

  private mustache(node: hbs.AST.MustacheStatement): void {
    if (node.path.type !== 'PathExpression') refuse(node, 'a literal cannot be printed; write the text directly');
    const path = node.path as hbs.AST.PathExpression;
    const head = path.parts[0] ?? '';
    if (isCidrHelper(path.original)) return this.valueHelper(node, path.original, false);
    if (node.params.length > 0 || (node.hash?.pairs.length ?? 0) > 0) {
      if ((BLOCK_HELPERS as readonly string[]).includes(head)) refuse(node, `'${head}' is a block helper: write {{#${head} ...}}...{{/${head}}}`);
      refuse(node, Object.hasOwn(CONDITION_HELPERS, head)
        ? `helper '${head}' can only be used inside {{#if (...)}} or {{#unless (...)}}`
        : `unknown helper '${head}' (known: ${KNOWN_HELPER_LIST})`);
    }
    this.variable(path, false);
  }

  private block(node: hbs.AST.BlockStatement): void {
    const name = node.path.original;
    if (!(BLOCK_HELPERS as readonly string[]).includes(name)) refuse(node, `unknown block helper '${name}' (known: ${BLOCK_HELPERS.join(', ')})`);
    if (node.params.length !== 1) refuse(node, `{{#${name}}} takes exactly one condition`);
    for (const pair of node.hash?.pairs ?? []) {
      if (pair.key !== 'includeZero' || pair.value.type !== 'BooleanLiteral') refuse(pair, `{{#${name}}} accepts only includeZero=true|false`);
    }
    this.condition(node.params[0] as Node);
    this.program(node.program);
    if (node.inverse) this.program(node.inverse);
  }

  private condition(node: Node): void {
    if (LITERALS.has(node.type)) return;
    if (node.type === 'PathExpression') return this.variable(node as hbs.AST.PathExpression, true);
    if (node.type !== 'SubExpression') return refuse(node, `${node.type} is not supported in a condition`);
    const sub = node as hbs.AST.SubExpression;
    const name = sub.path.original;
    if (isCidrHelper(name)) return this.valueHelper(sub, name, true);
    const arity = Object.hasOwn(CONDITION_HELPERS, name) ? CONDITION_HELPERS[name] : undefined;
    if (!arity) return refuse(sub, `unknown helper '${name}' (known: ${IN_CONDITIONS})`);
    if (sub.params.length < arity[0] || sub.params.length > arity[1]) {
      refuse(sub, arity[0] === arity[1] ? `'${name}' takes ${arity[0]} argument(s)` : `'${name}' takes ${arity[0]} to ${arity[1]} arguments`);
    }
    if ((sub.hash?.pairs.length ?? 0) > 0) refuse(sub, `'${name}': hash arguments (key=value) are not supported`);
    for (const param of sub.params) this.condition(param);
  }

  /** `{{cidr_mask get_data.x}}` or `(cidr_prefix get_data.x)`: exactly one variable, no literal or nested call. */
  private valueHelper(node: hbs.AST.MustacheStatement | hbs.AST.SubExpression, name: string, conditional: boolean): void {
    const [param, ...more] = node.params;
    if (!param || more.length > 0 || (node.hash?.pairs.length ?? 0) > 0) refuse(node, `'${name}' takes one value, e.g. {{${name} get_data.NAME}}`);
    if (param.type !== 'PathExpression') refuse(param, `'${name}' takes a variable (get_data.NAME, get_cs_data.NAME, steps.NAME.FIELD), not a literal or a helper call`);
    this.variable(param as hbs.AST.PathExpression, conditional, name);
  }

  private variable(path: hbs.AST.PathExpression, conditional: boolean, helper?: string): void {
    if (path.data) refuse(path, `'${path.original}' is not available: @-variables are not supported`);
    if (path.depth > 0 || /^(this\b|\.\.?\/|\.$)/.test(path.original)) refuse(path, `'${path.original}' is not available: ${VARIABLES_HINT}`);
    const [scope, name, ...rest] = path.parts;
    const line = (path.loc as hbs.AST.SourceLocation | undefined)?.start.line ?? 1;
    let ref: TemplateReference | undefined;
    if (scope === 'timestamp' && name === undefined) {
      ref = { scope, name: scope, path: scope, conditionalOnly: conditional, inCondition: conditional, line };
    } else if ((scope === 'get_data' || scope === 'get_cs_data') && name !== undefined && rest.length === 0) {
      ref = { scope, name, path: `${scope}.${name}`, conditionalOnly: conditional, inCondition: conditional, line };
    } else if (scope === 'steps' && name !== undefined && rest.length >= 1 && rest.length <= MAX_STEP_FIELD_DEPTH) {
      ref = { scope, name, fields: rest, path: ['steps', name, ...rest].join('.'), conditionalOnly: conditional, inCondition: conditional, line };
    } else if (scope === 'steps') {
      refuse(path, `'${path.original}': write steps.NAME.FIELD (or steps.NAME.FIELD.SUB), where NAME is an earlier step's save_as`);
    }
    if (!ref) refuse(path, `unknown variable '${path.original}': ${VARIABLES_HINT}`);
    const seen = this.refs.get(ref.path);
    if (seen) {
      seen.conditionalOnly &&= conditional;
      seen.inCondition ||= conditional;
    }
    else this.refs.set(ref.path, ref);
    const entry = seen ?? ref;
    if (helper !== undefined && !entry.helpers?.includes(helper)) entry.helpers = [...(entry.helpers ?? []), helper];
  }
}

/** Validates the AST and returns its references in first-use order; throws TemplateSyntaxError. */
export function collectReferences(ast: hbs.AST.Program): TemplateReference[] {
  const collector = new Collector();
  collector.program(ast);
  return collector.list();
}
