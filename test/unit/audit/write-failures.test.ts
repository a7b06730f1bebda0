import { closeSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openAuditLog } from '../../../src/audit/index.js';
import { VnfError } from '../../../src/errors.js';
import { sampleEvent, tempDir } from './helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const SECRET = 'Fail-Secret-7731';

function thrown(fn: () => unknown): VnfError {
  try {
    fn();
  } catch (error) {
    if (error instanceof VnfError) return error;
    throw error;
  }
  throw new Error('expected a VnfError');
}

function expectAuditWrite(error: VnfError, why: RegExp): void {
  expect(error.code).toBe('VNF_ERR_AUDIT_WRITE');
  expect(error.message).toMatch(why);
  // the failure report itself must not carry the secret the event held
  expect(error.message).not.toContain(SECRET);
  expect(JSON.stringify(error)).not.toContain(SECRET);
}

const secretEvent = () => sampleEvent(1, { command: `username admin secret ${SECRET}`, secrets: [SECRET] });

describe('append fails closed with VNF_ERR_AUDIT_WRITE', () => {
  it('when the parent of the log path is a file (ENOTDIR)', () => {
    writeFileSync(join(dir, 'plain-file'), 'x');
    expectAuditWrite(thrown(() => openAuditLog({ file: join(dir, 'plain-file', 'audit.log') })), /ENOTDIR/);
  });

  it.skipIf(!existsSync('/dev/full'))('when the device is full (ENOSPC on /dev/full)', () => {
    const log = openAuditLog({ file: '/dev/full' });
    expectAuditWrite(thrown(() => log.append(secretEvent())), /ENOSPC/);
    // and again: a failed write never silently succeeds later
    expectAuditWrite(thrown(() => log.append(secretEvent())), /ENOSPC/);
    log.close();
  });

  it('when the descriptor was closed underneath the writer (EBADF)', () => {
    const log = openAuditLog({ file: join(dir, 'audit.log') });
    log.append(sampleEvent(0));
    closeSync(log.fileDescriptor);
    expectAuditWrite(thrown(() => log.append(secretEvent())), /EBADF/);
    log.close();
  });

  it('when the directory was removed after open (the record would go to an unlinked file)', () => {
    const sub = join(dir, 'state');
    mkdirSync(sub);
    const log = openAuditLog({ file: join(sub, 'audit.log') });
    log.append(sampleEvent(0));
    rmSync(sub, { recursive: true, force: true });
    expectAuditWrite(thrown(() => log.append(secretEvent())), /removed while open/);
    // stays failed until an operator fixes the location and reopens
    expectAuditWrite(thrown(() => log.append(secretEvent())), /removed while open/);
    mkdirSync(sub);
    log.reopen();
    // the new file continues the chain held in memory, opening with an audit.rotated marker (seq 2)
    expect(log.append(sampleEvent(2)).seq).toBe(3);
    log.close();
  });

  it('when the directory does not exist at open (ENOENT)', () => {
    expectAuditWrite(thrown(() => openAuditLog({ file: join(dir, 'missing', 'audit.log') })), /ENOENT/);
  });

  it('after close()', () => {
    const log = openAuditLog({ file: join(dir, 'audit.log') });
    log.close();
    expectAuditWrite(thrown(() => log.append(secretEvent())), /closed/);
    expectAuditWrite(thrown(() => log.rotate()), /closed/);
  });
});
