import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** Subscriptions of API clients to incident events, and their cursors in the timeline (docs/webhooks.md). */
export const webhooksMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('webhook_subscriptions')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'integer', (c) => c.notNull())
      .addColumn('url', 'varchar(500)', (c) => c.notNull())
      .addColumn('event_types', 'text', (c) => c.notNull())
      .addColumn('channels', 'text', (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('previous_secret', 'text')
      .addColumn('previous_until', 'bigint')
      .addColumn('status', 'varchar(12)', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'varchar(300)')
      .addColumn('last_success_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('webhook_subscriptions_client').on('webhook_subscriptions').columns(['client_id']).execute();
    await tableOptions(d, db.schema.createTable('webhook_cursors')
      .addColumn('subscription_id', 'integer', (c) => c.primaryKey())
      .addColumn('high', 'bigint', (c) => c.notNull())
      .addColumn('gaps', 'text', (c) => c.notNull())
      .addColumn('generation', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('webhook_cursors').execute();
    await db.schema.dropTable('webhook_subscriptions').execute();
  },
};

/** The delivery log: one row per request to a receiver, kept for a bounded time. */
export const webhookDeliveriesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('webhook_deliveries')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('subscription_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('event_ids', 'text', (c) => c.notNull())
      .addColumn('first_event_id', 'bigint', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(10)', (c) => c.notNull())
      .addColumn('response_status', 'integer')
      .addColumn('latency_ms', 'integer', (c) => c.notNull())
      .addColumn('error', 'varchar(300)')
      .addColumn('at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.createIndex('webhook_deliveries_subscription').on('webhook_deliveries').columns(['subscription_id', 'id']).execute();
    await db.schema.createIndex('webhook_deliveries_at').on('webhook_deliveries').columns(['at']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('webhook_deliveries').execute();
  },
};
