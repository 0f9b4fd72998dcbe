/**
 * A server on a fresh statistics store keeps its rollups from the first
 * report on, with nobody asking for a KPI first: the consumer migrates the
 * store before its first pass reads the cursor.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf } from '../incidents/support.js';

describe.each(DIALECTS)('the statistics consumer of a running server (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('counts new reports in the statistics store on its own', async () => {
    const worker = await t.login('worker');
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    for (let i = 0; i < 3; i++) {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: worker,
        body: { channel: 'grid_worker', description: `路灯不亮 ${i}`, position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    const incidents = Number((await t.platform.db.primary.selectFrom('incidents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    const reportedInStore = async (): Promise<number> => {
      try {
        return Number((await t.platform.statistics.db.primary.selectFrom('stat_daily').select(sql<number>`coalesce(sum(reported), 0)`.as('n')).executeTakeFirstOrThrow()).n);
      } catch {
        return -1; // not migrated yet
      }
    };
    const deadline = Date.now() + 20_000;
    while ((await reportedInStore()) !== incidents && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await reportedInStore()).toBe(incidents);
    expect(t.platform.statistics.consumer.stats().failures).toBe(0);
  }, 30_000);
});
