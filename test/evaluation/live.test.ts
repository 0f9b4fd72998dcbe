/**
 * A server on a fresh statistics store keeps its rollups from the first
 * report on, with nobody asking for a KPI first: the consumer migrates the
 * store before its first pass reads the cursor.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statsDbUrlOf } from '../../src/infra/config.js';
import { StatisticsStore } from '../../src/modules/evaluation/store.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
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

  it('keeps counts exact when a rebuild runs beside it (as the command line does, from another process) while its consumer has work', async () => {
    const worker = await t.login('worker');
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    const server = t.platform.statistics;
    const cli = new StatisticsStore(t.platform.db, { url: statsDbUrlOf(t.platform.config), calendar: async () => (await new ReferenceData(t.platform.db).get()).calendar });
    try {
      // Reports the server's consumer has not applied yet when the rebuild runs.
      server.stop();
      for (let i = 0; i < 3; i++) {
        const res = await t.request({
          method: 'POST', url: '/api/incidents', cookie: worker,
          body: { channel: 'grid_worker', description: `重建期间 ${i}`, position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } },
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      // The server's consumer runs its passes in the middle of the rebuild, between the cases and the rollups.
      let beside: Promise<void> | null = null;
      await cli.rebuild(() => {
        beside ??= server.consumer.drain();
      });
      await beside;
      server.start();
      const incidents = Number((await t.platform.db.primary.selectFrom('incidents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
      const inStore = async () => ({
        reported: Number((await server.db.primary.selectFrom('stat_daily').select(sql<number>`coalesce(sum(reported), 0)`.as('n')).executeTakeFirstOrThrow()).n),
        cases: Number((await server.db.primary.selectFrom('stat_cases').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n),
      });
      const deadline = Date.now() + 20_000;
      while ((await inStore()).reported !== incidents && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await inStore()).toEqual({ reported: incidents, cases: incidents });
    } finally {
      server.start();
      await cli.close();
    }
  }, 60_000);
});
