import { Migrator, type Kysely, type Migration, type MigrationResultSet, sql, type CreateTableBuilder } from 'kysely';
import type { Dialect } from './database.js';

export type Migrations = Record<string, Migration>;

const MIGRATION_TABLE = 'schema_migration';
const MIGRATION_LOCK_TABLE = 'schema_migration_lock';

/**
 * A store with its own list of migrations (the statistics store, which may
 * share the primary database) keeps its own migration table, so neither
 * list sees the other's names as unknown.
 */
export interface MigrationTables {
  table: string;
  lockTable: string;
}

const PRIMARY_TABLES: MigrationTables = { table: MIGRATION_TABLE, lockTable: MIGRATION_LOCK_TABLE };

function migratorFor(db: Kysely<unknown>, migrations: Migrations, tables: MigrationTables = PRIMARY_TABLES): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: tables.table,
    migrationLockTableName: tables.lockTable,
    // Each module owns a range of numbers: a database that already ran 0060 must still take a later-added 0051.
    allowUnorderedMigrations: true,
  });
}

export async function migrateToLatest(db: Kysely<unknown>, migrations: Migrations, tables?: MigrationTables): Promise<string[]> {
  const result: MigrationResultSet = await migratorFor(db, migrations, tables).migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${reason}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export async function pendingMigrations(db: Kysely<unknown>, migrations: Migrations): Promise<string[]> {
  const infos = await migratorFor(db, migrations).getMigrations();
  return infos.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Table options that must match across dialects: MySQL tables are InnoDB,
 * utf8mb4 with a binary collation so comparisons behave as in SQLite.
 */
export function tableOptions<TB extends string, C extends string>(
  dialect: Dialect,
  builder: CreateTableBuilder<TB, C>,
): CreateTableBuilder<TB, C> {
  return dialect === 'mysql'
    ? builder.modifyEnd(sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`)
    : builder;
}

/** The dialect of a Kysely instance, read from its adapter (migrations receive only the instance). */
export function dialectOfKysely(db: Kysely<unknown>): Dialect {
  return db.getExecutor().adapter.constructor.name.toLowerCase().includes('sqlite') ? 'sqlite' : 'mysql';
}
