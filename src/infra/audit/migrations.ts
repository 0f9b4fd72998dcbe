import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../db/migrator.js';
import { GENESIS_HASH } from './chain.js';

export const auditMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(
      d,
      db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'integer')
        .addColumn('username', 'varchar(64)')
        .addColumn('ip', 'varchar(64)')
        .addColumn('action', 'varchar(64)', (c) => c.notNull())
        .addColumn('object_type', 'varchar(64)')
        .addColumn('object_id', 'varchar(128)')
        .addColumn('result', 'varchar(16)', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull()),
    ).execute();
    await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    await db.schema.createIndex('audit_log_user').on('audit_log').columns(['user_id', 'at']).execute();
    await db.schema.createIndex('audit_log_object').on('audit_log').columns(['object_type', 'object_id']).execute();
    await tableOptions(
      d,
      db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull()),
    ).execute();
    // The last record removed by retention pruning: verification starts after it.
    await tableOptions(
      d,
      db.schema
        .createTable('audit_anchor')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'varchar(64)', (c) => c.notNull()),
    ).execute();
    const k = db as Kysely<{ audit_head: { id: number; seq: number; hash: string }; audit_anchor: { id: number; seq: number; hash: string } }>;
    await k.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).execute();
    await k.insertInto('audit_anchor').values({ id: 1, seq: 0, hash: GENESIS_HASH }).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('audit_anchor').execute();
    await db.schema.dropTable('audit_head').execute();
    await db.schema.dropTable('audit_log').execute();
  },
};

/** Keyed links: the id of the HMAC key each record was linked with (docs/adr/0010-audit-chain.md). */
export const auditKeysMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('audit_log').addColumn('key_id', 'varchar(16)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('audit_log').dropColumn('key_id').execute();
  },
};
