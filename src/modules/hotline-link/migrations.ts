import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';

/** 12345 work orders pushed by API clients; the unique index makes duplicate pushes race to one case. */
export const hotlineOrdersMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('hotline_orders')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('client_id', 'integer', (c) => c.notNull())
      .addColumn('external_no', 'varchar(64)', (c) => c.notNull())
      .addColumn('incident_id', 'integer')
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('address', 'varchar(500)')
      .addColumn('lng', 'double precision')
      .addColumn('lat', 'double precision')
      .addColumn('category_hint', 'varchar(40)')
      .addColumn('deadline_at', 'bigint')
      .addColumn('caller_name_cipher', 'text')
      .addColumn('caller_phone_cipher', 'text')
      .addColumn('caller_phone_bidx', 'varchar(64)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('hotline_orders_client_no', ['client_id', 'external_no'])).execute();
    await db.schema.createIndex('hotline_orders_incident').on('hotline_orders').columns(['incident_id']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('hotline_orders').execute();
  },
};
