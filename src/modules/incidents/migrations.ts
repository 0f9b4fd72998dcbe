import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { backfillSearchIndex, createSearchIndex, dropSearchIndex } from './search-index.js';

export const incidentsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const t = (name: string) => db.schema.createTable(name);
    await tableOptions(
      d,
      t('incident_category_majors')
        .addColumn('code', 'varchar(8)', (c) => c.primaryKey())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_en', 'varchar(150)', (c) => c.notNull())
        .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await tableOptions(
      d,
      t('incident_categories')
        .addColumn('code', 'varchar(8)', (c) => c.primaryKey())
        .addColumn('major_code', 'varchar(8)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_en', 'varchar(150)', (c) => c.notNull())
        .addColumn('type', 'varchar(16)', (c) => c.notNull())
        .addColumn('case_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('department_codes', 'text', (c) => c.notNull())
        .addColumn('limits', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('incident_categories_major').on('incident_categories').column('major_code').execute();
    await tableOptions(
      d,
      t('work_calendar')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('periods', 'text', (c) => c.notNull())
        .addColumn('weekend_days', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await tableOptions(
      d,
      t('work_calendar_years')
        .addColumn('year', 'integer', (c) => c.primaryKey())
        .addColumn('holidays', 'text', (c) => c.notNull())
        .addColumn('working_weekends', 'text', (c) => c.notNull())
        .addColumn('source', 'varchar(200)', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await tableOptions(
      d,
      t('incidents')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('code', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
        .addColumn('lng', 'double precision')
        .addColumn('lat', 'double precision')
        .addColumn('address', 'varchar(500)')
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('channel', 'varchar(24)', (c) => c.notNull())
        .addColumn('created_by', 'integer')
        .addColumn('reporter_user_id', 'integer')
        .addColumn('reporter_name', 'varchar(100)')
        .addColumn('reporter_phone_masked', 'varchar(32)')
        .addColumn('external_ref', 'varchar(64)')
        .addColumn('category_code', 'varchar(8)')
        .addColumn('lead_department_code', 'varchar(16)')
        .addColumn('co_handler_codes', 'text', (c) => c.notNull())
        .addColumn('reported_at', 'bigint', (c) => c.notNull())
        .addColumn('register_by', 'bigint')
        .addColumn('dispatch_by', 'bigint')
        .addColumn('handle_by', 'bigint')
        .addColumn('verify_by', 'bigint')
        .addColumn('due_at', 'bigint')
        .addColumn('warning', 'varchar(8)', (c) => c.notNull())
        .addColumn('pending_request', 'varchar(16)')
        .addColumn('urge_count', 'integer', (c) => c.notNull())
        .addColumn('rework_count', 'integer', (c) => c.notNull())
        .addColumn('return_count', 'integer', (c) => c.notNull())
        .addColumn('extension_count', 'integer', (c) => c.notNull())
        .addColumn('is_open', 'smallint', (c) => c.notNull())
        .addColumn('merged_into', 'integer')
        .addColumn('closed_at', 'bigint')
        .addColumn('photos', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('event_count', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    const idx = (name: string, cols: string[]) => db.schema.createIndex(name).on('incidents').columns(cols).execute();
    await idx('incidents_status', ['status', 'reported_at']);
    await idx('incidents_grid', ['grid_code', 'reported_at']);
    await idx('incidents_department', ['lead_department_code', 'status']);
    await idx('incidents_category', ['category_code', 'is_open', 'lat']);
    await idx('incidents_reported', ['reported_at']);
    await idx('incidents_open_due', ['is_open', 'due_at']);
    // Duplicate search without a category: a bbox on the open incidents.
    await idx('incidents_open_position', ['is_open', 'lat', 'lng']);
    await idx('incidents_channel', ['channel', 'reported_at']);
    await tableOptions(
      d,
      t('incident_events')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('incident_id', 'integer', (c) => c.notNull())
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
        .addUniqueConstraint('incident_events_seq', ['incident_id', 'seq']),
    ).execute();
    await db.schema.createIndex('incident_events_at').on('incident_events').columns(['at', 'action']).execute();
    await tableOptions(
      d,
      t('incident_departments')
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('department_code', 'varchar(16)', (c) => c.notNull())
        .addColumn('role', 'varchar(8)', (c) => c.notNull())
        .addPrimaryKeyConstraint('incident_departments_pk', ['incident_id', 'department_code', 'role']),
    ).execute();
    await db.schema.createIndex('incident_departments_dept').on('incident_departments').columns(['department_code', 'incident_id']).execute();
    await tableOptions(
      d,
      t('incident_links')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('linked_incident_id', 'integer', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_by', 'integer')
        .addColumn('created_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('incident_links_incident').on('incident_links').column('incident_id').execute();
    await db.schema.createIndex('incident_links_linked').on('incident_links').column('linked_incident_id').execute();
    await tableOptions(
      d,
      t('incident_day_counters')
        .addColumn('day', 'varchar(8)', (c) => c.primaryKey())
        .addColumn('seq', 'integer', (c) => c.notNull()),
    ).execute();
    await tableOptions(
      d,
      t('job_leases')
        .addColumn('name', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('holder', 'varchar(128)', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull()),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const name of [
      'job_leases', 'incident_day_counters', 'incident_links', 'incident_departments', 'incident_events',
      'incidents', 'work_calendar_years', 'work_calendar', 'incident_categories', 'incident_category_majors',
    ]) {
      await db.schema.dropTable(name).execute();
    }
  },
};

/**
 * Indexes for lists and counts in scope at full size. A list first picks the
 * page's ids from one index alone (no row reads), then reads those rows, so
 * each common filter has an index led by its column, then the grid code (the
 * scope range) and the time order, carrying the columns other filters test.
 * These replace the narrower status, grid and channel indexes of 0011.
 */
export const incidentListIndexesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    for (const name of ['incidents_status', 'incidents_grid', 'incidents_channel', 'incidents_open_due']) {
      const drop = db.schema.dropIndex(name);
      await (d === 'mysql' ? drop.on('incidents') : drop).execute();
    }
    // Every list index carries every filtered column, so whichever the planner
    // picks (SQLite happily skip-scans a low-cardinality leading column) the
    // page's ids come from the index alone.
    const carried = ['status', 'category_code', 'channel', 'warning', 'urge_count'];
    const idx = (name: string, lead: string[]) =>
      db.schema.createIndex(name).on('incidents').columns([...lead, ...carried.filter((c) => !lead.includes(c))]).execute();
    await idx('incidents_scope', ['grid_code', 'reported_at']);
    await idx('incidents_by_status', ['status', 'grid_code', 'reported_at']);
    await idx('incidents_by_category', ['category_code', 'grid_code', 'reported_at']);
    // A few values each: in time order first, so a page is the first matches of one ordered walk.
    await idx('incidents_by_channel', ['channel', 'reported_at', 'grid_code']);
    await idx('incidents_by_warning', ['warning', 'reported_at', 'grid_code']);
    await idx('incidents_by_urge', ['urge_count', 'grid_code', 'reported_at']);
    await idx('incidents_open_due', ['is_open', 'due_at', 'grid_code', 'reported_at']);
  },
  async down(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    for (const name of ['incidents_scope', 'incidents_by_status', 'incidents_by_category', 'incidents_by_channel', 'incidents_by_warning', 'incidents_by_urge', 'incidents_open_due']) {
      const drop = db.schema.dropIndex(name);
      await (d === 'mysql' ? drop.on('incidents') : drop).execute();
    }
    const idx = (name: string, cols: string[]) => db.schema.createIndex(name).on('incidents').columns(cols).execute();
    await idx('incidents_status', ['status', 'reported_at']);
    await idx('incidents_grid', ['grid_code', 'reported_at']);
    await idx('incidents_channel', ['channel', 'reported_at']);
    await idx('incidents_open_due', ['is_open', 'due_at']);
  },
};

/** The text index (search-index.ts), filled from the incidents already there. */
export const incidentSearchMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await createSearchIndex(db, d);
    await backfillSearchIndex(db, d);
  },
  async down(db: Kysely<unknown>) {
    await dropSearchIndex(db);
  },
};

/** The workflow per case type (rules/workflow.ts): one row per edited case type, columns rather than JSON so the audit and the console read fields. */
export const incidentWorkflowsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('incident_workflows')
        .addColumn('case_type', 'varchar(16)', (c) => c.primaryKey())
        .addColumn('self_resolve', 'varchar(16)', (c) => c.notNull())
        .addColumn('skip_register_for_grid_worker', 'integer', (c) => c.notNull())
        .addColumn('verification_required', 'integer', (c) => c.notNull())
        .addColumn('verifier', 'varchar(16)', (c) => c.notNull())
        .addColumn('coordination_required', 'integer', (c) => c.notNull())
        .addColumn('closer', 'varchar(16)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('incident_workflows').execute();
  },
};
