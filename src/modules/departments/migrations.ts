import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

export const departmentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await tableOptions(
      dialectOfKysely(db),
      db.schema
        .createTable('departments')
        .addColumn('code', 'varchar(16)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_en', 'varchar(150)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('departments').execute();
  },
};

/**
 * A street's own handling units (community, street offices): the street a
 * department belongs to, null for the district's departments
 * (docs/command-screen.md, the street second-tier platform).
 */
export const departmentStreetsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('departments').addColumn('street_code', 'varchar(20)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('departments').dropColumn('street_code').execute();
  },
};
