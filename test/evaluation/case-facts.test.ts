/**
 * The statistics store made before drill-down facts: its migration fills
 * each stored case's cohort key and flags from the track already there.
 */
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrator.js';
import { STATS_MIGRATION_TABLES, STATS_MIGRATIONS } from '../../src/modules/evaluation/migrations.js';
import { caseFacts, drillBit, type CaseTrack } from '../../src/modules/evaluation/rules/rollup.js';
import { createTestDatabase, DIALECTS } from '../support/db.js';

const track = (id: number, overrides: Partial<CaseTrack>): CaseTrack => ({
  incidentId: id, lastSeq: 6, day: '2026-03-02', gridCode: '430111001001001', channel: 'citizen', categoryCode: '0101', departmentCode: 'D01',
  status: 'closed', registered: true, dispatched: true, closed: true, overdue: false, reworked: false, returned: false, selfResolved: false, urged: false,
  handleBy: 1, dispatchedAt: 1, repliedAt: 2, handlingMs: 1000, ...overrides,
});

describe.each(DIALECTS)('the drill-down facts migration of the statistics store on %s', (dialect) => {
  it('fills the facts of cases folded before it', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDatabase<unknown>({ url: database.url });
    try {
      const before = Object.fromEntries(Object.entries(STATS_MIGRATIONS).filter(([name]) => name < '0058'));
      await migrateToLatest(db.primary, before, STATS_MIGRATION_TABLES);
      const k = db.primary as unknown as Kysely<{ stat_cases: Record<string, unknown> }>;
      const tracks = [track(1, {}), track(2, { overdue: true, gridCode: '430111002001001', departmentCode: 'D02' }), track(3, { status: 'reported', registered: false, dispatched: false, closed: false, dispatchedAt: null, repliedAt: null })];
      for (const t of tracks) await k.insertInto('stat_cases').values({ incident_id: t.incidentId, last_seq: t.lastSeq, track: JSON.stringify(t) }).execute();
      await migrateToLatest(db.primary, STATS_MIGRATIONS, STATS_MIGRATION_TABLES);
      const rows = await k.selectFrom('stat_cases').select(['incident_id', 'day', 'grid_code', 'department_code', 'flags']).orderBy('incident_id').execute();
      expect(rows.map((r) => ({ ...r, incident_id: Number(r.incident_id) }))).toEqual(tracks.map((t) => ({ incident_id: t.incidentId, ...caseFacts(t) })));
      expect(Number(rows[1]!.flags) & drillBit('overdue')).not.toBe(0);
      expect(Number(rows[0]!.flags) & drillBit('closed_on_time')).not.toBe(0);
      expect(Number(rows[2]!.flags)).toBe(0);
    } finally {
      await db.close();
      await database.drop();
    }
  }, 60_000);
});
