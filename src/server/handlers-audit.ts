// GET /v1/audit: auditors' query over the live log and its rotated files, filtered by appliance,
// principal, time window and type; the read itself is audited (audit.read) before any record leaves.
import { existsSync } from 'node:fs';
import { AUDIT_EVENT_TYPES, listRotated, parseAuditTime, queryAuditLog, type AuditFilter, type AuditRecord } from '../audit/index.js';
import { VnfError } from '../errors.js';
import type { Handler, ServerState } from './state.js';

export const AUDIT_QUERY_DEFAULT_LIMIT = 1000;
export const AUDIT_QUERY_MAX_LIMIT = 10_000;
const PARAMS = new Set(['appliance', 'principal', 'since', 'until', 'type', 'limit']);

function bad(message: string): VnfError {
  return new VnfError('VNF_ERR_API_BAD_REQUEST', message);
}

function single(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  if (values.length > 1) throw bad(`query parameter '${name}' is given more than once`);
  const value = values[0];
  if (value !== undefined && (value === '' || value.length > 256)) throw bad(`query parameter '${name}' must be 1-256 characters`);
  return value;
}

function time(query: URLSearchParams, name: string): Date | undefined {
  const text = single(query, name);
  if (text === undefined) return undefined;
  const date = parseAuditTime(text);
  if (!date) throw bad(`query parameter '${name}' must be an ISO 8601 date or date-time`);
  return date;
}

export function parseAuditQuery(query: URLSearchParams): { filter: AuditFilter; limit: number } {
  for (const name of query.keys()) {
    if (!PARAMS.has(name)) throw bad(`unknown query parameter '${name.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}' (known: ${[...PARAMS].join(', ')})`);
  }
  const types = query.getAll('type').flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== '');
  const unknown = types.find((t) => !(AUDIT_EVENT_TYPES as readonly string[]).includes(t));
  if (unknown !== undefined) throw bad(`unknown audit event type (known: ${AUDIT_EVENT_TYPES.join(', ')})`);
  const limitText = single(query, 'limit');
  const limit = limitText === undefined ? AUDIT_QUERY_DEFAULT_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_QUERY_MAX_LIMIT) throw bad(`limit must be an integer from 1 to ${AUDIT_QUERY_MAX_LIMIT}`);
  const appliance = single(query, 'appliance');
  const principal = single(query, 'principal');
  const since = time(query, 'since');
  const until = time(query, 'until');
  const filter: AuditFilter = {
    ...(appliance !== undefined ? { appliance } : {}),
    ...(principal !== undefined ? { principal } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(types.length > 0 ? { types } : {}),
  };
  return { filter, limit };
}

export function auditHandlers(state: ServerState): Record<string, Handler> {
  return {
    queryAudit: async (ctx) => {
      const { filter, limit } = parseAuditQuery(ctx.query);
      state.audit.append({
        type: 'audit.read',
        request_id: ctx.requestId,
        principal: ctx.auditPrincipal,
        outcome: 'success',
        detail: {
          filter: {
            ...filter,
            ...(filter.since ? { since: filter.since.toISOString() } : {}),
            ...(filter.until ? { until: filter.until.toISOString() } : {}),
          },
          limit,
        },
      });
      const file = state.audit.file;
      const files = [...listRotated(file).map((r) => r.path), file].filter((f) => existsSync(f));
      const records: AuditRecord[] = [];
      let truncated = false;
      for await (const record of queryAuditLog(files, filter)) {
        if (records.length >= limit) {
          truncated = true;
          break;
        }
        records.push(record);
      }
      return { status: 200, body: { records, truncated } };
    },
  };
}
