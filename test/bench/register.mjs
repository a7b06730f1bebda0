// Lets `node --import ./test/bench/register.mjs test/bench/run.ts` run the TypeScript benchmarks
// directly (tsx's ESM loader), so benches measure the same sources the tests import.
import { register } from 'tsx/esm/api';

register();
