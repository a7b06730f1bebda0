// Template syntax check with Handlebars.parse (parse only: nothing is compiled or rendered here):
// known helpers only, variables only under get_data / get_cs_data (or timestamp), references collected.
import Handlebars from 'handlebars';

export const BLOCK_HELPERS = ['if', 'unless'] as const;
export const VALUE_HELPERS = ['eq', 'ne', 'and', 'or', 'not'] as const;
const KNOWN_HELPERS = [...BLOCK_HELPERS, ...VALUE_HELPERS].join(', ');

export interface TemplateProblem {
  /** 1-based line and 0-based column inside the template */
  line: number;
  column: number;
  rule: 'template-syntax' | 'unknown-helper' | 'bad-reference';
  message: string;
}

export interface TemplateScan {
  problems: TemplateProblem[];
  dataRefs: Array<{ name: string; line: number }>;
  contextRefs: string[];
}

type AnyNode = hbs.AST.Node & Record<string, unknown>;

export function scanTemplate(source: string): TemplateScan {
  const scan: TemplateScan = { problems: [], dataRefs: [], contextRefs: [] };
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    const lines = (error instanceof Error ? error.message : '').split('\n').map((l) => l.trim()).filter(Boolean);
    // only the parser's verdict, never its excerpt of the source (which may hold literal secrets)
    const first = lines[0] ?? '';
    const expecting = lines.find((l) => l.startsWith('Expecting'));
    const lineMatch = /on line (\d+)/.exec(first) ?? / - (\d+):\d+$/.exec(first);
    const detail = (expecting ?? (/^(Parse|Lexical) error/.test(first) ? 'unrecognised text' : first.replace(/ - \d+:\d+$/, ''))).slice(0, 160);
    scan.problems.push({ line: Number(lineMatch?.[1] ?? 1), column: 0, rule: 'template-syntax', message: `template syntax error: ${detail}` });
    return scan;
  }
  walkProgram(program, scan, 0);
  return scan;
}

function at(node: hbs.AST.Node): { line: number; column: number } {
  return { line: node.loc?.start.line ?? 1, column: node.loc?.start.column ?? 0 };
}

function problem(scan: TemplateScan, node: hbs.AST.Node, rule: TemplateProblem['rule'], message: string): void {
  scan.problems.push({ ...at(node), rule, message });
}

function walkProgram(program: hbs.AST.Program | undefined, scan: TemplateScan, depth: number): void {
  if (!program || depth > 32) return;
  for (const statement of program.body) walkStatement(statement as AnyNode, scan, depth);
}

function walkStatement(node: AnyNode, scan: TemplateScan, depth: number): void {
  switch (node.type) {
    case 'ContentStatement':
    case 'CommentStatement':
      return;
    case 'MustacheStatement': {
      const m = node as unknown as hbs.AST.MustacheStatement;
      const name = helperName(m.path);
      if (m.params.length > 0 || (m.hash?.pairs.length ?? 0) > 0) {
        if (name === 'if' || name === 'unless') problem(scan, node, 'unknown-helper', `'${name}' is a block helper: write {{#${name} ...}}...{{/${name}}}`);
        else if (!(VALUE_HELPERS as readonly string[]).includes(name ?? '')) problem(scan, node, 'unknown-helper', `unknown helper '${name ?? '?'}' (known: ${KNOWN_HELPERS})`);
        checkHash(m.hash, scan);
        for (const p of m.params) walkExpression(p as AnyNode, scan);
      } else {
        walkExpression(m.path as AnyNode, scan);
      }
      return;
    }
    case 'BlockStatement': {
      const b = node as unknown as hbs.AST.BlockStatement;
      const name = helperName(b.path);
      if (!(BLOCK_HELPERS as readonly string[]).includes(name ?? '')) {
        problem(scan, node, 'unknown-helper', `unknown block helper '${name ?? '?'}' (known: ${BLOCK_HELPERS.join(', ')})`);
      } else if (b.params.length !== 1) {
        problem(scan, node, 'template-syntax', `{{#${name}}} takes exactly one condition`);
      }
      checkHash(b.hash, scan);
      for (const p of b.params) walkExpression(p as AnyNode, scan);
      walkProgram(b.program, scan, depth + 1);
      walkProgram(b.inverse, scan, depth + 1);
      return;
    }
    default:
      problem(scan, node, 'template-syntax', `${String(node.type).replace(/Statement$|Block$/, '').toLowerCase()}s are not supported in dictionary templates`);
  }
}

function checkHash(hash: hbs.AST.Hash | undefined, scan: TemplateScan): void {
  if (hash && hash.pairs.length > 0) problem(scan, hash, 'template-syntax', 'hash arguments (key=value) are not supported');
}

function helperName(path: hbs.AST.Expression): string | undefined {
  return path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : undefined;
}

function walkExpression(node: AnyNode, scan: TemplateScan): void {
  if (node.type === 'SubExpression') {
    const s = node as unknown as hbs.AST.SubExpression;
    const name = helperName(s.path);
    if (!(VALUE_HELPERS as readonly string[]).includes(name ?? '')) problem(scan, node, 'unknown-helper', `unknown helper '${name ?? '?'}' (known: ${VALUE_HELPERS.join(', ')})`);
    checkHash(s.hash, scan);
    for (const p of s.params) walkExpression(p as AnyNode, scan);
    return;
  }
  if (node.type !== 'PathExpression') return; // literals
  const p = node as unknown as hbs.AST.PathExpression;
  if (p.data || p.depth > 0 || p.original.startsWith('this') || p.original.includes('../')) {
    problem(scan, node, 'bad-reference', `'${p.original}' is not available: use get_data.<field>, get_cs_data.<name> or timestamp`);
    return;
  }
  const [root, first] = p.parts;
  if (p.parts.length === 1 && root === 'timestamp') return;
  if ((root === 'get_data' || root === 'get_cs_data') && first !== undefined) {
    if (root === 'get_data') scan.dataRefs.push({ name: first, line: at(node).line });
    else scan.contextRefs.push(p.parts.slice(1).join('.'));
    return;
  }
  problem(scan, node, 'bad-reference', `unknown variable '${p.original}': use get_data.<field>, get_cs_data.<name> or timestamp`);
}
