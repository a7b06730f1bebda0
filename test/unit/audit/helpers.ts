// Shared fixtures for the audit tests: temporary directories, a sample event, and file surgery helpers.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEvent } from '../../../src/audit/index.js';

export function tempDir(prefix = 'vnf-audit-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function sampleEvent(i: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    type: 'ssh.command',
    request_id: `req-${i}`,
    principal: { subject: 'CN=cloudstack-mgmt', fingerprint: 'ab:cd' },
    appliance: { id: `app-${i % 3}`, name: `vyos-${i % 3}`, address: '203.0.113.10' },
    path: ['jump@198.51.100.3:22', 'vyos@203.0.113.10:22'],
    transport: 'ssh',
    command: `set protocols static route 10.${i % 250}.0.0/16 next-hop 203.0.113.1`,
    outcome: 'success',
    duration_ms: 1.5,
    output: `[edit]\nvyos@vyos# commit ${i}`,
    ...extra,
  };
}

export function readLines(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

export function writeLines(file: string, lines: string[]): void {
  writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`);
}
