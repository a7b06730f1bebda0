// Shared setup of the workflow engine tests: an engine over a fresh pool (in-memory known hosts
// and certs), dictionaries from YAML text, appliance contexts for the in-process fakes.
import type { AuditSink } from '../../../src/audit/types.js';
import type { ApplianceContext, LoadedDictionary } from '../../../src/dictionary/index.js';
import { loadDictionaryText, requireValid } from '../../../src/dictionary/index.js';
import { ConnectionPool, MemoryKnownCerts, MemoryKnownHosts } from '../../../src/transport/index.js';
import { createWorkflowEngine, type WorkflowEngine, type WorkflowEngineOptions } from '../../../src/workflow/index.js';
import { MemoryAudit } from '../../helpers/memory-audit.js';

export interface TestEngine {
  engine: WorkflowEngine;
  pool: ConnectionPool;
  audit: MemoryAudit;
}

const pools: ConnectionPool[] = [];

export function makeEngine(extra: Partial<WorkflowEngineOptions> = {}, audit: AuditSink = new MemoryAudit()): TestEngine {
  const pool = new ConnectionPool({ audit, knownHosts: new MemoryKnownHosts(), knownCerts: new MemoryKnownCerts(),
    timeouts: { connectMs: 3_000, readyMs: 3_000 }, reconnect: { attempts: 1, baseMs: 10, maxMs: 20 } });
  pools.push(pool);
  return { engine: createWorkflowEngine({ pool, audit, defaults: { operationTimeoutMs: 10_000 }, ...extra }), pool, audit: audit as MemoryAudit };
}

export async function closePools(): Promise<void> {
  await Promise.all(pools.splice(0).map((p) => p.close()));
}

export function dictionaryFrom(yaml: string, file = 'test.yaml'): LoadedDictionary {
  return requireValid(loadDictionaryText(yaml, file));
}

export function applianceFor(o: { sshPort?: number; httpsPort?: number; httpPort?: number; password?: string; fingerprint256?: string;
  cs?: Record<string, unknown>; id?: string }): ApplianceContext {
  return {
    id: o.id ?? 'app-1', name: 'router-1',
    management: { host: '127.0.0.1', ...(o.sshPort ? { ssh_port: o.sshPort } : {}), ...(o.httpsPort ? { https_port: o.httpsPort } : {}), ...(o.httpPort ? { http_port: o.httpPort } : {}) },
    credentials: { username: 'admin', password: o.password ?? 'Adm1n-pw' },
    ...(o.fingerprint256 ? { tls: { fingerprint256: o.fingerprint256 } } : {}),
    jump: [],
    cs_data: { ...o.cs },
  };
}
