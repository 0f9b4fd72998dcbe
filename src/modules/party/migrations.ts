import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Part of 0068: party organisations on the grid, members, 联户 links, activities and attendance. */
export async function createPartyTables(db: Kysely<unknown>): Promise<void> {
  const d = dialectOfKysely(db);
  const t = (name: string) => db.schema.createTable(name);
  await tableOptions(d, t('party_organizations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('parent_id', 'integer')
    .addColumn('name', 'varchar(100)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('secretary', 'varchar(50)')
    .addColumn('lng', 'double precision')
    .addColumn('lat', 'double precision')
    .addColumn('founded_on', 'varchar(10)')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('party_organizations_grid').on('party_organizations').columns(['grid_code']).execute();
  await db.schema.createIndex('party_organizations_parent').on('party_organizations').columns(['parent_id']).execute();
  await tableOptions(d, t('party_members')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    // A resident belongs to one organisation at a time (a transfer moves the row).
    .addColumn('resident_id', 'integer', (c) => c.notNull().unique())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('post', 'varchar(50)')
    .addColumn('joined_on', 'varchar(10)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('party_members_org').on('party_members').columns(['organization_id']).execute();
  await db.schema.createIndex('party_members_grid').on('party_members').columns(['grid_code']).execute();
  await tableOptions(d, t('party_member_households')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('household_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('party_member_households_pair', ['member_id', 'household_id'])).execute();
  await db.schema.createIndex('party_member_households_household').on('party_member_households').columns(['household_id']).execute();
  await tableOptions(d, t('party_activities')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('organization_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('held_at', 'bigint', (c) => c.notNull())
    .addColumn('place', 'varchar(200)', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('party_activities_org').on('party_activities').columns(['organization_id', 'held_at']).execute();
  await tableOptions(d, t('party_attendance')
    .addColumn('activity_id', 'integer', (c) => c.notNull())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addPrimaryKeyConstraint('party_attendance_pk', ['activity_id', 'member_id'])).execute();
}

export async function dropPartyTables(db: Kysely<unknown>): Promise<void> {
  for (const name of ['party_attendance', 'party_activities', 'party_member_households', 'party_members', 'party_organizations']) await db.schema.dropTable(name).execute();
}

/** The permissions of 0069 for the built-in roles created before them. */
export const MECHANISM_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['party.read', 'party.manage', 'cadres.read', 'cadres.manage', 'livelihood.read', 'livelihood.manage'],
  street_operator: ['party.read', 'party.manage', 'cadres.read', 'cadres.manage', 'livelihood.read', 'livelihood.manage'],
  leader: ['party.read', 'cadres.read', 'livelihood.read'],
  shift_supervisor: ['party.read', 'cadres.read', 'livelihood.read'],
};

/** 0069: grants the party, cadre and livelihood permissions to the built-in roles. */
export const mechanismPermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = MECHANISM_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};

/**
 * Part of 0080: what editing, transferring and ending party organisations and
 * members needs. Version columns for the optimistic checks; a member removed
 * keeps its row (ended_on, end_reason); every 组织关系转接 leaves a transfer row;
 * a dissolved organisation keeps its row, activities and history.
 */
export async function addPartyEditColumns(db: Kysely<unknown>): Promise<void> {
  const d = dialectOfKysely(db);
  await db.schema.alterTable('party_organizations').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('party_organizations').addColumn('dissolved_on', 'varchar(10)').execute();
  await db.schema.alterTable('party_organizations').addColumn('dissolve_reason', 'varchar(200)').execute();
  await db.schema.alterTable('party_members').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('party_members').addColumn('ended_on', 'varchar(10)').execute();
  await db.schema.alterTable('party_members').addColumn('end_reason', 'varchar(200)').execute();
  await tableOptions(d, db.schema.createTable('party_member_transfers')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('member_id', 'integer', (c) => c.notNull())
    .addColumn('from_organization_id', 'integer', (c) => c.notNull())
    .addColumn('to_organization_id', 'integer', (c) => c.notNull())
    .addColumn('from_grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('to_grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('transferred_on', 'varchar(10)', (c) => c.notNull())
    .addColumn('reason', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('party_member_transfers_member').on('party_member_transfers').columns(['member_id', 'id']).execute();
}

export async function dropPartyEditColumns(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('party_member_transfers').execute();
  for (const c of ['end_reason', 'ended_on', 'version']) await db.schema.alterTable('party_members').dropColumn(c).execute();
  for (const c of ['dissolve_reason', 'dissolved_on', 'version']) await db.schema.alterTable('party_organizations').dropColumn(c).execute();
}
