import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadDictionaryText } from '../../../src/dictionary/index.js';
import { FIXTURES } from './helpers.js';

const DIR = `${FIXTURES}broken/`;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

describe('broken dictionaries', () => {
  it('has at least 30 cases', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(files)('%s fails with its expected message at its line', (file) => {
    const text = readFileSync(`${DIR}${file}`, 'utf8');
    const expectation = /^# expect: (\d+): (.+)$/m.exec(text);
    expect(expectation, 'fixture needs a "# expect: LINE: fragment" header').not.toBeNull();
    const line = Number(expectation?.[1]);
    const fragment = expectation?.[2] ?? '';
    for (const strict of [false, true]) {
      const result = loadDictionaryText(text, file, { strict });
      expect(result.loaded).toBeUndefined();
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      const match = errors.find((d) => d.message.includes(fragment));
      expect(match, `no error containing "${fragment}" in:\n${errors.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n')}`).toBeDefined();
      expect(match?.line, match?.message).toBe(line);
      expect(match?.file).toBe(file);
      expect(match?.col).toBeGreaterThanOrEqual(1);
    }
  });
});
