import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLLUP_DIMENSIONS, ROLLUP_MEASURES } from '../../src/modules/evaluation/rules/rollup.js';
import type { StatisticsStore } from '../../src/modules/evaluation/store.js';
import { moveDueCases } from '../../src/modules/archive/move.js';
import type { Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import { countOf, finalIds, loadCases } from './fixture.js';

const STREET = ['day', 'street_code', 'department_code'];
const DISTRICT = ['day', 'district_code', 'department_code'];

async function rowsOf(store: StatisticsStore, table: 'stat_daily' | 'stat_street_daily' | 'stat_district_daily', dimensions: readonly string[]) {
  const rows = (await store.db.primary.selectFrom(table).selectAll().execute()) as unknown as Record<string, unknown>[];
  return rows
    .map((r) => [...dimensions.map((d) => String(r[d])), ...ROLLUP_MEASURES.map((m) => Number(r[m]))] as (string | number)[])
    // Incremental upkeep may keep a row of zeros for a key every case left; a rebuild writes none.
    .filter((r) => r.slice(dimensions.length).some((x) => x !== 0))
    .sort((a, b) => a.join('|').localeCompare(b.join('|')));
}

async function rollups(store: StatisticsStore) {
  return { fine: await rowsOf(store, 'stat_daily', ROLLUP_DIMENSIONS), street: await rowsOf(store, 'stat_street_daily', STREET), district: await rowsOf(store, 'stat_district_daily', DISTRICT) };
}

describe.each(DIALECTS)('statistics after an archive move (%s)', (dialect) => {
  let p: Platform;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const t = await openTestPlatform(dialect);
    p = t.platform;
    close = t.close;
  });
  afterAll(async () => close?.());

  it('rebuild after a move equals the rollups kept before it (load, move, rebuild, compare)', async () => {
    const b = p.db.primary as unknown as Kysely<unknown>;
    const ids = await loadCases(p, 150, 7);
    await p.statistics.catchUp();
    const incremental = await rollups(p.statistics);
    expect(incremental.fine.reduce((s, r) => s + Number(r[ROLLUP_DIMENSIONS.length]), 0)).toBe(ids.length);

    const due = await finalIds(b);
    const result = await moveDueCases(p.db, p.archive, { olderThanDays: 30, batch: 11 });
    expect(result.moved).toBe(due.length);
    expect(await countOf(b, 'incidents')).toBe(ids.length - due.length);

    // Deleting business rows writes no timeline event: the consumer finds nothing new and the rollups stand.
    await p.statistics.catchUp();
    expect(await rollups(p.statistics)).toEqual(incremental);

    const rebuilt = await p.statistics.rebuild();
    expect(rebuilt.cases).toBe(ids.length);
    expect(await rollups(p.statistics)).toEqual(incremental);

    // A move cut short (copies not confirmed yet, some cases in both stores) still counts each case once.
    const a = p.archive.db.primary as unknown as Kysely<unknown>;
    const some = due.slice(0, 5);
    await sql`update archive_incidents set moved = 0 where id in (${sql.join(some)})`.execute(a);
    const again = await p.statistics.rebuild();
    expect(again.cases).toBe(ids.length);
    expect(await rollups(p.statistics)).toEqual(incremental);

    // A run stopped right after copying: the copied cases are in both stores, and still count once.
    const more = await loadCases(p, 40, 8, 'B');
    await p.statistics.catchUp();
    const withMore = await rollups(p.statistics);
    await expect(moveDueCases(p.db, p.archive, { olderThanDays: 30, batch: 6, afterCopy: async () => { throw new Error('stopped'); } })).rejects.toThrow('stopped');
    expect(await countOf(a, 'archive_incidents', sql`moved = 0 and id in (${sql.join(more)})`)).toBe(6);
    const both = await p.statistics.rebuild();
    expect(both.cases).toBe(ids.length + more.length);
    expect(await rollups(p.statistics)).toEqual(withMore);
  }, 60_000);
});
