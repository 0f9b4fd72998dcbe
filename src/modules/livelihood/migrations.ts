import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Part of 0068: 民生实事 needs/projects, their updates and residents' feedback. */
export async function createLivelihoodTables(db: Kysely<unknown>): Promise<void> {
  const d = dialectOfKysely(db);
  const t = (name: string) => db.schema.createTable(name);
  await tableOptions(d, t('livelihood_needs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('title', 'varchar(200)', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source', 'varchar(16)', (c) => c.notNull())
    .addColumn('source_ref', 'varchar(200)')
    .addColumn('resident_id', 'integer')
    .addColumn('cadre_visit_id', 'integer')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('reason', 'varchar(500)')
    .addColumn('owner', 'varchar(100)')
    .addColumn('owner_department_code', 'varchar(20)')
    .addColumn('budget_cents', 'bigint')
    .addColumn('deadline', 'varchar(10)')
    .addColumn('progress', 'integer', (c) => c.notNull())
    .addColumn('collected_at', 'bigint', (c) => c.notNull())
    .addColumn('assessed_at', 'bigint')
    .addColumn('approved_at', 'bigint')
    .addColumn('done_at', 'bigint')
    .addColumn('created_by', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())).execute();
  await db.schema.createIndex('livelihood_needs_grid').on('livelihood_needs').columns(['grid_code', 'collected_at']).execute();
  await db.schema.createIndex('livelihood_needs_status').on('livelihood_needs').columns(['status', 'collected_at']).execute();
  await db.schema.createIndex('livelihood_needs_done').on('livelihood_needs').columns(['done_at']).execute();
  await tableOptions(d, t('livelihood_updates')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('need_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('percent', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('photos', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('livelihood_updates_need').on('livelihood_updates').columns(['need_id', 'created_at']).execute();
  await tableOptions(d, t('livelihood_feedback')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('need_id', 'integer', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('resident_name', 'varchar(50)', (c) => c.notNull())
    .addColumn('satisfaction', 'varchar(16)', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('created_by', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
  await db.schema.createIndex('livelihood_feedback_need').on('livelihood_feedback').columns(['need_id']).execute();
}

export async function dropLivelihoodTables(db: Kysely<unknown>): Promise<void> {
  for (const name of ['livelihood_feedback', 'livelihood_updates', 'livelihood_needs']) await db.schema.dropTable(name).execute();
}

/** 0084: a need made by a joint meeting decision links it (docs/meetings.md); the decision finds its need by this index. */
export const livelihoodMeetingDecisionMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('livelihood_needs').addColumn('meeting_decision_id', 'integer').execute();
    await db.schema.createIndex('livelihood_needs_meeting_decision').on('livelihood_needs').columns(['meeting_decision_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    const drop = db.schema.dropIndex('livelihood_needs_meeting_decision');
    await (dialectOfKysely(db) === 'mysql' ? drop.on('livelihood_needs') : drop).execute();
    await db.schema.alterTable('livelihood_needs').dropColumn('meeting_decision_id').execute();
  },
};
