// Helper process for kill-9 and restart tests: appends COUNT records to an audit log, printing
// progress on stdout every 500 records; SPIN_US busy-waits between appends so a kill lands mid-run.
import { writeSync } from 'node:fs';
import { openAuditLog } from '../../../src/audit/index.js';

const [file, countText = '10000', spinText = '0'] = process.argv.slice(2);
if (!file) throw new Error('usage: append-loop.ts FILE [COUNT] [SPIN_US]');
const count = Number(countText);
const spinNs = BigInt(Math.round(Number(spinText) * 1000));
const log = openAuditLog({ file });
for (let i = 1; i <= count; i += 1) {
  log.append({
    type: 'ssh.command', request_id: `pid-${process.pid}-${i}`, transport: 'ssh',
    appliance: { id: 'kill-test', address: '203.0.113.10' },
    command: `show ip route vrf blue ${i}`, outcome: 'success', output: 'x'.repeat(200 + (i % 300)),
  });
  if (i % 500 === 0) writeSync(1, `${i}\n`);
  if (spinNs > 0n) {
    const until = process.hrtime.bigint() + spinNs;
    while (process.hrtime.bigint() < until) { /* spin: keep the kill window open between appends */ }
  }
}
log.close();
writeSync(1, 'done\n');
