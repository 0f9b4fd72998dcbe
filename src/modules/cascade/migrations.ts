import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** 0081: peers, case links and the outbox of the cascade between platforms (docs/cascade.md). */
export const cascadeMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('cascade_peers')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('base_url', 'varchar(500)', (c) => c.notNull())
      .addColumn('key_cipher', 'text', (c) => c.notNull())
      .addColumn('client_id', 'integer', (c) => c.notNull().unique())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())).execute();
    await tableOptions(d, db.schema.createTable('cascade_links')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('incident_id', 'integer', (c) => c.notNull().unique())
      .addColumn('peer_id', 'integer', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      .addColumn('peer_code', 'varchar(40)')
      .addColumn('peer_status', 'varchar(20)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('last_seq_in', 'integer', (c) => c.notNull())
      .addColumn('last_seq_out', 'integer', (c) => c.notNull())
      .addColumn('last_error', 'varchar(500)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      // A received case is one per peer and peer code, whatever the retries: the duplicate's transaction fails here.
      .addUniqueConstraint('cascade_links_peer_code', ['peer_id', 'role', 'peer_code'])).execute();
    await tableOptions(d, db.schema.createTable('cascade_outbox')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('link_id', 'integer', (c) => c.notNull())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
      .addColumn('last_error', 'varchar(500)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addUniqueConstraint('cascade_outbox_link_seq', ['link_id', 'seq'])).execute();
    // The sender reads the pending messages in order.
    await db.schema.createIndex('cascade_outbox_pending').on('cascade_outbox').columns(['state', 'id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('cascade_outbox').execute();
    await db.schema.dropTable('cascade_links').execute();
    await db.schema.dropTable('cascade_peers').execute();
  },
};

/** Who gets the cascade permissions among the built-in roles (BUILTIN_ROLES carries the same for a fresh install). */
export const CASCADE_ROLE_PERMISSIONS: Readonly<Record<string, readonly string[]>> = {
  admin: ['cascade.manage'],
  dispatcher: ['cascade.send'],
  shift_supervisor: ['cascade.send'],
};

/** 0082: the cascade permissions for the built-in roles of an existing install. */
export const cascadePermissionsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const k = db as Kysely<{ roles: { code: string; builtin: number; permissions: string; updated_at: number } }>;
    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).execute();
    const now = Date.now();
    for (const r of rows) {
      const extra = CASCADE_ROLE_PERMISSIONS[r.code];
      if (!extra) continue;
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), ...extra])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: now }).where('code', '=', r.code).execute();
    }
  },
  async down() {
    // Permissions granted stay: removing them could take away what an administrator gave on purpose.
  },
};
