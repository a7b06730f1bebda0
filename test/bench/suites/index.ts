// The benchmark suites `npm run bench` runs, in order: add one import per suite file here.
import './audit-append.js';
import './transport-lab.js';
import './api-lab.js';
import './scale.js';
import './ui-proxy.js';
