import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../db/migrator.js';

export const idempotencyMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await tableOptions(
      dialectOfKysely(db),
      db.schema
        .createTable('idempotency_keys')
        .addColumn('operation', 'varchar(64)', (c) => c.notNull())
        .addColumn('user_id', 'integer', (c) => c.notNull())
        .addColumn('idem_key', 'varchar(128)', (c) => c.notNull())
        .addColumn('request_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('response_body', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('completed_at', 'bigint')
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['operation', 'user_id', 'idem_key']),
    ).execute();
    await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('idempotency_keys').execute();
  },
};
