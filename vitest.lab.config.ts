import { defineConfig } from 'vitest/config';

// Lab suites: run by test/lab/run.ts inside the broker network namespace. One file at a time
// (they share the machine's two cores and real daemons); forks pool for the native ssh2 addons.
export default defineConfig({
  test: {
    include: ['test/**/*.lab.test.ts'],
    exclude: ['**/node_modules/**'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    reporters: ['default'],
  },
});
