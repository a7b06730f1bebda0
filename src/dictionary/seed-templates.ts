// Rewrites the seed's template spellings to canonical handlebars: {{get_data: x}} → {{get_data.x}},
// bare {{x}} → get_data.x (declared input) or get_cs_data.x (context), Go {{if eq .f 'v'}} → {{#if (eq ...)}}.

export interface TemplateRewrite {
  /** offset of the mustache in the original string */
  offset: number;
  from: string;
  to: string;
  /** false for purely cosmetic changes (whitespace) that are not seed variants */
  variant: boolean;
}

const NAME = '[A-Za-z_][\\w-]*';
const PATH = `${NAME}(?:\\.${NAME})*`;
const QUALIFIED = new RegExp(`^(get_(?:cs_)?data)\\s*(?::\\s*|\\.\\s*)(${PATH})$`);
const BARE = new RegExp(`^(${NAME})$`);
const CONDITION_HELPERS = new Set(['eq', 'ne', 'and', 'or', 'not']);
/** Bare names that are not variables: handlebars keywords and the built-in timestamp. */
const KEEP_BARE = new Set(['else', 'this', 'timestamp']);

export function rewriteSeedTemplate(text: string, declared: ReadonlySet<string> | undefined): { text: string; rewrites: TemplateRewrite[] } {
  const rewrites: TemplateRewrite[] = [];
  const goIfs: boolean[] = [];
  const out = text.replace(/\{\{\{[\s\S]*?\}\}\}|\{\{(~?)([\s\S]*?)(~?)\}\}/g, (whole, open: string | undefined, inner: string | undefined, close: string | undefined, offset: number) => {
    if (inner === undefined) return whole;
    const body = inner.trim();
    const next = rewriteBody(body, declared, goIfs);
    if (next.body === body && inner === body) return whole;
    const replaced = `{{${open ?? ''}${next.body}${close ?? ''}}}`;
    if (replaced !== whole) rewrites.push({ offset, from: whole, to: replaced, variant: next.variant });
    return replaced;
  });
  return { text: out, rewrites };
}

function rewriteBody(body: string, declared: ReadonlySet<string> | undefined, goIfs: boolean[]): { body: string; variant: boolean } {
  const qualified = QUALIFIED.exec(body);
  if (qualified) {
    const canonical = `${qualified[1]}.${qualified[2]}`;
    return { body: canonical, variant: body !== canonical };
  }
  if (body.startsWith('#')) {
    goIfs.push(false);
    return { body, variant: false };
  }
  if (body === '/if' || body.startsWith('/')) {
    goIfs.pop();
    return { body, variant: false };
  }
  if (body === 'end' && goIfs.length > 0 && goIfs[goIfs.length - 1] === true) {
    goIfs.pop();
    return { body: '/if', variant: true };
  }
  const goIf = /^if\s+([\s\S]+)$/.exec(body);
  if (goIf?.[1] !== undefined) {
    const condition = rewriteCondition(goIf[1], declared);
    if (condition !== undefined) {
      goIfs.push(true);
      return { body: `#if ${condition}`, variant: true };
    }
    return { body, variant: false };
  }
  const bare = BARE.exec(body);
  if (bare?.[1] !== undefined && !KEEP_BARE.has(bare[1])) return { body: resolveBare(bare[1], declared), variant: true };
  return { body, variant: false };
}

/** `eq .field 'v'` → `(eq get_data.field "v")`; `get_data: f` → `get_data.f`; undefined when unrecognised. */
function rewriteCondition(condition: string, declared: ReadonlySet<string> | undefined): string | undefined {
  const normalised = condition.replace(/\b(get_(?:cs_)?data)\s*:\s*/g, '$1.');
  const tokens = normalised.match(/'[^']*'|"[^"]*"|\S+/g) ?? [];
  const mapped: string[] = [];
  for (const token of tokens) {
    const term = rewriteTerm(token, declared);
    if (term === undefined) return undefined;
    mapped.push(term);
  }
  const [head, ...rest] = mapped;
  if (head === undefined) return undefined;
  if (CONDITION_HELPERS.has(head) && rest.length > 0) return `(${mapped.join(' ')})`;
  return mapped.length === 1 ? head : undefined;
}

function rewriteTerm(token: string, declared: ReadonlySet<string> | undefined): string | undefined {
  if (CONDITION_HELPERS.has(token)) return token;
  if (/^'[^']*'$/.test(token)) return JSON.stringify(token.slice(1, -1));
  if (/^"[^"]*"$/.test(token) || /^-?\d+(\.\d+)?$/.test(token) || token === 'true' || token === 'false') return token;
  const dotted = new RegExp(`^\\.(${PATH})$`).exec(token);
  if (dotted) return `get_data.${dotted[1]}`;
  if (new RegExp(`^get_(cs_)?data\\.${PATH}$`).test(token)) return token;
  if (BARE.test(token)) return resolveBare(token, declared);
  return undefined;
}

/** Bare names resolve to the operation's input when declared there, else to the CloudStack context. */
function resolveBare(name: string, declared: ReadonlySet<string> | undefined): string {
  return declared?.has(name) ? `get_data.${name}` : `get_cs_data.${name}`;
}

/** Field names referenced as get_data.X / get_data: X / bare {{X}} in a seed `get_data` entry. */
export function referencedDataFields(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\\bget_data\\s*[.:]\\s*(${NAME})`, 'g'))) if (m[1]) names.add(m[1]);
  for (const m of text.matchAll(new RegExp(`\\{\\{\\s*(${NAME})\\s*\\}\\}`, 'g'))) {
    if (m[1] && !KEEP_BARE.has(m[1]) && m[1] !== 'get_data' && m[1] !== 'get_cs_data') names.add(m[1]);
  }
  return [...names];
}
