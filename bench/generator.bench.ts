import { sql } from 'kysely';
import { defaultUntil, emptyBatch, generateDay, incidentWorld, loadDemoIncidents, planDays, rowsOfDay, writeBatch, type RowBatch } from '../src/modules/demo/incidents.js';
import { loadDemo } from '../src/modules/demo/load.js';
import { report } from './lib.js';
import { benchDialect, scratchPlatform } from './_scratch.js';

const SEED = 1;
const MONTHS = 18;

const rowsIn = (b: RowBatch) => b.incidents.length + b.events.length + b.departments.length + b.links.length + b.files.length;

/**
 * `npm run bench -- generator`: the demo generator's incident throughput
 * (days planned, timelines played through the state machine, rows written
 * with multi-row INSERTs in 5,000-incident transactions with progress rows)
 * in rows per second (incidents, events, departments on a case, links, photo links),
 * against the raw multi-row insert of the very same rows, generated
 * beforehand outside the clock, into a second empty database with the same
 * writer and the same bulk-load settings. BENCH_GENERATOR_SCALE (default
 * 0.1, i.e. 53,500 incidents over 18 months) sets the size; SQLite, or a
 * scratch database on BENCH_DB_URL's server.
 */
export default async function generatorBench(): Promise<void> {
  const scale = Number(process.env.BENCH_GENERATOR_SCALE ?? 0.1);
  const until = defaultUntil();
  const dbName = benchDialect();
  const log = (m: string) => process.stderr.write(`[generator] ${m}\n`);
  // Scratch databases NAME_gen_a_<pid> and NAME_gen_b_<pid> on MySQL (bench/_scratch.ts).
  const gen = await scratchPlatform('gen_a');
  const raw = await scratchPlatform('gen_b').catch(async (err: unknown) => {
    await gen.close();
    throw err;
  });
  try {
    for (const p of [gen.platform, raw.platform]) await loadDemo(p, { scale, seed: SEED, staff: true });
    const actor = { userId: null, username: 'bench', ip: null };
    const t0 = process.hrtime.bigint();
    const r = await loadDemoIncidents(gen.platform.db, actor, { seed: SEED, scale, months: MONTHS, until });
    const genSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

    // The same rows again, made outside the clock (also timed alone: generation without any database).
    const options = { seed: SEED, scale, months: MONTHS, until };
    const world = await incidentWorld(raw.platform.db.primary, raw.platform.db, SEED);
    const batches: RowBatch[] = [];
    let batch = emptyBatch();
    let nextId = 1;
    const g0 = process.hrtime.bigint();
    for (const day of planDays(options, world.cal)) {
      rowsOfDay(generateDay(world, options, day, nextId, 0), batch, day.ymd, day.count);
      nextId += day.count;
      if (batch.incidents.length >= 5000) {
        batches.push(batch);
        batch = emptyBatch();
      }
    }
    batches.push(batch);
    const generateSeconds = Number(process.hrtime.bigint() - g0) / 1e9;
    const rows = batches.reduce((s, b) => s + rowsIn(b), 0);

    const db = raw.platform.db;
    if (db.dialect === 'sqlite') await sql`pragma synchronous = OFF`.execute(db.primary);
    const w0 = process.hrtime.bigint();
    for (const b of batches) await db.transaction((tx) => writeBatch(tx, db.dialect, b));
    const rawSeconds = Number(process.hrtime.bigint() - w0) / 1e9;
    if (db.dialect === 'sqlite') await sql`pragma synchronous = FULL`.execute(db.primary);
    log(`${r.incidents} incidents, ${r.events} events; generator ${genSeconds.toFixed(1)} s, generation alone ${generateSeconds.toFixed(1)} s, raw insert ${rawSeconds.toFixed(1)} s`);
    report({
      name: 'generator_incident_rows_rate', value: Math.round(rows / genSeconds), unit: 'rows/s', baseline: Math.round(rows / rawSeconds), scale, db: dbName,
      rows, incidents: r.incidents, events: r.events, seconds: Math.round(genSeconds * 10) / 10, generationOnlyRowsPerS: Math.round(rows / generateSeconds),
      baselineIs: 'multi-row INSERT of the same rows, pre-generated',
    });
  } finally {
    try {
      await gen.close();
    } finally {
      await raw.close();
    }
  }
}
