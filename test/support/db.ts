import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { loadConfig, type Config } from '../../src/infra/config.js';
import type { Dialect } from '../../src/infra/db/database.js';
import { openPlatform, type Platform } from '../../src/platform.js';

/**
 * Integration tests run on every dialect available: SQLite always, MariaDB or
 * MySQL when CIVICGRID_TEST_MYSQL_URL is set (.ci/run sets it). Each test
 * file gets its own fresh database.
 */
export const DIALECTS: Dialect[] = process.env.CIVICGRID_TEST_MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];

let counter = 0;

export interface TestDatabase {
  url: string;
  dataDir: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'civicgrid-test-'));
  if (dialect === 'sqlite') {
    return {
      url: `sqlite:${join(dataDir, 'test.db')}`,
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const base = new URL(process.env.CIVICGRID_TEST_MYSQL_URL!);
  const prefix = base.pathname.replace(/^\//, '') || 'civicgrid_test';
  const name = `${prefix}_${process.pid}_${++counter}`.slice(0, 64);
  const server = new URL(base.href);
  server.pathname = '/';
  const admin = await createConnection({ uri: server.href });
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  await admin.end();
  const url = new URL(base.href);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    dataDir,
    async drop() {
      const c = await createConnection({ uri: server.href });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function testConfig(database: TestDatabase, overrides: Partial<Record<keyof Config, unknown>> = {}): Config {
  return loadConfig({}, { dataDir: database.dataDir, dbUrl: database.url, logLevel: 'silent', ...overrides });
}

export async function openTestPlatform(
  dialect: Dialect,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Promise<{ platform: Platform; database: TestDatabase; close(): Promise<void> }> {
  const database = await createTestDatabase(dialect);
  const platform = await openPlatform(testConfig(database, overrides));
  return {
    platform,
    database,
    async close() {
      await platform.close();
      await database.drop();
    },
  };
}
