// Regex checks for dictionary patterns: they must compile as JavaScript regexes, and must not nest
// unbounded quantifiers ((a+)+, (\w*)*, (.+)*), the classic catastrophic-backtracking shape.

export type RegexProblem = { kind: 'syntax'; message: string } | { kind: 'redos'; message: string };

/** Templates in a pattern are replaced as the renderer will: values (escaped) by a literal, tags by nothing. */
export function patternWithoutTemplates(source: string): string {
  return source.replace(/\{\{\{?~?\s*([#/^]|else\b)?[\s\S]*?\}\}\}?/g, (_m, tag: string | undefined) => (tag ? '' : 'x'));
}

export function checkRegex(source: string, flags = 'm'): RegexProblem | undefined {
  try {
    new RegExp(source, flags);
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '') : 'invalid';
    return { kind: 'syntax', message: message.slice(0, 120) };
  }
  const nested = findNestedQuantifier(source);
  return nested ? { kind: 'redos', message: nested } : undefined;
}

interface Group {
  start: number;
  /** the group's content contains an unbounded quantifier */
  unbounded: boolean;
}

/**
 * Structural scan: a group that contains an unbounded quantifier and is itself repeated without bound
 * can backtrack exponentially. Returns a description of the first such group, or undefined.
 */
export function findNestedQuantifier(source: string): string | undefined {
  const stack: Group[] = [{ start: 0, unbounded: false }];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    if (ch === '\\') {
      i += 2;
      i = afterQuantifier(source, i, stack);
      continue;
    }
    if (ch === '[') {
      i = skipClass(source, i);
      i = afterQuantifier(source, i, stack);
      continue;
    }
    if (ch === '(') {
      stack.push({ start: i, unbounded: false });
      i += 1;
      continue;
    }
    if (ch === ')') {
      const group = stack.length > 1 ? stack.pop() : undefined;
      i += 1;
      const q = quantifierAt(source, i);
      if (group && q.unbounded && group.unbounded) {
        return `nested unbounded quantifiers in ${source.slice(group.start, i + q.length).slice(0, 60)} can backtrack catastrophically (ReDoS); rewrite without a repeated group of repeats`;
      }
      const top = stack[stack.length - 1];
      if (top && group && (group.unbounded || q.unbounded)) top.unbounded = true;
      i += q.length;
      continue;
    }
    i += 1;
    i = afterQuantifier(source, i, stack);
  }
  return undefined;
}

function afterQuantifier(source: string, i: number, stack: Group[]): number {
  const q = quantifierAt(source, i);
  const top = stack[stack.length - 1];
  if (q.unbounded && top) top.unbounded = true;
  return i + q.length;
}

function quantifierAt(source: string, i: number): { length: number; unbounded: boolean } {
  const ch = source[i];
  let length = 0;
  let unbounded = false;
  if (ch === '*' || ch === '+') {
    length = 1;
    unbounded = true;
  } else if (ch === '?') {
    length = 1;
  } else if (ch === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (m) {
      length = m[0].length;
      unbounded = m[2] !== undefined && (m[3] === '' || Number(m[3]) > 100);
    }
  }
  if (length > 0 && (source[i + length] === '?' || source[i + length] === '+')) length += 1;
  return { length, unbounded };
}

function skipClass(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j += 1;
  if (source[j] === ']') j += 1;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j + 1;
}
