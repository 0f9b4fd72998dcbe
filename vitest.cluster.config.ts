import { defineConfig } from 'vitest/config';

/**
 * npm run test:cluster: the replication and Galera tests against real MariaDB
 * servers that the tests start and remove themselves (scripts/cluster/*.sh;
 * docs/operations/cluster.md). Not part of npm test: they need mariadbd and
 * galera-4 (installed by the scripts, so root or sudo) and a few minutes.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // The two files use separate ports, but the machine is small: one at a time.
    fileParallelism: false,
    env: {
      CIVICGRID_SCRYPT_LOG_N: '10',
    },
  },
});
