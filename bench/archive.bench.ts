import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { defaultUntil, loadDemoIncidents } from '../src/modules/demo/incidents.js';
import { loadDemo } from '../src/modules/demo/load.js';
import { moveDueCases } from '../src/modules/archive/move.js';
import { ARCHIVED_STATUSES } from '../src/modules/archive/rules/protocol.js';
import { report } from './lib.js';
import { openPlatform } from '../src/platform.js';
import { benchDialect, scratchDatabase, scratchPlatform, type ScratchPlatform } from './_scratch.js';

const SEED = 1;
const MONTHS = 18;
const BATCH = 2000;
const TABLES = [
  ['incidents', 'id'],
  ['incident_events', 'incident_id'],
  ['incident_departments', 'incident_id'],
  ['incident_links', 'incident_id'],
  ['incident_files', 'incident_id'],
] as const;

/**
 * `npm run bench -- archive`: the archive move (`civicgrid archive move`:
 * copy into the archive store, delete re-checked from the business store,
 * confirm; batches of 2,000 cases) in rows per second (incidents, events,
 * departments on a case, links, photo links), against a raw copy of the very
 * same rows measured in the same run: INSERT … SELECT into plain tables
 * (SQLite: in an attached file, as the archive store is; MySQL: tables
 * created LIKE the business ones in the same database, as the default
 * archive store is), in one transaction, with no delete. The district is
 * made by the demo generator (BENCH_ARCHIVE_SCALE, default 0.76: about
 * 406,000 incidents over 18 months, 99 % of them final) and the first BENCH_ARCHIVE_CASES
 * (default 400,000) closed, rejected or merged cases are moved. SQLite, or a
 * scratch database on BENCH_DB_URL's server. On SQLite, BENCH_ARCHIVE_FROM
 * names a database generated before (e.g. kept from an earlier run): it is
 * copied, never changed, and the generation is skipped.
 */
export default async function archiveBench(): Promise<void> {
  const scale = Number(process.env.BENCH_ARCHIVE_SCALE ?? 0.76);
  const target = Number(process.env.BENCH_ARCHIVE_CASES ?? 400_000);
  const dbName = benchDialect();
  const log = (m: string) => process.stderr.write(`[archive] ${m}\n`);
  const from = process.env.BENCH_ARCHIVE_FROM;
  const s = from ? await copiedPlatform(from) : await scratchPlatform('archive');
  try {
    const p = s.platform;
    const b = p.db.primary as unknown as Kysely<unknown>;
    if (from) {
      // A lease left by a run that was stopped when the copy was taken.
      await sql`delete from job_leases`.execute(b);
      log(`copied ${from}`);
    } else {
      const g0 = Date.now();
      await loadDemo(p, { scale, seed: SEED, staff: true });
      await loadDemoIncidents(p.db, { userId: null, username: 'bench', ip: null }, { seed: SEED, scale, months: MONTHS, until: defaultUntil() });
      log(`district generated in ${Math.round((Date.now() - g0) / 1000)} s`);
    }
    // Every final case is due a day from now; the first `target` of them (by id) move, in whole batches.
    const now = Date.now() + 86_400_000;
    const finals = sql.join([...ARCHIVED_STATUSES]);
    const dueRows = await sql<{ n: number }>`select count(*) as n from incidents where status in (${finals})`.execute(b);
    const cases = Math.min(target, Number(dueRows.rows[0]!.n));
    const maxBatches = Math.ceil(cases / BATCH);
    const moving = Math.min(cases, maxBatches * BATCH);
    log(`${dueRows.rows[0]!.n} final cases; moving ${moving}`);

    // The baseline first: the same rows copied raw (the move then reads them from a warm cache, as the baseline did).
    const rawRows = await rawCopy(p.db.dialect, b, s.scratch.dataDir, finals, moving);

    const m0 = process.hrtime.bigint();
    const result = await moveDueCases(p.db, p.archive, { olderThanDays: 0, now, batch: BATCH, maxBatches, onBatch: (r) => { if (r.batches % 20 === 0) log(`${r.moved} cases moved`); } });
    const moveSeconds = Number(process.hrtime.bigint() - m0) / 1e9;
    const a = p.archive.db.primary as unknown as Kysely<unknown>;
    let archivedRows = 0;
    for (const [table] of TABLES) archivedRows += Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(`archive_${table}`)}`.execute(a)).rows[0]!.n);
    if (archivedRows !== rawRows.rows || result.moved !== moving) throw new Error(`moved ${result.moved} cases / ${archivedRows} rows, expected ${moving} / ${rawRows.rows}`);
    log(`move ${moveSeconds.toFixed(1)} s, raw copy ${rawRows.seconds.toFixed(1)} s`);
    report({
      name: 'archive_move_rows_rate', value: Math.round(archivedRows / moveSeconds), unit: 'rows/s', baseline: Math.round(rawRows.rows / rawRows.seconds), scale, db: dbName,
      cases: result.moved, rows: archivedRows, ...(from ? { source: 'BENCH_ARCHIVE_FROM' } : {}), events: result.events, batches: result.batches, batch: BATCH, seconds: Math.round(moveSeconds * 10) / 10,
      casesPerS: Math.round(result.moved / moveSeconds),
      baselineIs: 'raw INSERT…SELECT of the same rows into plain tables (SQLite: an attached file; MySQL: the same database), one transaction, no delete',
    });
  } finally {
    await s.close();
  }
}

/** The baseline: INSERT … SELECT of the due cases' rows into plain tables; answers the rows copied and the seconds it took. */
async function rawCopy(dialect: 'sqlite' | 'mysql', b: Kysely<unknown>, dataDir: string, finals: ReturnType<typeof sql.join>, cases: number): Promise<{ rows: number; seconds: number }> {
  const prefix = dialect === 'sqlite' ? 'raw.' : 'raw_';
  if (dialect === 'sqlite') await sql`attach database ${`${dataDir}/raw-copy.db`} as raw`.execute(b);
  for (const [table] of TABLES) {
    await (dialect === 'sqlite'
      ? sql`create table ${sql.raw(`${prefix}${table}`)} as select * from ${sql.table(table)} where 0`
      : sql`create table ${sql.raw(`${prefix}${table}`)} like ${sql.table(table)}`).execute(b);
  }
  const ids = await sql<{ id: number }>`select id from incidents where status in (${finals}) order by id limit ${cases}`.execute(b);
  const last = Number(ids.rows[ids.rows.length - 1]!.id);
  const due = sql`select id from incidents where status in (${finals}) and id <= ${last}`;
  let rows = 0;
  const t0 = process.hrtime.bigint();
  await b.transaction().execute(async (tx) => {
    for (const [table, column] of TABLES) {
      const r = await sql`insert into ${sql.raw(`${prefix}${table}`)} select * from ${sql.table(table)} where ${sql.ref(column)} in (${due})`.execute(tx);
      rows += Number(r.numAffectedRows ?? 0);
    }
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  for (const [table] of TABLES) await sql`drop table ${sql.raw(`${prefix}${table}`)}`.execute(b);
  if (dialect === 'sqlite') {
    await sql`detach database raw`.execute(b);
    rmSync(`${dataDir}/raw-copy.db`, { force: true });
  }
  return { rows, seconds };
}

/** A scratch platform over a copy of a SQLite database generated before (BENCH_ARCHIVE_FROM). */
async function copiedPlatform(source: string): Promise<ScratchPlatform> {
  if (process.env.BENCH_DB_URL) throw new Error('BENCH_ARCHIVE_FROM is a SQLite file: unset BENCH_DB_URL');
  const scratch = await scratchDatabase('archive');
  try {
    copyFileSync(source, scratch.path);
    // The key files beside the source come with it; without them the copy's audit chain goes on under a fresh key (a throwaway copy: nothing verifies it).
    for (const name of ['audit-keys.json', 'field-keys.json']) {
      const file = join(dirname(source), name);
      if (existsSync(file)) copyFileSync(file, join(scratch.dataDir, name));
    }
    const config = existsSync(join(scratch.dataDir, 'audit-keys.json')) ? scratch.config : { ...scratch.config, auditKeys: `a1:${randomBytes(32).toString('base64')}` };
    const platform = await openPlatform(config);
    return {
      platform, scratch,
      async close() {
        try {
          await platform.close();
        } finally {
          await scratch.drop();
        }
      },
    };
  } catch (err) {
    await scratch.drop();
    throw err;
  }
}
