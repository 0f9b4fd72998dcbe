/**
 * The statistics store made before the district rollup: its migration fills
 * the district rows from the street rows already stored, so the district
 * overview is right without a rebuild.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrator.js';
import { STATS_MIGRATION_TABLES, STATS_MIGRATIONS } from '../../src/modules/evaluation/migrations.js';
import { ROLLUP_MEASURES } from '../../src/modules/evaluation/rules/rollup.js';
import { createTestDatabase, DIALECTS } from '../support/db.js';

type Row = Record<string, string | number>;

const streetRow = (day: string, street: string, department: string, base: number): Row => ({
  day, street_code: street, department_code: department, ...Object.fromEntries(ROLLUP_MEASURES.map((m, i) => [m, base + i])),
});

describe.each(DIALECTS)('the district rollup migration of the statistics store on %s', (dialect) => {
  it('sums the street rows already stored per day, district and department', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDatabase<unknown>({ url: database.url });
    try {
      const before = Object.fromEntries(Object.entries(STATS_MIGRATIONS).filter(([name]) => name < '0086'));
      await migrateToLatest(db.primary, before, STATS_MIGRATION_TABLES);
      const k = db.primary as unknown as Kysely<{ stat_street_daily: Row; stat_district_daily: Row }>;
      const rows = [
        streetRow('2026-03-02', '430111001', 'D01', 1),
        streetRow('2026-03-02', '430111002', 'D01', 10),
        streetRow('2026-03-02', '430111002', 'D02', 100),
        streetRow('2026-03-03', '430111001', 'D01', 1000),
        // Another district of the same city platform keeps its own rows.
        streetRow('2026-03-02', '430112001', 'D01', 5),
      ];
      await k.insertInto('stat_street_daily').values(rows).execute();
      await migrateToLatest(db.primary, STATS_MIGRATIONS, STATS_MIGRATION_TABLES);
      const got = (await k.selectFrom('stat_district_daily').selectAll().orderBy('day').orderBy('district_code').orderBy('department_code').execute())
        .map((r) => ({ key: `${r.day}|${r.district_code}|${r.department_code}`, reported: Number(r.reported), handling_ms: Number(r.handling_ms), parts_overdue: Number(r.parts_overdue) }));
      const at = (m: string) => ROLLUP_MEASURES.indexOf(m as never);
      const expected = (bases: number[]) => ({
        reported: bases.reduce((s, b) => s + b + at('reported'), 0),
        handling_ms: bases.reduce((s, b) => s + b + at('handling_ms'), 0),
        parts_overdue: bases.reduce((s, b) => s + b + at('parts_overdue'), 0),
      });
      expect(got).toEqual([
        { key: '2026-03-02|430111|D01', ...expected([1, 10]) },
        { key: '2026-03-02|430111|D02', ...expected([100]) },
        { key: '2026-03-02|430112|D01', ...expected([5]) },
        { key: '2026-03-03|430111|D01', ...expected([1000]) },
      ]);
    } finally {
      await db.close();
      await database.drop();
    }
  }, 60_000);
});
