import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['node_modules/**'],
    pool: 'forks',
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits 1 s by default, too short for a browser page on a busy CI runner.
    expect: { poll: { timeout: 10_000 } },
    // Two cores: keep a few files in flight, each with its own database and ports.
    maxWorkers: 3,
  },
});
