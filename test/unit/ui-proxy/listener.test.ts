// The UI listener's connections: a proxied body may run ahead of the browser by more than one TLS
// record before the proxy stops reading the appliance (README "Performance", UI proxy).
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UiConfig } from '../../../src/config/index.js';
import { startUiListener, UI_SOCKET_WRITE_HIGH_WATER_MARK, type UiListener, type UiProxy } from '../../../src/server/ui-proxy/index.js';
import { removeDir, testPki, type Pki } from '../server/harness.js';
import { uiRequest } from './helpers.js';

const RECORD = 16 * 1024;
let pki: Pki;
let dir: string;
let listener: UiListener;
const seen: Array<{ highWaterMark: number; firstWrite: boolean }> = [];

beforeAll(async () => {
  pki = await testPki();
  dir = mkdtempSync(join(tmpdir(), 'vnf-ui-listener-'));
  writeFileSync(join(dir, 'ui.pem'), pki.server.cert);
  writeFileSync(join(dir, 'ui-key.pem'), pki.server.key);
  const ui = { listen: { host: '127.0.0.1', port: 0 }, cert_file: join(dir, 'ui.pem'), key_file: join(dir, 'ui-key.pem') } as UiConfig;
  // stands in for UiProxy: answers two 16 KiB chunks (what an upstream TLS record carries)
  const proxy = {
    handleRequest(_req: IncomingMessage, res: ServerResponse): void {
      const chunk = Buffer.alloc(RECORD, 'a');
      seen.push({ highWaterMark: res.socket?.writableHighWaterMark ?? 0, firstWrite: res.write(chunk) });
      res.end(chunk);
    },
  } as unknown as UiProxy;
  listener = await startUiListener(ui, 'TLSv1.2', proxy);
});

afterAll(async () => {
  await listener?.close();
  if (dir) removeDir(dir);
});

describe('UI listener connections', () => {
  it('take several 16 KiB records before write() asks the proxy to wait', async () => {
    const reply = await uiRequest(listener.address.port, pki.ca.certPem, '/ui/x/');
    expect(reply.status).toBe(200);
    expect(reply.text.length).toBe(2 * RECORD);
    expect(UI_SOCKET_WRITE_HIGH_WATER_MARK).toBeGreaterThanOrEqual(4 * RECORD);
    expect(seen).toEqual([{ highWaterMark: UI_SOCKET_WRITE_HIGH_WATER_MARK, firstWrite: true }]);
  });
});
