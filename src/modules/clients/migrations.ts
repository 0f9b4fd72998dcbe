import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

type Legacy = {
  share_clients: { id: number; name: string; key_prefix: string; key_hash: string; scope_code: string; fields: string; rate_per_minute: number; status: string; created_at: number };
  api_clients: Record<string, unknown>;
  roles: { code: string; builtin: number; permissions: string; updated_at: number };
};

/**
 * One registry of API clients for every external system (data sharing,
 * 12345, Open311, webhooks). The data-sharing keys of 0020 move here with
 * their ids, prefixes and hashes, so keys already handed out keep working.
 */
export const apiClientsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('api_clients')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('key_prefix', 'varchar(16)', (c) => c.notNull().unique())
      .addColumn('key_hash', 'char(64)', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('scope_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('rotated_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')).execute();
    await tableOptions(d, db.schema.createTable('api_client_usage')
      .addColumn('client_id', 'integer', (c) => c.notNull())
      .addColumn('day', 'varchar(10)', (c) => c.notNull())
      .addColumn('scope', 'varchar(40)', (c) => c.notNull())
      .addColumn('calls', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('api_client_usage_pk', ['client_id', 'day', 'scope'])).execute();

    const k = db as Kysely<Legacy>;
    const old = await k.selectFrom('share_clients').selectAll().execute();
    for (const r of old) {
      await k.insertInto('api_clients').values({
        id: r.id, name: r.name, key_prefix: r.key_prefix, key_hash: r.key_hash, scopes: JSON.stringify(['share.residents.verify']),
        scope_code: r.scope_code, fields: r.fields, rate_per_minute: r.rate_per_minute, status: r.status,
        created_at: r.created_at, updated_at: r.created_at, rotated_at: null, revoked_at: r.status === 'revoked' ? r.created_at : null, last_used_at: null,
      }).execute();
    }
    await db.schema.dropTable('share_clients').execute();

    const rows = await k.selectFrom('roles').select(['code', 'permissions']).where('builtin', '=', 1).where('code', '=', 'admin').execute();
    for (const r of rows) {
      const permissions = [...new Set([...(JSON.parse(r.permissions) as string[]), 'clients.manage'])].sort();
      await k.updateTable('roles').set({ permissions: JSON.stringify(permissions), updated_at: Date.now() }).where('code', '=', r.code).execute();
    }
  },
  async down(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    // Recreated empty so that 0020's down still finds it; keys are not moved back.
    await tableOptions(d, db.schema.createTable('share_clients')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('name', 'varchar(100)', (c) => c.notNull())
      .addColumn('key_prefix', 'varchar(16)', (c) => c.notNull().unique())
      .addColumn('key_hash', 'char(64)', (c) => c.notNull())
      .addColumn('scope_code', 'varchar(20)', (c) => c.notNull())
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('rate_per_minute', 'integer', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())).execute();
    await db.schema.dropTable('api_client_usage').execute();
    await db.schema.dropTable('api_clients').execute();
  },
};

/** Bulk verification jobs and their per-row records (docs/api-clients.md). */
export const shareJobsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('share_jobs')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'integer')
      .addColumn('file_name', 'varchar(200)', (c) => c.notNull())
      .addColumn('file_path', 'varchar(500)')
      .addColumn('result_path', 'varchar(500)')
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('total_rows', 'integer', (c) => c.notNull())
      .addColumn('found', 'integer', (c) => c.notNull())
      .addColumn('not_found', 'integer', (c) => c.notNull())
      .addColumn('invalid', 'integer', (c) => c.notNull())
      .addColumn('error_code', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')).execute();
    await db.schema.createIndex('share_jobs_client').on('share_jobs').columns(['client_id', 'id']).execute();
    await tableOptions(d, db.schema.createTable('share_job_records')
      .addColumn('job_id', 'integer', (c) => c.notNull())
      .addColumn('row_no', 'integer', (c) => c.notNull())
      .addColumn('id_bidx', 'varchar(64)')
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('community_code', 'varchar(20)')
      .addPrimaryKeyConstraint('share_job_records_pk', ['job_id', 'row_no'])).execute();
    // Which jobs checked a given person: the traceability question an auditor asks.
    await db.schema.createIndex('share_job_records_bidx').on('share_job_records').columns(['id_bidx']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('share_job_records').execute();
    await db.schema.dropTable('share_jobs').execute();
  },
};
