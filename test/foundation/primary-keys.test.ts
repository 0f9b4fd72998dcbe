import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestPlatform } from '../support/db.js';

/**
 * Galera replicates row events by primary key: a table without one is
 * replicated by full scans on every node, and DELETEs on it may apply
 * differently (docs/operations/cluster.md). Every table of the three stores
 * has a primary key, on both dialects.
 */
describe.each(DIALECTS)('primary keys on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;

  beforeAll(async () => {
    t = await openTestPlatform(dialect);
    await t.platform.statistics.ensureReady();
    await t.platform.archive.ensureReady();
  });
  afterAll(async () => t?.close());

  async function tablesWithoutPrimaryKey(db: Kysely<unknown>): Promise<{ tables: string[]; without: string[] }> {
    if (dialect === 'mysql') {
      const tables = await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE'`.execute(db);
      const without = await sql<{ name: string }>`
        select t.table_name as name from information_schema.tables t
        left join information_schema.table_constraints c
          on c.table_schema = t.table_schema and c.table_name = t.table_name and c.constraint_type = 'PRIMARY KEY'
        where t.table_schema = database() and t.table_type = 'BASE TABLE' and c.constraint_name is null`.execute(db);
      return { tables: tables.rows.map((r) => r.name), without: without.rows.map((r) => r.name) };
    }
    // SQLite's own FTS shadow tables are managed by the engine; every table the migrations create is checked.
    const tables = await sql<{ name: string; sql: string }>`select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
    const ours = tables.rows.filter((r) => !/^create virtual table/i.test(r.sql ?? '') && !tables.rows.some((v) => /^create virtual table/i.test(v.sql ?? '') && r.name.startsWith(`${v.name}_`)));
    const without: string[] = [];
    for (const { name } of ours) {
      const columns = await sql<{ pk: number }>`select pk from pragma_table_info(${name})`.execute(db);
      if (!columns.rows.some((c) => c.pk > 0)) without.push(name);
    }
    return { tables: ours.map((r) => r.name), without };
  }

  it('finds a primary key on every table of the business, statistics and archive stores', async () => {
    const stores = [t.platform.db.primary, t.platform.statistics.db.primary, t.platform.archive.db.primary] as unknown as Kysely<unknown>[];
    const seen = new Set<string>();
    const without: string[] = [];
    for (const db of stores) {
      const found = await tablesWithoutPrimaryKey(db);
      for (const name of found.tables) seen.add(name);
      without.push(...found.without);
    }
    // The walk saw the real schema: the core tables of each store are among the tables it checked.
    for (const name of ['incidents', 'incident_events', 'audit_log', 'users']) expect(seen).toContain(name);
    expect(seen.size).toBeGreaterThan(50);
    expect([...new Set(without)].sort()).toEqual([]);
  });
});

/**
 * Galera does not replicate LOCK TABLES or named locks (GET_LOCK) to the other
 * nodes, so a lock taken on one node excludes nothing on the others: the
 * platform serializes by a row UPDATE (ADR 0001), which Galera certifies.
 */
describe('no statement relies on locks Galera does not replicate', () => {
  it('finds no LOCK TABLES or GET_LOCK in the server code', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        // Tests may hold such text as data (the dump scanner reads mysqldump output, which has LOCK TABLES).
        else if (/\.ts$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) && /\b(lock\s+tables|get_lock\s*\()/i.test(readFileSync(path, 'utf8'))) offenders.push(path);
      }
    };
    walk('src');
    expect(offenders).toEqual([]);
  });
});
