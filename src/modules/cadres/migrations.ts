import type { Kysely } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Part of 0068: linked cadres (群工联点), their links to grids, visits and findings. */
export async function createCadreTables(db: Kysely<unknown>): Promise<void> {
  const d = dialectOfKysely(db);
  const t = (name: string) => db.schema.createTable(name);
  await tableOptions(d, t('cadres')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'varchar(50)', (c) => c.notNull())
    .addColumn('user_id', 'integer')
    .addColumn('unit_kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('unit_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('title', 'varchar(100)', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('cadres_grid').on('cadres').columns(['grid_code']).execute();
  await tableOptions(d, t('cadre_links')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('cadre_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('from_date', 'varchar(10)', (c) => c.notNull())
    .addColumn('to_date', 'varchar(10)')
    .addColumn('is_current', 'smallint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('cadre_links_cadre').on('cadre_links').columns(['cadre_id', 'is_current']).execute();
  await db.schema.createIndex('cadre_links_grid').on('cadre_links').columns(['grid_code', 'is_current']).execute();
  await tableOptions(d, t('cadre_visits')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('cadre_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('planned_on', 'varchar(10)', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('visited_at', 'bigint')
    .addColumn('record', 'text')
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('cadre_visits_cadre').on('cadre_visits').columns(['cadre_id', 'planned_on']).execute();
  await db.schema.createIndex('cadre_visits_grid').on('cadre_visits').columns(['grid_code', 'planned_on']).execute();
  await tableOptions(d, t('cadre_findings')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('visit_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('cadre_findings_visit').on('cadre_findings').columns(['visit_id']).execute();
}

export async function dropCadreTables(db: Kysely<unknown>): Promise<void> {
  for (const name of ['cadre_findings', 'cadre_visits', 'cadre_links', 'cadres']) await db.schema.dropTable(name).execute();
}

/** Part of 0080: a version for the cadre's optimistic checks, and when and why a cadre was deactivated. */
export async function addCadreEditColumns(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cadres').addColumn('version', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  await db.schema.alterTable('cadres').addColumn('retired_on', 'varchar(10)').execute();
  await db.schema.alterTable('cadres').addColumn('retire_reason', 'varchar(200)').execute();
}

export async function dropCadreEditColumns(db: Kysely<unknown>): Promise<void> {
  for (const c of ['retire_reason', 'retired_on', 'version']) await db.schema.alterTable('cadres').dropColumn(c).execute();
}
