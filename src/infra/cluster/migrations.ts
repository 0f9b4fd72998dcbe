import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../db/migrator.js';

/** 0085: shared rate-limit counters and cache version marks, so several API nodes agree (docs/deployment.md). */
export const clusterMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('rate_counters')
        .addColumn('name', 'varchar(191)', (c) => c.primaryKey())
        .addColumn('hits', 'integer', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('rate_counters_expires').on('rate_counters').column('expires_at').execute();
    await tableOptions(
      d,
      db.schema
        .createTable('cache_versions')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull()),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('cache_versions').execute();
    await db.schema.dropTable('rate_counters').execute();
  },
};
