// Template checks on every TemplateSite: handlebars syntax and helpers, references under get_data /
// get_cs_data, and get_data fields a service does not declare (a warning: DESIGN.md §3.1).
import type { DiagnosticBag } from './diagnostics.js';
import type { Built } from './build-model.js';
import { scanTemplate } from './template-check.js';

export function checkTemplates(built: Built, bag: DiagnosticBag): void {
  const { dictionary: d, sites, sitePaths, mapper, explicitGetData } = built;
  for (const site of sites) {
    const path = sitePaths.get(site) ?? [];
    const scan = scanTemplate(site.source, site.landing);
    const offsetOf = (line: number, column: number): number => lineOffset(site.source, line) + column;
    for (const p of scan.problems) bag.error(mapper.posIn(path, offsetOf(p.line, p.column)), p.rule, p.message);
    if (scan.problems.length > 0) continue;
    const service = site.service === undefined ? undefined : d.services[site.service];
    for (const ref of scan.dataRefs) {
      const pos = mapper.posIn(path, offsetOf(ref.line, 0));
      if (!service) {
        bag.error(pos, 'bad-reference', `get_data.${ref.name}: get_data is only available in service operations (use get_cs_data)`);
      } else if (!(ref.name in service.data)) {
        bag.warning(pos, 'undeclared-data-field', `get_data.${ref.name} is not declared in the data: of service '${service.name}'`);
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

function lineOffset(source: string, line: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = source.indexOf('\n', offset);
    if (next < 0) return offset;
    offset = next + 1;
  }
  return offset;
}
