import { defineConfig } from 'vitest/config';

// forks pool: ssh2 and cpu-features are native addons. Lab suites raise their own timeouts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // lab suites run in a second pass inside the broker network namespace (test/lab/run.ts);
    // deployment tests in a third (vitest.deploy.config.ts)
    exclude: ['**/node_modules/**', 'test/**/*.lab.test.ts', 'test/deploy/**'],
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    maxWorkers: 2,
    reporters: ['default'],
  },
});
