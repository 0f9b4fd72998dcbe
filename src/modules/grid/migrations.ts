import { sql, type Kysely, type Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

export const gridMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('grids')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('code', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('level', 'varchar(16)', (c) => c.notNull())
        .addColumn('parent_code', 'varchar(20)')
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        // A street's outline can exceed MySQL's 64 KiB TEXT.
        .addColumn('geometry', d === 'mysql' ? sql`mediumtext` : 'text', (c) => c.notNull())
        .addColumn('min_lng', 'double precision', (c) => c.notNull())
        .addColumn('min_lat', 'double precision', (c) => c.notNull())
        .addColumn('max_lng', 'double precision', (c) => c.notNull())
        .addColumn('max_lat', 'double precision', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)),
    ).execute();
    await db.schema.createIndex('grids_parent').on('grids').column('parent_code').execute();
    await db.schema.createIndex('grids_level').on('grids').columns(['level', 'status']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('grids').execute();
  },
};

/** 0005: the change history of grids (append-only). Geometry snapshots can be large: MEDIUMTEXT on MySQL. */
export const gridHistoryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const big = d === 'mysql' ? sql`mediumtext` : 'text';
    await tableOptions(
      d,
      db.schema
        .createTable('grid_history')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('username', 'varchar(64)')
        .addColumn('change_kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('before_state', big)
        .addColumn('after_state', big)
        .addColumn('related', 'text', (c) => c.notNull())
        .addColumn('source', 'varchar(64)', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('grid_history_code').on('grid_history').columns(['grid_code', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('grid_history').execute();
  },
};

/** 0006: grid workers assigned to grids, with from/to dates. */
export const gridWorkersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('grid_workers')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('to_date', 'varchar(10)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('grid_workers_grid').on('grid_workers').columns(['grid_code', 'to_date']).execute();
    await db.schema.createIndex('grid_workers_user').on('grid_workers').columns(['user_id', 'to_date']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('grid_workers').execute();
  },
};

/** 0007: department grids (专业网格). */
export const departmentGridsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('department_grids')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('department_code', 'varchar(32)', (c) => c.notNull())
        .addColumn('code', 'varchar(32)', (c) => c.notNull())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('geometry', d === 'mysql' ? sql`mediumtext` : 'text', (c) => c.notNull())
        .addColumn('min_lng', 'double precision', (c) => c.notNull())
        .addColumn('min_lat', 'double precision', (c) => c.notNull())
        .addColumn('max_lng', 'double precision', (c) => c.notNull())
        .addColumn('max_lat', 'double precision', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull().defaultTo('active'))
        .addColumn('attributes', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .addUniqueConstraint('department_grids_code', ['department_code', 'code']),
    ).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('department_grids').execute();
  },
};

/** 0008: the change history of department grids, and the department's active set as an index. */
export const departmentGridHistoryMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    const big = d === 'mysql' ? sql`mediumtext` : 'text';
    await tableOptions(
      d,
      db.schema
        .createTable('department_grid_history')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('department_code', 'varchar(32)', (c) => c.notNull())
        .addColumn('code', 'varchar(32)', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('username', 'varchar(64)')
        .addColumn('change_kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('before_state', big)
        .addColumn('after_state', big)
        .addColumn('source', 'varchar(64)', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('department_grid_history_code').on('department_grid_history').columns(['department_code', 'code', 'id']).execute();
    await db.schema.createIndex('department_grids_status').on('department_grids').columns(['department_code', 'status']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropIndex('department_grids_status').on('department_grids').execute();
    await db.schema.dropTable('department_grid_history').execute();
  },
};
