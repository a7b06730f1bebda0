// A small multi-page web UI with a form, redirects, cookies and a WebSocket echo, served over HTTPS.
// Started by the UI lab suites *inside the appliance's namespace* (node --import tsx); argv:
// CERT_FILE KEY_FILE HOST PORT. Its life is bounded (10 min) even if the suite dies without stopping it.
import { readFileSync } from 'node:fs';
import { startUpstream } from '../unit/ui-proxy/helpers.js';

const [certFile, keyFile, host, port] = process.argv.slice(2);
if (!certFile || !keyFile || !host || !port) throw new Error('usage: appliance-webui.ts CERT KEY HOST PORT');
const up = await startUpstream({ cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') }, { host, port: Number(port) });
console.log(`appliance web UI listening on ${host}:${up.port}`);
const stop = (): void => { void up.close().finally(() => process.exit(0)); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 10 * 60_000);
