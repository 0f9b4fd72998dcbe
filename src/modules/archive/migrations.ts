import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions, type MigrationTables, type Migrations } from '../../infra/db/migrator.js';

const archiveStoreMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const t = (name: string) => db.schema.createTable(name);
    await tableOptions(
      d,
      t('archive_incidents')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('code', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
        .addColumn('category_code', 'varchar(8)')
        .addColumn('lead_department_code', 'varchar(16)')
        .addColumn('channel', 'varchar(24)', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('address', 'varchar(500)')
        .addColumn('reported_at', 'bigint', (c) => c.notNull())
        .addColumn('closed_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('business_row', 'text', (c) => c.notNull())
        .addColumn('tokens', 'text', (c) => c.notNull())
        .addColumn('moved', 'smallint', (c) => c.notNull())
        .addColumn('archived_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('archive_incidents_grid').on('archive_incidents').columns(['grid_code', 'id']).execute();
    await db.schema.createIndex('archive_incidents_department').on('archive_incidents').columns(['lead_department_code', 'id']).execute();
    await db.schema.createIndex('archive_incidents_moved').on('archive_incidents').columns(['moved', 'id']).execute();
    await tableOptions(
      d,
      t('archive_incident_events')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('incident_id', 'bigint', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('action', 'varchar(32)', (c) => c.notNull())
        .addColumn('from_status', 'varchar(16)')
        .addColumn('to_status', 'varchar(16)', (c) => c.notNull())
        .addColumn('actor_user_id', 'integer')
        .addColumn('actor_role', 'varchar(32)')
        .addColumn('note', 'text')
        .addColumn('attachments', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('archive_incident_events_seq', ['incident_id', 'seq']),
    ).execute();
    await tableOptions(
      d,
      t('archive_incident_departments')
        .addColumn('incident_id', 'bigint', (c) => c.notNull())
        .addColumn('department_code', 'varchar(16)', (c) => c.notNull())
        .addColumn('role', 'varchar(8)', (c) => c.notNull())
        .addPrimaryKeyConstraint('archive_incident_departments_pk', ['incident_id', 'department_code', 'role']),
    ).execute();
    await db.schema.createIndex('archive_incident_departments_dept').on('archive_incident_departments').columns(['department_code', 'incident_id']).execute();
    await tableOptions(
      d,
      t('archive_incident_links')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('incident_id', 'bigint', (c) => c.notNull())
        .addColumn('linked_incident_id', 'bigint', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_by', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('archive_incident_links_incident').on('archive_incident_links').column('incident_id').execute();
    await db.schema.createIndex('archive_incident_links_linked').on('archive_incident_links').column('linked_incident_id').execute();
    await tableOptions(
      d,
      t('archive_incident_files')
        .addColumn('incident_id', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('event_seq', 'integer', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('archive_incident_files_pk', ['incident_id', 'event_seq', 'hash']),
    ).execute();
    await db.schema.createIndex('archive_incident_files_hash').on('archive_incident_files').columns(['hash', 'incident_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const name of ['archive_incident_files', 'archive_incident_links', 'archive_incident_departments', 'archive_incident_events', 'archive_incidents']) {
      await db.schema.dropTable(name).execute();
    }
  },
};

/** A photo an operator released to the public map (incident_files.public, docs/citizens.md) keeps that flag in the archive. */
const archiveFilePublicMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('archive_incident_files').addColumn('public', 'smallint', (c) => c.notNull().defaultTo(0)).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('archive_incident_files').dropColumn('public').execute();
  },
};

/** The archive store's own migrations (it may be its own database), numbered in the archive range. */
export const ARCHIVE_MIGRATIONS: Migrations = {
  '0067_archive_store': archiveStoreMigration,
  '0068_archive_file_public': archiveFilePublicMigration,
};

/** Its own migration table, so the store can share the primary database (the MySQL default) without mixing lists. */
export const ARCHIVE_MIGRATION_TABLES: MigrationTables = { table: 'archive_migration', lockTable: 'archive_migration_lock' };
