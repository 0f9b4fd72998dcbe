import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { Principal } from '../src/infra/auth/principal.js';
import { createFieldCipher } from '../src/infra/crypto/field-cipher.js';
import { generateHouseholds, REFERENCE_RESIDENTS, residentCounts } from '../src/modules/basedata/demo/generator.js';
import { assembleRaw, insertRaw, rawState, unitGrids } from '../src/modules/basedata/demo/load.js';
import { prepareRow, RESIDENT_FIELDS, type PreparedRow } from '../src/modules/basedata/import/fields.js';
import { createRandom } from '../src/modules/grid/demo/random.js';
import { loadDemo } from '../src/modules/demo/load.js';
import { machine, percentile, report } from './lib.js';
import { benchDialect, scratchPlatform, type ScratchPlatform } from './_scratch.js';

/**
 * Residents at the reference district's size (BENCH_RESIDENTS, default
 * 1,050,000; e.g. BENCH_RESIDENTS=100000 for a quick run) on SQLite, or with
 * BENCH_DB_URL on two scratch databases NAME_res_import_<pid> and
 * NAME_res_raw_<pid> on that server (bench/_scratch.ts), dropped afterwards:
 *
 * 1. Import rate through the real import path (CSV file → column mapping →
 *    validation, encryption and blind indexes in worker threads → batched
 *    upserting writes with progress) beside the raw rate of the same rows
 *    bulk-inserted into the same tables (buildings, dwellings, households,
 *    residents, tags, links) of a second empty database, already validated
 *    and encrypted (that preparation is not timed), in the same run.
 * 2. p95 of scoped searches (a street-level user) by name, ID number and
 *    phone over the imported database, through the service the API uses;
 *    the baseline is the p95 of a primary-key lookup of a resident row on
 *    the same connection (on MySQL: through the same pool).
 *
 * BENCH_KEEP=1 keeps the temporary folder (the CSV file and, on SQLite, both
 * databases); MySQL scratch databases are always dropped.
 */
const TODAY = '2025-06-30';

/** A scratch database (in `dir` on SQLite) with the demo district loaded. */
async function open(tag: string, dir: string): Promise<ScratchPlatform> {
  const sp = await scratchPlatform(tag, { dir });
  try {
    await loadDemo(sp.platform, { scale: 1 });
  } catch (err) {
    await sp.close();
    throw err;
  }
  return sp;
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export default async function residentsBench(): Promise<void> {
  const n = Number(process.env.BENCH_RESIDENTS ?? REFERENCE_RESIDENTS);
  const scale = n / REFERENCE_RESIDENTS;
  const counts = { residents: n, households: residentCounts(scale).households };
  const workers = Math.max(1, Math.min(4, cpus().length - 1));
  const root = mkdtempSync(join(tmpdir(), 'civicgrid-bench-residents-'));
  const importDir = join(root, 'import');
  const rawDir = join(root, 'raw');
  const log = (m: string) => process.stderr.write(`[residents] ${m}\n`);
  const dbName = benchDialect();
  let impScratch: ScratchPlatform | null = null;
  let rawScratch: ScratchPlatform | null = null;
  try {
    impScratch = await open('res_import', importDir);
    rawScratch = await open('res_raw', rawDir);
    const imp = impScratch.platform;
    const raw = rawScratch.platform;
    const grids = await unitGrids(imp.db.primary);

    // The input file, written once (not timed).
    const file = join(root, 'residents.csv');
    const out = createWriteStream(file);
    out.write(`${RESIDENT_FIELDS.map((f) => f.labels[0]).join(',')}\n`);
    let written = 0;
    let chunk: string[] = [];
    for (const household of generateHouseholds({ seed: 'bench', counts, grids, today: TODAY })) {
      for (const values of household) chunk.push(values.map(csvCell).join(','));
      written += household.length;
      if (chunk.length >= 10_000) {
        if (!out.write(`${chunk.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
        chunk = [];
      }
    }
    out.write(`${chunk.join('\n')}\n`);
    await new Promise<void>((r) => out.end(r));
    log(`wrote ${written} rows to ${file}`);

    // 1a. Raw: the same rows, prepared outside the clock, bulk-inserted in 10,000-row transactions.
    const ctx = { cipher: createFieldCipher(raw.fieldCipher), today: TODAY, grids: new Set(grids.map((g) => g.code)), scopePrefixes: null };
    const state = await rawState(raw.db.primary);
    let rawMs = 0;
    let rawRows = 0;
    let pending: PreparedRow[] = [];
    let rowNo = 0;
    const flush = async () => {
      const tables = assembleRaw(pending, state, Date.now(), TODAY);
      const t0 = performance.now();
      await raw.db.transaction((tx) => insertRaw(tx as unknown as Kysely<unknown>, tables));
      rawMs += performance.now() - t0;
      rawRows += pending.length;
      pending = [];
    };
    for (const household of generateHouseholds({ seed: 'bench', counts, grids, today: TODAY })) {
      for (const values of household) {
        const r = prepareRow(++rowNo, values, ctx);
        if (!r.ok) throw new Error(`row ${rowNo} invalid: ${JSON.stringify(r.errors)}`);
        pending.push(r.row);
      }
      if (pending.length >= 10_000) await flush();
    }
    if (pending.length > 0) await flush();
    const rawRate = rawRows / (rawMs / 1000);
    log(`raw: ${rawRows} rows in ${(rawMs / 1000).toFixed(1)} s`);
    await rawScratch.close();

    // 1b. The real import path, timed end to end.
    const t0 = performance.now();
    const job = await imp.imports.createJob(file, 'residents.csv', null);
    await imp.imports.setMapping(job.jobId, job.suggestedMapping);
    let lastLog = 0;
    const result = await imp.imports.run(job.jobId, {
      batchSize: 5000, workers,
      onProgress: (p) => {
        if (p.lastRow - lastLog >= 100_000) {
          lastLog = p.lastRow;
          log(`import: ${p.lastRow} rows, ${Math.round(p.lastRow / ((performance.now() - t0) / 1000))}/s`);
        }
      },
    });
    const importMs = performance.now() - t0;
    if (result.okRows !== n || result.errorRows !== 0) throw new Error(`import wrote ${result.okRows} rows with ${result.errorRows} errors`);
    const importRate = n / (importMs / 1000);
    report({
      name: 'residents.import', value: Math.round(importRate), unit: 'rows/s', baseline: Math.round(rawRate), scale, db: dbName,
      goal: '>= 0.5 of raw', rows: n, workers,
      baselineIs: 'bulk INSERT of the same rows, already validated and encrypted (not timed), into the same tables of an empty database',
      machine: machine(),
    });

    // 2. Scoped searches at full size.
    const db = imp.db.primary;
    const rng = createRandom('residents-search');
    const maxId = Number((await db.selectFrom('residents').select((eb) => eb.fn.max('id').as('m')).executeTakeFirstOrThrow()).m);
    const samples: { id: number; name: string; idNumber: string; phone: string; street: string }[] = [];
    const cipher = imp.basedata.personal.cipher;
    while (samples.length < 300) {
      const r = await db.selectFrom('residents').select(['id', 'name', 'id_cipher', 'phone_cipher', 'grid_code']).where('id', '=', rng.int(1, maxId)).executeTakeFirst();
      if (!r || !r.phone_cipher) continue;
      samples.push({ id: r.id, name: r.name, idNumber: cipher.decrypt(r.id_cipher), phone: cipher.decrypt(r.phone_cipher), street: r.grid_code.slice(0, 9) });
    }
    const principalFor = (street: string) => new Principal(1, 'bench', 'bench', [{ id: 1, role: 'r', scope: { kind: 'grid', code: street } }], new Map([['r', ['residents.read']]]));
    const measure = async (fn: (s: (typeof samples)[number]) => Promise<number>): Promise<number[]> => {
      const times: number[] = [];
      for (let pass = 0; pass < 2; pass++) {
        for (const s of samples) {
          const t = performance.now();
          const found = await fn(s);
          if (pass === 1) times.push(performance.now() - t);
          if (found === 0) throw new Error(`search found nothing for resident ${s.id}`);
        }
      }
      return times;
    };
    const pk = await measure(async (s) => ((await db.selectFrom('residents').selectAll().where('id', '=', s.id).executeTakeFirst()) ? 1 : 0));
    const basePk = Math.round(percentile(pk, 95) * 1000) / 1000;
    const searches: [string, (s: (typeof samples)[number]) => Record<string, string>][] = [
      ['name', (s) => ({ q: s.name })],
      ['id', (s) => ({ idNumber: s.idNumber })],
      ['phone', (s) => ({ phone: s.phone })],
    ];
    for (const [name, query] of searches) {
      const times = await measure(async (s) => (await imp.basedata.searchResidents(principalFor(s.street), { ...query(s), page: 1, pageSize: 20 })).items.length);
      report({
        name: `residents.search.${name}.p95`, value: Math.round(percentile(times, 95) * 1000) / 1000, unit: 'ms', baseline: basePk, scale, db: dbName,
        goal: '< 20 ms', scope: 'street', residents: n, queries: times.length, p50: Math.round(percentile(times, 50) * 1000) / 1000,
        baselineIs: dbName === 'mysql'
          ? 'p95 of a primary-key lookup of one resident row through the same pool'
          : 'p95 of a primary-key lookup of one resident row on the same connection',
      });
    }
  } finally {
    try {
      await rawScratch?.close();
    } finally {
      try {
        await impScratch?.close();
      } finally {
        if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
      }
    }
  }
}
