import type { Kysely, Migration } from 'kysely';
import { createFeedCursorTable } from '../../infra/feed/cursor.js';
import { dialectOfKysely, tableOptions, type MigrationTables, type Migrations } from '../../infra/db/migrator.js';
import { ROLLUP_MEASURES, WORKER_MEASURES } from './rules/rollup.js';

const statsStoreMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await createFeedCursorTable(db);
    await tableOptions(
      d,
      db.schema
        .createTable('stat_cases')
        .addColumn('incident_id', 'bigint', (c) => c.primaryKey())
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('track', 'text', (c) => c.notNull()),
    ).execute();
    let daily = db.schema
      .createTable('stat_daily')
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('category_code', 'varchar(8)', (c) => c.notNull())
      .addColumn('department_code', 'varchar(16)', (c) => c.notNull())
      .addColumn('channel', 'varchar(24)', (c) => c.notNull());
    for (const m of ROLLUP_MEASURES) daily = daily.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    await tableOptions(d, daily.addPrimaryKeyConstraint('stat_daily_pk', ['day', 'grid_code', 'category_code', 'department_code', 'channel'])).execute();
    await db.schema.createIndex('stat_daily_department').on('stat_daily').columns(['department_code', 'day']).execute();
    let street = db.schema
      .createTable('stat_street_daily')
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('street_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('department_code', 'varchar(16)', (c) => c.notNull());
    for (const m of ROLLUP_MEASURES) street = street.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    await tableOptions(d, street.addPrimaryKeyConstraint('stat_street_daily_pk', ['day', 'street_code', 'department_code'])).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['stat_street_daily', 'stat_daily', 'stat_cases', 'feed_cursors']) await db.schema.dropTable(t).execute();
  },
};

/**
 * Per grid worker sums (docs/kpis.md). Cases folded before it carry no
 * reporter or verifier: `civicgrid stats rebuild` fills the rows of earlier cases.
 */
const workerRollupMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    let worker = db.schema
      .createTable('stat_worker_daily')
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(20)', (c) => c.notNull());
    for (const m of WORKER_MEASURES) worker = worker.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    await tableOptions(d, worker.addPrimaryKeyConstraint('stat_worker_daily_pk', ['day', 'grid_code', 'user_id'])).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('stat_worker_daily').execute();
  },
};

/** The statistics store's own migrations (it may be its own database), numbered in the evaluation range. */
export const STATS_MIGRATIONS: Migrations = {
  '0050_stats_store': statsStoreMigration,
  '0056_stats_worker_rollup': workerRollupMigration,
};

/** Its own migration table, so the store can share the primary database (the MySQL default) without mixing lists. */
export const STATS_MIGRATION_TABLES: MigrationTables = { table: 'stats_migration', lockTable: 'stats_migration_lock' };

const EVALUATION_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['evaluation.read'],
  leader: ['evaluation.read'],
  shift_supervisor: ['evaluation.read'],
  street_operator: ['evaluation.read'],
};

/** Grants evaluation.read to the built-in roles that read KPIs (roles created before it). */
export const evaluationPermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = EVALUATION_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};
