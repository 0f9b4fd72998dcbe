import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { replayTransactions } from '../support/replay.js';
import { gridHelper, scopeOf } from '../incidents/support.js';

/** Every hotline write with its transaction callback run twice: each order, change and audit record exists once. */
describe.each(DIALECTS)('hotline writes with replayed transactions on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('writes each order and audit record once', async () => {
    const grids = await gridHelper(t);
    const unit = await scopeOf(t, 'worker');
    const admin = await t.login('admin');
    const worker = await t.login('worker');
    const order = (orderNo: string, withPosition: boolean) => ({
      orderNo, receivedAt: '2026-11-03 09:30', address: '某路', content: '噪音扰民', ...(withPosition ? grids.pointIn(unit) : {}),
    });
    const replay = replayTransactions(t.platform);
    try {
      const first = await t.request({ method: 'POST', url: '/api/hotline/revisits', cookie: admin, body: { orders: [order('RP1', true), order('RP2', false)] } });
      expect(first.json()).toMatchObject({ created: 2, updated: 0 });
      const again = await t.request({ method: 'POST', url: '/api/hotline/revisits', cookie: admin, body: { orders: [order('RP1', true)] } });
      expect(again.json()).toMatchObject({ created: 0, updated: 1 });
      const ids = await t.platform.db.primary.selectFrom('hotline_revisits').select(['id', 'order_no', 'version']).orderBy('order_no').execute();
      const [rp1, rp2] = ids.map((r) => ({ id: Number(r.id), version: Number(r.version) }));
      const assigned = await t.request({ method: 'POST', url: `/api/hotline/revisits/${rp2!.id}/assign`, cookie: admin, body: { gridCode: unit, version: rp2!.version } });
      expect(assigned.statusCode, assigned.body).toBe(200);
      const helped = await t.request({ method: 'POST', url: `/api/hotline/revisits/${rp1!.id}/help`, cookie: worker, body: { note: '已协调', version: rp1!.version } });
      expect(helped.statusCode, helped.body).toBe(200);
      const answered = await t.request({ method: 'POST', url: `/api/hotline/revisits/${rp1!.id}/answer`, cookie: worker, body: { note: '已回访', verdict: 'satisfied', version: helped.json<{ version: number }>().version } });
      expect(answered.statusCode, answered.body).toBe(200);
      expect(answered.json()).toMatchObject({ version: rp1!.version + 2 });
      expect(replay.count).toBeGreaterThanOrEqual(5);
    } finally {
      replay.restore();
    }
    const db = t.platform.db.primary;
    expect(await db.selectFrom('hotline_revisits').select('order_no').execute()).toHaveLength(2);
    const actions = (await db.selectFrom('audit_log').select('action').where('action', 'like', 'hotline.%').orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['hotline.revisit.create', 'hotline.revisit.create', 'hotline.revisit.update', 'hotline.revisit.assign', 'hotline.revisit.help', 'hotline.revisit.answer']);
  });
});
