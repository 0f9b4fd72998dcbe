import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Real MariaDB clusters started by scripts: npm run test:cluster (vitest.cluster.config.ts).
    exclude: ['test/cluster/**', '**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: {
      // Cheaper scrypt in tests only; production uses N = 2^15.
      CIVICGRID_SCRYPT_LOG_N: '10',
    },
  },
});
