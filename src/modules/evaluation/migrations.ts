import { sql, type Kysely, type Migration } from 'kysely';
import { createFeedCursorTable } from '../../infra/feed/cursor.js';
import { dialectOfKysely, tableOptions, type MigrationTables, type Migrations } from '../../infra/db/migrator.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { caseFacts, ROLLUP_MEASURES, WORKER_MEASURES, type CaseTrack } from './rules/rollup.js';
import type { SchemeDefinition } from './rules/assessment.js';

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
 * Co-handler parts (docs/joint-handling.md): four more measures on both
 * rollups of a store made before them. A new store gets them from 0050, which
 * creates a column per ROLLUP_MEASURES and runs after this one (names sort);
 * so this adds only what a table lacks. Rows already there count no parts
 * until `civicgrid stats rebuild`.
 */
const PART_MEASURES = ['parts', 'parts_replied', 'parts_on_time', 'parts_overdue'] as const;
const statsPartsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const tables = await db.introspection.getTables();
    for (const table of tables.filter((x) => x.name === 'stat_daily' || x.name === 'stat_street_daily')) {
      for (const m of PART_MEASURES) {
        if (table.columns.some((c) => c.name === m)) continue;
        await db.schema.alterTable(table.name).addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      }
    }
  },
  async down(db: Kysely<unknown>) {
    for (const table of ['stat_daily', 'stat_street_daily']) {
      for (const m of PART_MEASURES) await db.schema.alterTable(table).dropColumn(m).execute();
    }
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

/**
 * Drill-down (docs/kpis.md): each case's cohort key and measure flags beside
 * its track, so a figure such as 按期结案数 lists exactly its cases. Filled
 * here from the tracks already stored (no rebuild needed).
 */
const statsCaseFactsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('stat_cases').addColumn('day', 'varchar(10)', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('stat_cases').addColumn('grid_code', 'varchar(20)', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('stat_cases').addColumn('department_code', 'varchar(16)', (c) => c.notNull().defaultTo('')).execute();
    await db.schema.alterTable('stat_cases').addColumn('flags', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.createIndex('stat_cases_day_grid').on('stat_cases').columns(['day', 'grid_code']).execute();
    const k = db as Kysely<{ stat_cases: { incident_id: number; track: string; day: string; grid_code: string; department_code: string; flags: number } }>;
    let after = -1;
    for (;;) {
      const rows = await k.selectFrom('stat_cases').select(['incident_id', 'track']).where('incident_id', '>', after).orderBy('incident_id').limit(1000).execute();
      if (rows.length === 0) break;
      await k.transaction().execute(async (tx) => {
        for (const r of rows) await tx.updateTable('stat_cases').set(caseFacts(JSON.parse(r.track) as CaseTrack)).where('incident_id', '=', r.incident_id).execute();
      });
      after = Number(rows[rows.length - 1]!.incident_id);
    }
  },
  async down(db: Kysely<unknown>) {
    const drop = db.schema.dropIndex('stat_cases_day_grid');
    await (dialectOfKysely(db) === 'mysql' ? drop.on('stat_cases') : drop).execute();
    for (const c of ['day', 'grid_code', 'department_code', 'flags']) await db.schema.alterTable('stat_cases').dropColumn(c).execute();
  },
};

/**
 * The district rollup (ADR 0009): the street rollup summed per district, which
 * the district overview and the department rankings read (a few rows a day).
 * Filled here from the street rows already stored, so no rebuild is needed.
 */
const districtRollupMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    let district = db.schema
      .createTable('stat_district_daily')
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('district_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('department_code', 'varchar(16)', (c) => c.notNull());
    for (const m of ROLLUP_MEASURES) district = district.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    await tableOptions(d, district.addPrimaryKeyConstraint('stat_district_daily_pk', ['day', 'district_code', 'department_code'])).execute();
    const measures = sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)));
    const sums = sql.join(ROLLUP_MEASURES.map((m) => sql`sum(${sql.ref(m)})`));
    await sql`insert into stat_district_daily (day, district_code, department_code, ${measures})
      select day, substr(street_code, 1, ${GRID_CODE_LENGTH.district}), department_code, ${sums}
      from stat_street_daily group by day, substr(street_code, 1, ${GRID_CODE_LENGTH.district}), department_code`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('stat_district_daily').execute();
  },
};

/** The statistics store's own migrations (it may be its own database), numbered in the evaluation range. */
export const STATS_MIGRATIONS: Migrations = {
  '0050_stats_store': statsStoreMigration,
  '0045_stats_parts': statsPartsMigration,
  '0056_stats_worker_rollup': workerRollupMigration,
  '0058_stats_case_facts': statsCaseFactsMigration,
  '0086_stats_district_rollup': districtRollupMigration,
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

/** The scheme a fresh install starts from (version 1 of each subject), edited in the console into new versions. */
export const DEFAULT_SCHEMES: Readonly<Record<'department' | 'street', SchemeDefinition>> = {
  department: {
    indicators: [
      { key: 'on_time_close', name: '按期结案率', kind: 'kpi', kpi: 'onTimeCloseRate', weight: 40, target: 0.95, floor: 0.6 },
      { key: 'rework', name: '返工率', kind: 'kpi', kpi: 'reworkRate', weight: 15, target: 0.05, floor: 0.3 },
      { key: 'return', name: '退回率', kind: 'kpi', kpi: 'returnRate', weight: 15, target: 0.05, floor: 0.3 },
      { key: 'inspection', name: '现场督查', kind: 'manual', weight: 30, maxScore: 100 },
    ],
    deductions: [{ key: 'overdue_cases', name: '超期案件扣分', count: 'overdue', points: 0.5, cap: 10 }],
  },
  street: {
    indicators: [
      { key: 'close', name: '结案率', kind: 'kpi', kpi: 'closeRate', weight: 30, target: 0.95, floor: 0.6 },
      { key: 'on_time_close', name: '按期结案率', kind: 'kpi', kpi: 'onTimeCloseRate', weight: 30, target: 0.9, floor: 0.5 },
      { key: 'immediate', name: '即办率', kind: 'kpi', kpi: 'immediateRate', weight: 10, target: 0.3, floor: 0 },
      { key: 'inspection', name: '现场督查', kind: 'manual', weight: 30, maxScore: 100 },
    ],
    deductions: [{ key: 'returned_cases', name: '退回案件扣分', count: 'returned', points: 0.5, cap: 10 }],
  },
};

/** 督查考核: scheme versions, periods and manual scores (docs/assessment.md), with version 1 of each subject's scheme. */
export const assessmentMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema
      .createTable('assessment_schemes')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('subject', 'varchar(16)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addUniqueConstraint('assessment_schemes_version', ['subject', 'version'])).execute();
    await tableOptions(d, db.schema
      .createTable('assessment_periods')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('subject', 'varchar(16)', (c) => c.notNull())
      .addColumn('period', 'varchar(8)', (c) => c.notNull())
      .addColumn('scheme_id', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(8)', (c) => c.notNull())
      .addColumn('opened_at', 'bigint', (c) => c.notNull())
      .addColumn('opened_by', 'integer')
      .addColumn('closed_at', 'bigint')
      .addColumn('closed_by', 'integer')
      .addColumn('results', 'text')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addUniqueConstraint('assessment_periods_period', ['subject', 'period'])).execute();
    await tableOptions(d, db.schema
      .createTable('assessment_scores')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('period_id', 'integer', (c) => c.notNull())
      .addColumn('indicator_key', 'varchar(40)', (c) => c.notNull())
      .addColumn('unit_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('score', 'double precision', (c) => c.notNull())
      .addColumn('note', 'text', (c) => c.notNull())
      .addColumn('attachments', 'text', (c) => c.notNull())
      .addColumn('entered_by', 'integer')
      .addColumn('entered_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('assessment_scores_item', ['period_id', 'indicator_key', 'unit_code'])).execute();
    const k = db as Kysely<{ assessment_schemes: { subject: string; version: number; definition: string; created_at: number; created_by: number | null } }>;
    const now = Date.now();
    for (const subject of ['department', 'street'] as const) {
      await k.insertInto('assessment_schemes').values({ subject, version: 1, definition: JSON.stringify(DEFAULT_SCHEMES[subject]), created_at: now, created_by: null }).execute();
    }
  },
  async down(db: Kysely<unknown>) {
    for (const t of ['assessment_scores', 'assessment_periods', 'assessment_schemes']) await db.schema.dropTable(t).execute();
  },
};

const ASSESSMENT_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['evaluation.assess', 'evaluation.assess.manage'],
  leader: ['evaluation.assess', 'evaluation.assess.manage'],
  shift_supervisor: ['evaluation.assess'],
};

/** Grants the assessment permissions to the built-in roles created before them (accounts/catalogue.ts has them for new ones). */
export const assessmentPermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = ASSESSMENT_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};
