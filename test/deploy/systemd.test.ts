// systemd units (systemd/): `systemd-analyze verify` accepts them without a warning, and the
// broker unit's `systemd-analyze security --offline=yes` exposure stays at or below 2.0 (README
// "Install"). Skips with a reason without systemd-analyze, unless REQUIRE_LAB=1 (.ci/run installs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const UNITS = ['vnf-broker.service', 'vnf-broker-firstboot.service'];
const MAX_EXPOSURE = 2.0;

function analyzeSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return 'systemd-analyze not installed (apt-get install systemd)';
  return undefined;
}
const skip = analyzeSkipReason();
if (skip !== undefined && process.env.REQUIRE_LAB === '1') throw new Error(`systemd-analyze required: ${skip}`);

const unitText = (name: string): string => readFileSync(join(ROOT, 'systemd', name), 'utf8');
/** Directive values of a unit (all occurrences), ignoring comments. */
function directive(text: string, key: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

describe('systemd unit contents', () => {
  const text = unitText('vnf-broker.service');
  it.each([
    ['User', 'vnf-broker'], ['StateDirectory', 'vnf-broker'], ['LogsDirectory', 'vnf-broker'],
    ['ConfigurationDirectory', 'vnf-broker'], ['ExecReload', '/bin/kill -HUP $MAINPID'], ['Restart', 'on-failure'],
    ['KillSignal', 'SIGTERM'], ['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['CapabilityBoundingSet', ''],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'], ['SystemCallArchitectures', 'native'], ['UMask', '0077'],
    ['ExecStart', '/usr/bin/node /opt/vnf-broker/dist/cli/main.js serve --config /etc/vnf-broker/config.yaml'],
  ])('%s=%s', (key, value) => {
    expect(directive(text, key)).toContain(value);
  });
  it('leaves MemoryDenyWriteExecute off (V8 JIT needs W+X pages; measured, README "Install")', () => {
    expect(directive(text, 'MemoryDenyWriteExecute')).toEqual([]);
  });
  it('has a stop timeout longer than the default drain (timeouts.drain_ms = 30 s)', () => {
    expect(Number(directive(text, 'TimeoutStopSec')[0])).toBeGreaterThan(30);
  });
  it('orders first boot before the broker and runs it only without a config', () => {
    const fb = unitText('vnf-broker-firstboot.service');
    expect(directive(fb, 'Before')).toContain('vnf-broker.service');
    expect(directive(fb, 'ConditionPathExists')).toContain('!/etc/vnf-broker/config.yaml');
    expect(directive(fb, 'ExecStart')[0]).toContain(' firstboot --config-drive auto ');
  });
});

describe.skipIf(skip !== undefined)(`systemd-analyze (${skip ?? 'installed'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'vnf-units-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // verify checks that ExecStart binaries exist; where node is not /usr/bin/node (nvm, a tarball)
  // the copies point at this node instead. Nothing else changes.
  const copies = UNITS.map((name) => {
    let text = unitText(name);
    if (!existsSync('/usr/bin/node')) text = text.replaceAll('/usr/bin/node ', `${process.execPath} `);
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });

  it('verify accepts both units without a warning about them', () => {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...copies], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const aboutUs = r.stderr.split('\n').filter((l) => UNITS.some((u) => l.includes(u)));
    expect(aboutUs).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
  });

  it(`security --offline=yes: exposure of vnf-broker.service <= ${MAX_EXPOSURE}`, () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=yes', '--no-pager', copies[0] as string], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const m = /Overall exposure level for vnf-broker\.service: ([0-9.]+)/.exec(out);
    expect(m, out).not.toBeNull();
    const score = Number(m?.[1]);
    process.stderr.write(`systemd-analyze security: vnf-broker.service exposure ${score}\n`);
    expect(score).toBeLessThanOrEqual(MAX_EXPOSURE);
  });
});
