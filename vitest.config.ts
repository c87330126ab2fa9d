import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Installs missing host tools where it can and fetches the big fixtures once (cached).
    globalSetup: ['test/setup/provision.ts'],
  },
});
