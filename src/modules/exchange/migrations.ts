import type { Kysely, Migration } from 'kysely';
import { dialectOfKysely, tableOptions } from '../../infra/db/migrator.js';
import { grantToBuiltinRoles } from '../meetings/migrations.js';

export const EXCHANGE_ROLE_PERMISSIONS: Record<string, string[]> = {
  admin: ['exchange.import'],
  shift_supervisor: ['exchange.import'],
};

/** 0083: cases imported from exchange files, one per source system and source code; and who may import. */
export const exchangeCaseImportsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    const d = dialectOfKysely(db);
    await tableOptions(d, db.schema.createTable('exchange_case_imports')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('source_system', 'varchar(40)', (c) => c.notNull())
      .addColumn('source_code', 'varchar(64)', (c) => c.notNull())
      .addColumn('incident_id', 'integer', (c) => c.notNull())
      .addColumn('kind', 'varchar(12)', (c) => c.notNull())
      .addColumn('imported_by', 'integer')
      .addColumn('imported_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('exchange_case_imports_source', ['source_system', 'source_code'])).execute();
    await db.schema.createIndex('exchange_case_imports_incident').on('exchange_case_imports').columns(['incident_id']).execute();
    await grantToBuiltinRoles(db, EXCHANGE_ROLE_PERMISSIONS);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('exchange_case_imports').execute();
  },
};
