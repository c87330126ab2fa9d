import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Installs missing host tools where it can and fetches the big fixtures once (cached).
    globalSetup: ['test/setup/provision.ts'],
    setupFiles: ['test/setup/yield.ts'],
    // Unit tests are quick alone; on two shared cores under a whole suite, not always.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
