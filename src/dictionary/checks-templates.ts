// Template checks on every TemplateSite: handlebars syntax and helpers, references under get_data /
// get_cs_data / steps, get_data fields a service does not declare (a warning: DESIGN.md §3.1),
// steps.NAME references that do not name an earlier step's save_as in the same operation, and CIDR
// helpers (cidr_mask ...) given a get_data field that is not declared `type: cidr`.
import type { DiagnosticBag } from './diagnostics.js';
import type { Built } from './build-model.js';
import type { Dictionary } from './model.js';
import type { Seg } from './load-yaml.js';
import { scanTemplate } from './template-check.js';

export function checkTemplates(built: Built, bag: DiagnosticBag): void {
  const { dictionary: d, sites, sitePaths, mapper, explicitGetData, siteOffsets } = built;
  for (const site of sites) {
    const path = sitePaths.get(site) ?? [];
    const scan = scanTemplate(site.source, site.landing);
    const shift = siteOffsets.get(site) ?? 0;
    const offsetOf = (line: number, column: number): number => Math.max(0, lineOffset(site.source, line) + column - (line === 1 ? shift : 0));
    for (const p of scan.problems) bag.error(mapper.posIn(path, offsetOf(p.line, p.column)), p.rule, p.message);
    if (scan.problems.length > 0) continue;
    const service = site.service === undefined ? undefined : d.services[site.service];
    for (const ref of scan.stepRefs) {
      const problem = stepRefProblem(d, path, ref.name);
      if (problem) bag.error(mapper.posIn(path, offsetOf(ref.line, 0)), 'bad-step-reference', `${ref.path}: ${problem}`);
    }
    for (const ref of scan.dataRefs) {
      const pos = mapper.posIn(path, offsetOf(ref.line, 0));
      if (!service) {
        bag.error(pos, 'bad-reference', `get_data.${ref.name}: get_data is only available in service operations (use get_cs_data)`);
      } else if (!(ref.name in service.data)) {
        bag.warning(pos, 'undeclared-data-field', `get_data.${ref.name} is not declared in the data: of service '${service.name}'`);
      } else if (ref.helpers && service.data[ref.name]?.type !== 'cidr') {
        // a field of another type would pass input validation and fail only at render time
        bag.error(pos, 'bad-helper-argument',
          `${ref.helpers.join(', ')}: get_data.${ref.name} is declared ${String(service.data[ref.name]?.type)}, but CIDR helpers take a field of type cidr`);
      }
    }
  }
  // get_data lists naming undeclared fields
  for (const [sName, service] of Object.entries(d.services)) {
    for (const [oName, op] of Object.entries(service.operations)) {
      if (!explicitGetData.has(`${sName}/${oName}`)) continue;
      op.get_data.forEach((field, i) => {
        if (field in service.data) return;
        const pos = mapper.pos(['services', sName, 'operations', oName, 'get_data', i]);
        bag.warning(pos, 'undeclared-data-field', `get_data lists '${field}', which is not declared in the data: of service '${sName}'`);
      });
    }
  }
}

/**
 * Which save_as names a template at `path` may use: a step's own templates see the steps before it;
 * its on_failure steps also see the step itself; callbacks (run after the last step) see every step.
 */
function stepRefProblem(d: Dictionary, path: readonly Seg[], name: string): string | undefined {
  const [root, sName, ops, oName, stepsKey, index, ...rest] = path.map(String);
  const op = root === 'services' && ops === 'operations' && stepsKey === 'steps' && sName !== undefined && oName !== undefined
    ? d.services[sName]?.operations[oName] : undefined;
  if (!op || index === undefined) return 'steps values are only available in the steps of a service operation';
  const i = Number(index);
  const visible = rest[0] === 'response' && rest[1] === 'callback' ? op.steps.length : rest[0] === 'on_failure' ? i + 1 : i;
  const at = op.steps.findIndex((s) => s.save_as === name);
  if (at >= 0 && at < visible) return undefined;
  if (at >= visible) return `step ${at + 1} saves as '${name}', but it has not run yet here (a step can only use results of earlier steps)`;
  const earlier = op.steps.slice(0, visible).map((s) => s.save_as).filter((n): n is string => n !== undefined);
  return `no earlier step of ${sName}.${oName} has save_as: ${name} (earlier save_as names: ${earlier.join(', ') || 'none'})`;
}

function lineOffset(source: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return offset;
    offset = next + 1;
  }
  return offset;
}
