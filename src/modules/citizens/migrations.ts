import { randomBytes } from 'node:crypto';
import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Public reports, satisfaction ratings and the key of the public intake (docs/citizens.md). */
export const citizensMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('citizen_reports')
      .addColumn('incident_id', 'integer', (c) => c.primaryKey())
      .addColumn('token_hash', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('client_hash', 'varchar(64)', (c) => c.notNull())
      .addColumn('phone_hash', 'varchar(64)')
      .addColumn('challenge_id', 'varchar(64)', (c) => c.unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    // The abuse limits count a client's and a phone's recent reports.
    await db.schema.createIndex('citizen_reports_client').on('citizen_reports').columns(['client_hash', 'created_at']).execute();
    await db.schema.createIndex('citizen_reports_phone').on('citizen_reports').columns(['phone_hash', 'created_at']).execute();
    await tableOptions(d, db.schema.createTable('incident_ratings')
      .addColumn('incident_id', 'integer', (c) => c.primaryKey())
      .addColumn('verdict', 'varchar(24)', (c) => c.notNull())
      .addColumn('comment', 'varchar(500)')
      .addColumn('source', 'varchar(12)', (c) => c.notNull())
      // The case's place, channel and lead department when rated, so the satisfaction rate needs no join (and counts archived cases).
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('channel', 'varchar(24)', (c) => c.notNull())
      .addColumn('department_code', 'varchar(32)')
      .addColumn('rated_at', 'bigint', (c) => c.notNull())).execute();
    // The satisfaction rate counts the ratings given in a period.
    await db.schema.createIndex('incident_ratings_rated_at').on('incident_ratings').columns(['rated_at']).execute();
    await tableOptions(d, db.schema.createTable('citizen_keys')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('secret', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    // One key per installation, shared by every node through the database.
    await (db as Kysely<{ citizen_keys: { id: number; secret: string; created_at: number } }>)
      .insertInto('citizen_keys').values({ id: 1, secret: randomBytes(32).toString('hex'), created_at: Date.now() }).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('citizen_keys').execute();
    await db.schema.dropTable('incident_ratings').execute();
    await db.schema.dropTable('citizen_reports').execute();
  },
};

/**
 * What the public map may show: a category's cases (incident_categories.public)
 * and a photo an operator released (incident_files.public). Both default to
 * no: nothing becomes public by accident.
 */
export const publicFlagsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('incident_categories').addColumn('public', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('incident_files').addColumn('public', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('incident_files').dropColumn('public').execute();
    await db.schema.alterTable('incident_categories').dropColumn('public').execute();
  },
};
