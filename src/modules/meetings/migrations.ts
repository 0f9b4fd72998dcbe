import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Grants new permissions to the built-in roles created before them (the reports pattern). */
export async function grantToBuiltinRoles(db: Kysely<unknown>, grants: Record<string, string[]>): Promise<void> {
  const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
  const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
  const now = Date.now();
  for (const r of rows) {
    const extra = grants[r.code];
    if (!extra) continue;
    const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
    await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
  }
}

export const MEETING_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['meetings.read'],
  shift_supervisor: ['meetings.read', 'meetings.manage'],
  street_operator: ['meetings.read', 'meetings.manage'],
  leader: ['meetings.read', 'meetings.manage'],
  team_leader: ['meetings.read'],
};

/** Joint meetings (三级联席会议): meetings, agenda items, decisions; and their permissions for the built-in roles. */
export const meetingsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('meetings')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('level', 'varchar(12)', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('title', 'varchar(200)', (c) => c.notNull())
      .addColumn('held_at', 'bigint', (c) => c.notNull())
      .addColumn('location', 'varchar(200)')
      .addColumn('attendees', 'text', (c) => c.notNull())
      .addColumn('minutes', 'text')
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('closed_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('meetings_scope').on('meetings').columns(['grid_code', 'held_at']).execute();
    await tableOptions(d, db.schema.createTable('meeting_items')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('meeting_id', 'integer')
      .addColumn('level', 'varchar(12)', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('source', 'varchar(12)', (c) => c.notNull())
      .addColumn('incident_id', 'integer')
      .addColumn('title', 'varchar(300)', (c) => c.notNull())
      .addColumn('note', 'text')
      .addColumn('outcome', 'varchar(12)', (c) => c.notNull())
      .addColumn('risen_from_item_id', 'integer')
      .addColumn('risen_reason', 'varchar(16)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('meeting_items_meeting').on('meeting_items').columns(['meeting_id']).execute();
    await db.schema.createIndex('meeting_items_node').on('meeting_items').columns(['grid_code', 'meeting_id']).execute();
    await tableOptions(d, db.schema.createTable('meeting_decisions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('meeting_id', 'integer', (c) => c.notNull())
      .addColumn('item_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(12)', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('owner', 'varchar(100)', (c) => c.notNull())
      .addColumn('deadline_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('incident_id', 'integer')
      .addColumn('done_at', 'bigint')
      .addColumn('risen_item_id', 'integer')
      .addColumn('created_by', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('meeting_decisions_meeting').on('meeting_decisions').columns(['meeting_id']).execute();
    await db.schema.createIndex('meeting_decisions_due').on('meeting_decisions').columns(['status', 'deadline_at']).execute();
    await grantToBuiltinRoles(db, MEETING_ROLE_PERMISSIONS);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('meeting_decisions').execute();
    await db.schema.dropTable('meeting_items').execute();
    await db.schema.dropTable('meetings').execute();
  },
};
