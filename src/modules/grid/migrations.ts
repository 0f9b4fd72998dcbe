import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

export const gridMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('grids')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('code', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('level', 'varchar(16)', (c) => c.notNull())
        .addColumn('parent_code', 'varchar(20)')
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        // A street's outline can exceed MySQL's 64 KiB TEXT.
        .addColumn('geometry', d === 'mysql' ? sql`mediumtext` : 'text', (c) => c.notNull())
        .addColumn('min_lng', 'double precision', (c) => c.notNull())
        .addColumn('min_lat', 'double precision', (c) => c.notNull())
        .addColumn('max_lng', 'double precision', (c) => c.notNull())
        .addColumn('max_lat', 'double precision', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)),
    ).execute();
    await db.schema.createIndex('grids_parent').on('grids').column('parent_code').execute();
    await db.schema.createIndex('grids_level').on('grids').columns(['level', 'status']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('grids').execute();
  },
};
