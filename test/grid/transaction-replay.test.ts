import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';
import { replayTransactions } from '../support/replay.js';
import { fixture } from './support.js';

/** A grid import whose transaction callback runs twice (rolled back once) writes its history once. */
describe.each(DIALECTS)('grid import with replayed transactions on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;

  beforeAll(async () => {
    t = await openTestPlatform(dialect);
  });
  afterAll(async () => t?.close());

  it('writes one history row per change', async () => {
    const replay = replayTransactions(t.platform);
    try {
      const report = await t.platform.grid.importFiles([fixture('valid')], { dryRun: false, partial: false }, SYSTEM_ACTOR, null);
      expect(report).toMatchObject({ ok: true, applied: true });
      expect(replay.count).toBeGreaterThan(0);
    } finally {
      replay.restore();
    }
    const db = t.platform.db.primary;
    const grids = await db.selectFrom('grids').select('code').execute();
    const history = await db.selectFrom('grid_history').select(['grid_code', 'change_kind']).orderBy('grid_code').execute();
    expect(grids.length).toBe(fixture('valid').features.length);
    expect(history).toEqual(grids.map((g) => ({ grid_code: g.code, change_kind: 'created' })).sort((a, b) => a.grid_code.localeCompare(b.grid_code)));
  });
});
