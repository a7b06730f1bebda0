// Web UI session routes: POST /v1/appliances/{id}/ui-sessions (a signed link for the UI listener) and
// DELETE /v1/ui-sessions/{token_id} (revocation). The proxy itself lives in ./ui-proxy/.
import { VnfError } from '../errors.js';
import { checkRequest } from './api-schemas.js';
import { applianceFromRequest } from './appliance-input.js';
import type { Handler } from './state.js';
import type { UiRuntime, UiTarget } from './ui-proxy/index.js';

interface UiSessionBody {
  appliance: Record<string, unknown>;
  access: { method: 'http' | 'https'; port?: number; path?: string };
  lifetime_s?: number;
}

function disabled(): never {
  throw new VnfError('VNF_ERR_UI_DISABLED', 'web UI access is not configured (ui.listen)');
}

export function uiHandlers(ui: UiRuntime | undefined): Record<string, Handler> {
  return {
    createUiSession: async (ctx) => {
      if (!ui) disabled();
      const body = checkRequest<UiSessionBody>('UiSessionRequest', ctx.body);
      if (body.appliance.id !== ctx.params.id) {
        throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'appliance.id: must be the appliance id of the path', { details: [{ field: 'appliance.id', problem: 'differs from the path' }] });
      }
      const appliance = await applianceFromRequest(body.appliance);
      const m = appliance.management;
      if (!m?.host) throw new VnfError('VNF_ERR_APPLIANCE_INVALID', 'appliance.management.host is required for web UI access');
      const path = body.access.path ?? '/';
      if (/(^|\/)\.\.?(\/|$)/.test(path) || /%2e|%2f|%5c/i.test(path)) {
        throw new VnfError('VNF_ERR_API_BAD_REQUEST', 'access.path: must not contain dot segments or encoded separators', { details: [{ field: 'access.path', problem: 'dot segment' }] });
      }
      const method = body.access.method;
      const port = body.access.port ?? (method === 'https' ? m.https_port ?? 443 : m.http_port ?? 80);
      const target: UiTarget = { method, host: m.host, port, path: path.endsWith('/') ? path : `${path}/` };
      const lifetime = body.lifetime_s ?? ui.ui.default_lifetime_s;
      if (lifetime > ui.ui.max_lifetime_s) {
        throw new VnfError('VNF_ERR_API_BAD_REQUEST', `lifetime_s: at most ${ui.ui.max_lifetime_s}`, { details: [{ field: 'lifetime_s', problem: 'above ui.max_lifetime_s' }] });
      }
      const opened = ui.open(appliance, target, lifetime, ctx.auditPrincipal, ctx.requestId);
      return { status: 201, body: opened };
    },
    revokeUiSession: (ctx) => {
      if (!ui) disabled();
      ui.revoke(ctx.params.token_id ?? '', ctx.auditPrincipal, ctx.roles.has('admin'), ctx.requestId);
      return Promise.resolve({ status: 204 });
    },
  };
}
