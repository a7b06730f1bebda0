import { defineConfig } from 'vitest/config';
import lab from './vitest.lab.config.js';

// Deployment tests (test/deploy/): systemd units, the appliance image under qemu and the
// virtual-router install under systemd-nspawn. The last pass of `npm test`, one file at a time as
// the lab's (the image and VR tests take minutes and both cores; opt-in with VNF_IMAGE_TEST=1).
export default defineConfig({
  test: { ...lab.test, include: ['test/deploy/**/*.test.ts'], teardownTimeout: 120_000 },
});
