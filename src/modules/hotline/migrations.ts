import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

const HOTLINE_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['hotline.read', 'hotline.manage'],
  intake_operator: ['hotline.read', 'hotline.manage'],
  shift_supervisor: ['hotline.read', 'hotline.manage'],
  street_operator: ['hotline.read', 'hotline.manage'],
  leader: ['hotline.read'],
  grid_worker: ['hotline.revisit'],
};

/** 0066: unsatisfied hotline work orders brought back for a revisit, and the permissions to work them. */
export const hotlineMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('hotline_revisits')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('order_no', 'varchar(40)', (c) => c.notNull().unique())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('caller_name', 'text')
      .addColumn('caller_phone', 'text')
      .addColumn('address', 'varchar(300)', (c) => c.notNull())
      .addColumn('lng', 'double precision')
      .addColumn('lat', 'double precision')
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('original_verdict', 'varchar(40)', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)')
      .addColumn('worker_user_id', 'integer')
      .addColumn('assigned_at', 'bigint')
      .addColumn('helped_at', 'bigint')
      .addColumn('help_note', 'text')
      .addColumn('help_photos', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'bigint')
      .addColumn('answer_note', 'text')
      .addColumn('verdict', 'varchar(12)')
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('hotline_revisits_grid').on('hotline_revisits').columns(['grid_code', 'received_at']).execute();
    await db.schema.createIndex('hotline_revisits_received').on('hotline_revisits').columns(['received_at']).execute();
    await db.schema.createIndex('hotline_revisits_worker').on('hotline_revisits').columns(['worker_user_id', 'received_at']).execute();

    // The permissions, granted to the built-in roles created before them.
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = HOTLINE_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down(db: Kysely<unknown>) {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
    await db.schema.dropTable('hotline_revisits').execute();
  },
};
