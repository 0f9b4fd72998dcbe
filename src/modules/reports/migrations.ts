import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

export const reportsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('reports')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('period_key', 'varchar(10)', (c) => c.notNull())
      .addColumn('period_from', 'varchar(10)', (c) => c.notNull())
      .addColumn('period_to', 'varchar(10)', (c) => c.notNull())
      .addColumn('scope_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('trigger', 'varchar(12)', (c) => c.notNull())
      .addColumn('schedule_key', 'varchar(64)', (c) => c.unique())
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('progress', 'integer', (c) => c.notNull())
      .addColumn('error', 'varchar(64)')
      .addColumn('requested_by', 'integer')
      .addColumn('runner', 'varchar(100)')
      .addColumn('xlsx_size', 'bigint')
      .addColumn('pdf_size', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('reports_scope').on('reports').columns(['scope_code', 'created_at']).execute();
    await db.schema.createIndex('reports_status').on('reports').columns(['status', 'updated_at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('reports').execute();
  },
};

const REPORT_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['reports.read', 'reports.generate'],
  leader: ['reports.read', 'reports.generate'],
  shift_supervisor: ['reports.read', 'reports.generate'],
  street_operator: ['reports.read', 'reports.generate'],
};

/** Grants the report permissions to the built-in roles created before them. */
export const reportsPermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = REPORT_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};
