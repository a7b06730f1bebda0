// The render scope of work that has no operation input (health checks, bootstrap credentials and
// parameters, the ready test): get_cs_data over the appliance context, its secrets registered.
import type { ApplianceContext } from '../dictionary/index.js';
import { RenderScope } from '../template/index.js';
import { applianceSecretKeys, applianceSecrets, applianceValues } from './values.js';

export function contextScope(appliance: ApplianceContext, now?: () => Date): RenderScope {
  const csData = applianceValues(appliance);
  const scope = new RenderScope({ csData, secretCs: applianceSecretKeys(csData), ...(now ? { now } : {}) });
  for (const secret of applianceSecrets(appliance)) scope.addSecret(secret);
  return scope;
}

/** expected_output: a literal substring, or else a regex (multiline) over the output. */
export function matchesExpected(text: string, expected: string): boolean {
  if (text.includes(expected)) return true;
  try {
    return new RegExp(expected, 'm').test(text);
  } catch {
    return false;
  }
}
