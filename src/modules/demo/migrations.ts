import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Progress of the demo generator, so an interrupted `civicgrid demo` continues where it stopped. */
export const demoMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await tableOptions(
      dialectOfKysely(db),
      db.schema
        .createTable('demo_progress')
        .addColumn('name', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('params', 'text', (c) => c.notNull())
        .addColumn('last_day', 'varchar(10)')
        .addColumn('incidents', 'bigint', (c) => c.notNull())
        .addColumn('events', 'bigint', (c) => c.notNull())
        .addColumn('finished', 'smallint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('demo_progress').execute();
  },
};

/** How far a step that walks keys rather than days got (the base data records: the last unit grid code written). */
export const demoProgressKeyMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('demo_progress').addColumn('last_key', 'varchar(64)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('demo_progress').dropColumn('last_key').execute();
  },
};
