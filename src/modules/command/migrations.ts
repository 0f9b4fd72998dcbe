import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { createFeedCursorTable } from '../../infra/feed/cursor.js';

/**
 * 0072: the users' notifications, and the feed cursor of the consumer that
 * writes them (the business store's own feed_cursors table; on MySQL the
 * statistics store may share the database, hence "if not exists").
 */
export const notificationsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await createFeedCursorTable(db);
    await tableOptions(d, db.schema.createTable('notifications')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('incident_id', 'integer', (c) => c.notNull())
      .addColumn('incident_code', 'varchar(32)', (c) => c.notNull())
      .addColumn('source_key', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('read_at', 'bigint')).execute();
    await db.schema.createIndex('notifications_source').unique().on('notifications').columns(['user_id', 'source_key']).execute();
    await db.schema.createIndex('notifications_user').on('notifications').columns(['user_id', 'read_at', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('notifications').execute();
  },
};

/** 0073: field tasks: a grid worker sent from the map to verify or inspect a case. */
export const fieldTasksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await tableOptions(dialectOfKysely(db), db.schema.createTable('field_tasks')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('incident_id', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('distance_m', 'integer')
      .addColumn('note', 'varchar(500)')
      .addColumn('created_by', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('field_tasks_user').on('field_tasks').columns(['user_id', 'status', 'id']).execute();
    await db.schema.createIndex('field_tasks_incident').on('field_tasks').columns(['incident_id', 'status']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('field_tasks').execute();
  },
};
