/**
 * A statistics store that is down never fails intake: reports keep being
 * accepted, the consumer backs off instead of spinning, and once a store is
 * reachable it catches up with every report.
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatisticsStore } from '../../src/modules/evaluation/store.js';
import { ReferenceData } from '../../src/modules/incidents/reference.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf } from '../incidents/support.js';

describe.each(DIALECTS)('a failing statistics store (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1: every statistics write fails at once.
    t = await openTestApp(dialect, { statsDbUrl: 'mysql://root@127.0.0.1:1/civicgrid_stats_down' });
  });
  afterAll(async () => t?.close());

  it('does not fail intake, backs off, and a reachable store catches up with every report', async () => {
    const worker = await t.login('worker');
    const grids = await gridHelper(t);
    const workerGrid = await scopeOf(t, 'worker');
    const started = Date.now();
    for (let i = 0; i < 12; i++) {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: worker,
        body: { channel: 'grid_worker', description: `井盖缺失 ${i}`, position: { ...grids.pointIn(workerGrid), crs: 'wgs84' } },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const elapsed = Date.now() - started;
    const status = t.platform.statistics.consumer.stats();
    expect(status.failures).toBeGreaterThan(0);
    expect(status.applied).toBe(0);
    // Backing off (0.5 s, 1 s, 2 s …) rather than retrying at every commit.
    expect(status.failures).toBeLessThanOrEqual(2 + Math.ceil(Math.log2(1 + elapsed / 500)));
    const kpis = await t.request({ url: `/api/evaluation/kpis?level=unit&code=${workerGrid}&from=2026-01-01&to=2026-12-31`, cookie: await t.login('leader') });
    expect(kpis.statusCode).toBe(503);
    expect(kpis.json().code).toBe('EVALUATION_STORE_UNAVAILABLE');

    const reference = new ReferenceData(t.platform.db);
    const healthy = new StatisticsStore(t.platform.db, { url: `sqlite:${join(t.platform.config.dataDir, 'stats-recovered.db')}`, calendar: async () => (await reference.get()).calendar });
    try {
      await healthy.catchUp();
      const incidents = Number((await t.platform.db.primary.selectFrom('incidents').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
      const reported = Number((await healthy.db.primary.selectFrom('stat_daily').select(sql<number>`sum(reported)`.as('n')).executeTakeFirstOrThrow()).n);
      expect(incidents).toBeGreaterThanOrEqual(12);
      expect(reported).toBe(incidents);
    } finally {
      await healthy.close();
    }
  });
});
