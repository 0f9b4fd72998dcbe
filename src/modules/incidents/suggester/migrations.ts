import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../../infra/db/migrator.js';

/** 0067: the category suggester's trained models (a few MB of JSON: LONGTEXT on MySQL). */
export const suggesterMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('incident_suggest_models')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('trained_at', 'bigint', (c) => c.notNull())
      .addColumn('samples', 'integer', (c) => c.notNull())
      .addColumn('labels', 'integer', (c) => c.notNull())
      .addColumn('trigger', 'varchar(12)', (c) => c.notNull())
      .addColumn('model', d === 'mysql' ? sql`longtext` : 'text', (c) => c.notNull())).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('incident_suggest_models').execute();
  },
};
