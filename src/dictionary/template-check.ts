// Template checks at load: every template is compiled once by the template engine (which caches it
// for rendering) and its references collected; compile failures become located problems.
import { compileTemplate, type TemplateLanding } from '../template/index.js';
import { isVnfError } from '../errors.js';

export interface TemplateProblem {
  /** 1-based line and 0-based column inside the template */
  line: number;
  column: number;
  rule: 'template-syntax';
  message: string;
}

export interface TemplateScan {
  problems: TemplateProblem[];
  /** get_data references; `helpers`: the value helpers (cidr_mask ...) the field is passed to */
  dataRefs: Array<{ name: string; line: number; helpers?: readonly string[] }>;
  contextRefs: string[];
  /** steps.NAME.FIELD references: NAME and the 1-based line of the first use */
  stepRefs: Array<{ name: string; path: string; line: number }>;
}

export function scanTemplate(source: string, landing: TemplateLanding): TemplateScan {
  try {
    const { references } = compileTemplate(source, landing);
    return {
      problems: [],
      dataRefs: references.filter((r) => r.scope === 'get_data').map((r) => ({ name: r.name, line: r.line, ...(r.helpers ? { helpers: r.helpers } : {}) })),
      contextRefs: references.filter((r) => r.scope === 'get_cs_data').map((r) => r.name),
      stepRefs: references.filter((r) => r.scope === 'steps').map((r) => ({ name: r.name, path: r.path, line: r.line })),
    };
  } catch (error) {
    if (!isVnfError(error) || error.code !== 'VNF_ERR_TEMPLATE_COMPILE') throw error;
    const d = error.details as { line: number; column: number; reason: string; kind: 'syntax' | 'language' };
    // the reason only, never the parser's excerpt of the source (which may hold literal secrets)
    const message = d.kind === 'syntax' ? `template syntax error: ${d.reason}` : d.reason;
    return { problems: [{ line: d.line, column: Math.max(0, d.column - 1), rule: 'template-syntax', message }], dataRefs: [], contextRefs: [], stepRefs: [] };
  }
}
