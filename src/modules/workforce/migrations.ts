import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { DEFAULT_SETTINGS } from './settings.js';

/** The team roles every install starts with (data: the administrator renames, adds and retires them). */
export const SEED_TEAM_ROLES = [
  { code: 'grid_leader', name: '网格长', name_en: 'Grid leader', kind: 'part_time', sort: 10 },
  { code: 'full_time_worker', name: '专职网格员', name_en: 'Full-time grid worker', kind: 'full_time', sort: 20 },
  { code: 'part_time_worker', name: '兼职网格员', name_en: 'Part-time grid worker', kind: 'part_time', sort: 30 },
  { code: 'police_assistant', name: '警务助理', name_en: 'Police assistant', kind: 'part_time', sort: 40 },
  { code: 'building_head', name: '楼栋长', name_en: 'Building head', kind: 'part_time', sort: 50 },
] as const;

/** 0060: teams, members, rota, leave, patrols, track points, clock records, settings. */
export const workforceMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const t = (name: string) => db.schema.createTable(name);
    await tableOptions(d, t('workforce_settings')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await tableOptions(d, t('team_roles')
      .addColumn('code', 'varchar(32)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(50)', (c) => c.notNull())
      .addColumn('name_en', 'varchar(100)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('sort', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await tableOptions(d, t('teams')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('community_code', 'varchar(20)', (c) => c.notNull().unique())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('rota', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())).execute();
    await tableOptions(d, t('team_members')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('team_id', 'integer', (c) => c.notNull())
      .addColumn('user_id', 'integer')
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('role_code', 'varchar(32)', (c) => c.notNull())
      .addColumn('rota', 'text')
      .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
      .addColumn('to_date', 'varchar(10)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())).execute();
    await db.schema.createIndex('team_members_team').on('team_members').columns(['team_id', 'to_date']).execute();
    await db.schema.createIndex('team_members_user').on('team_members').columns(['user_id', 'to_date']).execute();
    await tableOptions(d, t('rota_exceptions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('team_id', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'integer')
      .addColumn('date', 'varchar(10)', (c) => c.notNull())
      .addColumn('shift_start', 'integer')
      .addColumn('shift_end', 'integer')
      .addColumn('note', 'varchar(200)', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('rota_exceptions_team').on('rota_exceptions').columns(['team_id', 'date']).execute();
    await tableOptions(d, t('leave_requests')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'varchar(36)', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('team_id', 'integer', (c) => c.notNull())
      .addColumn('community_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
      .addColumn('to_date', 'varchar(10)', (c) => c.notNull())
      .addColumn('reason', 'varchar(500)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('requested_by', 'integer', (c) => c.notNull())
      .addColumn('requested_at', 'bigint', (c) => c.notNull())
      .addColumn('decided_by', 'integer')
      .addColumn('decided_at', 'bigint')
      .addColumn('decision_note', 'varchar(500)')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())).execute();
    await db.schema.createIndex('leave_requests_user').on('leave_requests').columns(['user_id', 'from_date']).execute();
    await db.schema.createIndex('leave_requests_scope').on('leave_requests').columns(['community_code', 'from_date']).execute();
    await tableOptions(d, t('patrols')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'varchar(36)', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('ended_at', 'bigint')
      .addColumn('end_reason', 'varchar(8)')
      .addColumn('start_lng_e6', 'integer')
      .addColumn('start_lat_e6', 'integer')
      .addColumn('distance_m', 'double precision', (c) => c.notNull())
      .addColumn('point_count', 'integer', (c) => c.notNull())
      .addColumn('last_point_at', 'bigint')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addColumn('stop_received_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('patrols_user').on('patrols').columns(['user_id', 'started_at']).execute();
    await db.schema.createIndex('patrols_open').on('patrols').columns(['user_id', 'ended_at']).execute();
    await db.schema.createIndex('patrols_started').on('patrols').columns(['started_at', 'grid_code']).execute();
    // Clustered by (patrol, time) on both databases: InnoDB clusters by the primary key, and SQLite
    // does too for a WITHOUT ROWID table, so one patrol's points are one range of adjacent pages.
    const points = t('track_points')
      .addColumn('patrol_id', 'integer', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('lng_e6', 'integer', (c) => c.notNull())
      .addColumn('lat_e6', 'integer', (c) => c.notNull())
      .addColumn('accuracy_m', 'integer')
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('track_points_pk', ['patrol_id', 'at']);
    await (d === 'sqlite' ? points.modifyEnd(sql`without rowid`) : tableOptions(d, points)).execute();
    await tableOptions(d, t('clock_records')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'varchar(36)', (c) => c.notNull().unique())
      .addColumn('user_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('lng_e6', 'integer', (c) => c.notNull())
      .addColumn('lat_e6', 'integer', (c) => c.notNull())
      .addColumn('accuracy_m', 'integer')
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('distance_m', 'integer', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('clock_records_user').on('clock_records').columns(['user_id', 'at']).execute();

    const now = Date.now();
    await db.insertInto('workforce_settings' as never).values({ id: 1, settings: JSON.stringify(DEFAULT_SETTINGS), version: 1, updated_at: now } as never).execute();
    await db.insertInto('team_roles' as never)
      .values(SEED_TEAM_ROLES.map((r) => ({ ...r, status: 'active', created_at: now, updated_at: now })) as never)
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const name of ['clock_records', 'track_points', 'patrols', 'leave_requests', 'rota_exceptions', 'team_members', 'teams', 'team_roles', 'workforce_settings']) {
      await db.schema.dropTable(name).execute();
    }
  },
};

/**
 * 0061: grid_workers says which unit grids every team member patrols, so it
 * takes members without an account too: user_id may be null, and member_id
 * names the team member. SQLite cannot drop a NOT NULL in place: the table
 * is rebuilt with its rows and indexes.
 */
export const gridWorkerMembersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    if (d === 'mysql') {
      await sql`alter table grid_workers modify user_id int null, add column member_id int null`.execute(db);
    } else {
      await sql`create table grid_workers_new (
        id integer primary key autoincrement, grid_code varchar(20) not null, user_id integer, role varchar(16) not null,
        from_date varchar(10) not null, to_date varchar(10), created_at bigint not null, updated_at bigint not null, member_id integer)`.execute(db);
      await sql`insert into grid_workers_new (id, grid_code, user_id, role, from_date, to_date, created_at, updated_at)
        select id, grid_code, user_id, role, from_date, to_date, created_at, updated_at from grid_workers`.execute(db);
      await sql`drop table grid_workers`.execute(db);
      await sql`alter table grid_workers_new rename to grid_workers`.execute(db);
      await db.schema.createIndex('grid_workers_grid').on('grid_workers').columns(['grid_code', 'to_date']).execute();
      await db.schema.createIndex('grid_workers_user').on('grid_workers').columns(['user_id', 'to_date']).execute();
    }
    await db.schema.createIndex('grid_workers_member').on('grid_workers').columns(['member_id', 'to_date']).execute();
  },
  async down(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await (d === 'mysql' ? db.schema.dropIndex('grid_workers_member').on('grid_workers') : db.schema.dropIndex('grid_workers_member')).execute();
    await sql`delete from grid_workers where user_id is null`.execute(db);
    await db.schema.alterTable('grid_workers').dropColumn('member_id').execute();
  },
};

/** Permissions each built-in role gains with the workforce module (and 0062 adds to installs that have the roles already). */
export const WORKFORCE_ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  admin: ['workforce.read', 'workforce.manage', 'workforce.configure'],
  shift_supervisor: ['workforce.read'],
  street_operator: ['workforce.read', 'workforce.manage'],
  leader: ['workforce.read'],
  grid_worker: ['workforce.patrol'],
};

/** 0062: the built-in roles of an existing install gain the workforce permissions (a new install seeds them from the catalogue). */
export const workforcePermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = WORKFORCE_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};
