/**
 * What a manifest records about a database, read the same way from a
 * snapshot (the SQLite copy), a restored database, or either dialect: the row
 * count of every table, the migrations applied, and the audit chain's head
 * and anchor. Each function takes a plain query runner, so it works over a
 * raw better-sqlite3 connection as well as over Kysely.
 */
import type SQLite from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../../infra/db/database.js';

export type Rows = Record<string, unknown>[];
export type RunQuery = (text: string) => Promise<Rows>;

export function sqliteRunner(db: SQLite.Database): RunQuery {
  return async (text) => db.prepare(text).all() as Rows;
}

export function kyselyRunner(db: Kysely<unknown>): RunQuery {
  return async (text) => (await sql.raw(text).execute(db)).rows as Rows;
}

/** The migration bookkeeping tables are not data: the lock table is left out of the counts. */
const NOT_COUNTED = new Set(['schema_migration_lock']);

export async function tableNames(run: RunQuery, dialect: Dialect): Promise<string[]> {
  const rows = dialect === 'sqlite'
    ? await run("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
    : await run("select table_name as name from information_schema.tables where table_schema = database() and table_type = 'BASE TABLE' order by table_name");
  return rows.map((r) => String(r.name)).filter((n) => !NOT_COUNTED.has(n));
}

function quoted(name: string, dialect: Dialect): string {
  return dialect === 'sqlite' ? `"${name.replaceAll('"', '""')}"` : `\`${name.replaceAll('`', '``')}\``;
}

export async function tableCounts(run: RunQuery, dialect: Dialect): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of await tableNames(run, dialect)) {
    const [row] = await run(`select count(*) as n from ${quoted(name, dialect)}`);
    counts[name] = Number(row?.n ?? 0);
  }
  return counts;
}

export async function appliedMigrations(run: RunQuery): Promise<string[]> {
  return (await run('select name from schema_migration order by name')).map((r) => String(r.name));
}

export interface AuditPosition {
  headSeq: number;
  headHash: string;
  anchorSeq: number;
}

export async function auditPosition(run: RunQuery): Promise<AuditPosition> {
  const [head] = await run('select seq, hash from audit_head where id = 1');
  const [anchor] = await run('select seq from audit_anchor where id = 1');
  if (!head || !anchor) throw new Error('the audit head or anchor row is missing');
  return { headSeq: Number(head.seq), headHash: String(head.hash), anchorSeq: Number(anchor.seq) };
}
