import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsDbUrlOf } from '../../src/infra/config.js';
import { ROLLUP_DIMENSIONS, ROLLUP_MEASURES, WORKER_DIMENSIONS, WORKER_MEASURES } from '../../src/modules/evaluation/rules/rollup.js';
import { StatisticsStore } from '../../src/modules/evaluation/store.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import type { Platform } from '../../src/platform.js';
import { insertEvents, insertIncident, planCase, rng, type PlannedCase } from './timeline.js';

const STREET = ['day', 'street_code', 'department_code'];
const DISTRICT = ['day', 'district_code', 'department_code'];

const VOCABULARY = {
  grids: ['430111001001001', '430111001001002', '430111001002001', '430111002001001'],
  categories: ['0101', '0102', '0203'],
  departments: ['D01', 'D02', 'D03'],
  channels: ['grid_worker', 'citizen', 'hotline_12345'],
  workers: [501, 502, 503],
};

async function rowsOf(store: StatisticsStore, table: 'stat_daily' | 'stat_street_daily' | 'stat_district_daily' | 'stat_worker_daily', dimensions: readonly string[], measures: readonly string[] = ROLLUP_MEASURES) {
  const rows = (await store.db.primary.selectFrom(table).selectAll().execute()) as unknown as Record<string, unknown>[];
  return rows
    .map((r) => [...dimensions.map((d) => String(r[d])), ...measures.map((m) => Number(r[m]))] as (string | number)[])
    // A key every case has left keeps a row of zeros under incremental upkeep; the rebuild writes none.
    .filter((r) => r.slice(dimensions.length).some((x) => x !== 0))
    .sort((a, b) => a.join('|').localeCompare(b.join('|')));
}

async function snapshot(store: StatisticsStore) {
  return rowsOf(store, 'stat_daily', ROLLUP_DIMENSIONS);
}

describe.each(DIALECTS)('statistics store: rebuild equals incremental upkeep (%s)', (dialect) => {
  let platform: Platform;
  let close: () => Promise<void>;
  let store: StatisticsStore;

  beforeAll(async () => {
    const t = await openTestPlatform(dialect);
    platform = t.platform;
    close = t.close;
    // Small batches: cases are cut across batches, and a batch mixes many cases.
    const reference = new ReferenceData(platform.db);
    store = new StatisticsStore(platform.db, { url: statsDbUrlOf(platform.config), calendar: async () => (await reference.get()).calendar, batchSize: 7 });
  });
  afterAll(async () => {
    await store?.close();
    await close?.();
  });

  it('on a randomized timeline written in interleaved rounds, with batches delivered twice', async () => {
    const seed = Number(process.env.STATS_SEED ?? 20261203);
    const r = rng(seed);
    const k = platform.db.primary as unknown as Kysely<unknown>;
    // Around Shanghai midnights (16:00 UTC) over the 2026 Qingming holiday, so days and working time both matter.
    const base = Date.parse('2026-04-02T12:00:00Z');
    const cases: { plan: PlannedCase; id: number | null; written: number }[] = [];
    for (let i = 0; i < 160; i++) cases.push({ plan: planCase(r, VOCABULARY, base + r.int(0, 6 * 24) * 3_600_000), id: null, written: 0 });
    let round = 0;
    while (cases.some((c) => c.written < c.plan.events.length)) {
      round++;
      for (const c of cases) {
        if (c.written >= c.plan.events.length || !r.chance(0.4)) continue;
        c.id ??= await insertIncident(k, c.plan, `T${String(cases.indexOf(c)).padStart(6, '0')}`);
        const n = Math.min(c.plan.events.length, c.written + r.int(1, 3));
        await insertEvents(k, c.id, c.plan, c.written, n);
        c.written = n;
      }
      await store.catchUp();
      if (round % 4 === 0) {
        // Delivered again (a crash after apply, before the commit was seen): applying twice must change nothing.
        await store.db.primary.updateTable('feed_cursors').set({ high: sql`high - 9` }).where('name', '=', 'statistics').execute();
        store.consumer.forget();
        await store.catchUp();
      }
    }
    const incremental = await snapshot(store);
    const incrementalStreets = await rowsOf(store, 'stat_street_daily', STREET);
    const incrementalDistricts = await rowsOf(store, 'stat_district_daily', DISTRICT);
    const incrementalWorkers = await rowsOf(store, 'stat_worker_daily', WORKER_DIMENSIONS, WORKER_MEASURES);
    // Every measure of the worker rollup is exercised by the random timeline.
    for (const [i] of WORKER_MEASURES.entries()) expect(incrementalWorkers.some((row) => Number(row[WORKER_DIMENSIONS.length + i]) > 0)).toBe(true);
    const total = incremental.reduce((s, row) => s + Number(row[ROLLUP_DIMENSIONS.length]), 0);
    expect(total).toBe(cases.length);

    const result = await store.rebuild();
    expect(result.cases).toBe(cases.length);
    expect(result.events).toBe(cases.reduce((s, c) => s + c.plan.events.length, 0));
    const rebuilt = await snapshot(store);
    expect(rebuilt).toEqual(incremental);
    expect(await rowsOf(store, 'stat_street_daily', STREET)).toEqual(incrementalStreets);
    expect(await rowsOf(store, 'stat_district_daily', DISTRICT)).toEqual(incrementalDistricts);
    expect(await rowsOf(store, 'stat_worker_daily', WORKER_DIMENSIONS, WORKER_MEASURES)).toEqual(incrementalWorkers);
    // The street and district rollups are the fine one summed by street (district) and department.
    const summedBy = (length: number) => {
      const summed = new Map<string, number[]>();
      for (const row of rebuilt) {
        const key = [row[0], String(row[1]).slice(0, length), row[3]].join('|');
        const acc = summed.get(key) ?? ROLLUP_MEASURES.map(() => 0);
        ROLLUP_MEASURES.forEach((_, i) => { acc[i]! += Number(row[ROLLUP_DIMENSIONS.length + i]); });
        summed.set(key, acc);
      }
      return [...summed].sort((a, b) => a[0].localeCompare(b[0])).filter(([, m]) => m.some((x) => x !== 0));
    };
    expect(incrementalStreets.map((r) => [r.slice(0, 3).join('|'), r.slice(3)])).toEqual(summedBy(9));
    expect(incrementalDistricts.map((r) => [r.slice(0, 3).join('|'), r.slice(3)])).toEqual(summedBy(6));
    // Two districts' worth of grids would show here; the vocabulary has one, whose row carries every case.
    expect(incrementalDistricts.reduce((s, row) => s + Number(row[3]), 0)).toBe(cases.length);

    // A rebuild that writes its sums in parts of a few keys (as a large district's does, to bound its memory) writes the same rows.
    const inParts = new StatisticsStore(platform.db, { url: statsDbUrlOf(platform.config), calendar: async () => (await new ReferenceData(platform.db).get()).calendar, rebuildFlushKeys: 3 });
    try {
      const parted = await inParts.rebuild();
      expect(parted).toEqual(result);
      expect(await snapshot(inParts)).toEqual(incremental);
      expect(await rowsOf(inParts, 'stat_street_daily', STREET)).toEqual(incrementalStreets);
      expect(await rowsOf(inParts, 'stat_district_daily', DISTRICT)).toEqual(incrementalDistricts);
      expect(await rowsOf(inParts, 'stat_worker_daily', WORKER_DIMENSIONS, WORKER_MEASURES)).toEqual(incrementalWorkers);
    } finally {
      await inParts.close();
    }

    // After a rebuild the consumer goes on from where it read, without counting anything twice.
    const more = planCase(r, VOCABULARY, base);
    const id = await insertIncident(k, more, 'T999999');
    await insertEvents(k, id, more, 0, more.events.length);
    await store.catchUp();
    const after = await snapshot(store);
    expect(after.reduce((s, row) => s + Number(row[ROLLUP_DIMENSIONS.length]), 0)).toBe(cases.length + 1);
  });
});
