import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { grantToBuiltinRoles } from '../meetings/migrations.js';

export const CAMPAIGN_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['campaigns.read'],
  shift_supervisor: ['campaigns.read', 'campaigns.manage'],
  street_operator: ['campaigns.read', 'campaigns.manage'],
  leader: ['campaigns.read', 'campaigns.manage'],
  team_leader: ['campaigns.read'],
  grid_worker: ['campaigns.read', 'campaigns.fill'],
};

/** Campaigns (中心工作): campaigns, the grids they are pushed to, the filled forms; and their permissions for the built-in roles. */
export const campaignsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('campaigns')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('title', 'varchar(200)', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('target_type', 'varchar(12)', (c) => c.notNull())
      .addColumn('place_types', 'text', (c) => c.notNull())
      .addColumn('questions', 'text', (c) => c.notNull())
      .addColumn('owner_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('category_code', 'varchar(20)')
      .addColumn('deadline_at', 'bigint', (c) => c.notNull())
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('pushed_at', 'bigint')
      .addColumn('closed_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('campaigns_owner').on('campaigns').columns(['owner_code', 'status']).execute();
    await tableOptions(d, db.schema.createTable('campaign_grids')
      .addColumn('campaign_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addPrimaryKeyConstraint('campaign_grids_pk', ['campaign_id', 'grid_code'])).execute();
    await db.schema.createIndex('campaign_grids_grid').on('campaign_grids').columns(['grid_code', 'campaign_id']).execute();
    await tableOptions(d, db.schema.createTable('campaign_responses')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('campaign_id', 'integer', (c) => c.notNull())
      .addColumn('target_id', 'integer', (c) => c.notNull())
      .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('answers', 'text', (c) => c.notNull())
      .addColumn('problem', 'smallint', (c) => c.notNull())
      .addColumn('problem_note', 'text')
      .addColumn('incident_id', 'integer')
      .addColumn('filled_by', 'integer')
      .addColumn('filled_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('campaign_responses_target').on('campaign_responses').columns(['campaign_id', 'target_id']).unique().execute();
    await db.schema.createIndex('campaign_responses_grid').on('campaign_responses').columns(['campaign_id', 'grid_code']).execute();
    await grantToBuiltinRoles(db, CAMPAIGN_ROLE_PERMISSIONS);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('campaign_responses').execute();
    await db.schema.dropTable('campaign_grids').execute();
    await db.schema.dropTable('campaigns').execute();
  },
};

/**
 * Part of 0080: the photos of a filled form, one row per (target, question,
 * photo), replaced with the answers; the file reader finds a photo's campaign
 * and grid here (a photo on no row is no campaign's).
 */
export async function createCampaignPhotoTable(db: Kysely<unknown>): Promise<void> {
  await tableOptions(dialectOfKysely(db), db.schema.createTable('campaign_response_photos')
    .addColumn('campaign_id', 'integer', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('question_key', 'varchar(32)', (c) => c.notNull())
    .addColumn('hash', 'varchar(64)', (c) => c.notNull())
    .addColumn('grid_code', 'varchar(20)', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_response_photos_pk', ['campaign_id', 'target_id', 'question_key', 'hash'])).execute();
  await db.schema.createIndex('campaign_response_photos_hash').on('campaign_response_photos').columns(['hash', 'campaign_id']).execute();
}

export async function dropCampaignPhotoTable(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('campaign_response_photos').execute();
}
