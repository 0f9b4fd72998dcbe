import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

/**
 * Urges reach the department (issue 15 item 3): an urged case is marked in
 * lists, comes first in the department's queue, is counted on the caller's
 * queue summary (the home page), and its detail says who urged it, when and
 * how often.
 */
describe.each(DIALECTS)('urges on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let point: { lng: number; lat: number };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'supervisor', 'leader']) c[u] = await t.login(u);
    const grids = await gridHelper(t);
    point = grids.pointIn(await scopeOf(t, 'worker'));
  });
  afterAll(async () => t?.close());

  async function dispatched(description: string): Promise<number> {
    const res = await t.request({
      method: 'POST', url: '/api/incidents', cookie: c.operator!,
      body: { channel: 'operator_phone', description, position: { ...point, crs: 'wgs84' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().incident.id as number;
    expect((await act(t, c.operator!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    return id;
  }

  async function summary(cookie: string) {
    const res = await t.request({ url: '/api/incidents/queues', cookie });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as { queue: string; total: number; totalCapped: boolean; urged: number; urgedCapped: boolean }[];
  }

  it('puts urged cases first in the department queue, counts and shows them', async () => {
    const before = (await summary(c.handler!)).find((q) => q.queue === 'my-department')!;
    expect(before).toBeDefined();
    const first = await dispatched('路灯不亮 一');
    const second = await dispatched('路灯不亮 二');

    // Not urged yet: the earlier deadline comes first.
    let queue = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.handler! })).json();
    let ids = (queue.items as { id: number }[]).map((i) => i.id);
    expect(ids.indexOf(first)).toBeLessThan(ids.indexOf(second));

    const urge1 = await act(t, c.supervisor!, second, { type: 'urge', note: '群众多次反映，请加快' });
    expect(urge1.statusCode, urge1.body).toBe(200);
    expect(urge1.json().incident).toMatchObject({ urgeCount: 1 });
    expect(urge1.json().incident.lastUrgedAt).toEqual(expect.any(String));
    expect((await act(t, c.supervisor!, second, { type: 'urge' })).statusCode).toBe(200);

    queue = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.handler! })).json();
    const items = queue.items as { id: number; urgeCount: number; lastUrgedAt: string | null }[];
    ids = items.map((i) => i.id);
    expect(ids.indexOf(second)).toBeLessThan(ids.indexOf(first));
    // Every urged case comes before every case that was not.
    const lastUrged = items.map((i) => i.urgeCount > 0).lastIndexOf(true);
    const firstCalm = items.findIndex((i) => i.urgeCount === 0);
    expect(lastUrged).toBeLessThan(firstCalm);
    const row = items.find((i) => i.id === second)!;
    expect(row.urgeCount).toBe(2);
    expect(Date.parse(row.lastUrgedAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(items.find((i) => i.id === first)!.lastUrgedAt).toBeNull();

    const after = (await summary(c.handler!)).find((q) => q.queue === 'my-department')!;
    expect(after.total).toBe(before.total + 2);
    expect(after.urged).toBe(before.urged + 1);

    const detail = (await t.request({ url: `/api/incidents/${second}`, cookie: c.handler! })).json();
    expect(detail.urges).toHaveLength(2);
    expect(detail.urges[0]).toMatchObject({ actorName: '值班长 张伟', note: null });
    expect(detail.urges[1]).toMatchObject({ actorName: '值班长 张伟', note: '群众多次反映，请加快' });
    expect(Date.parse(detail.urges[0].at)).toBeGreaterThanOrEqual(Date.parse(detail.urges[1].at));
    const calm = (await t.request({ url: `/api/incidents/${first}`, cookie: c.handler! })).json();
    expect(calm.urges).toEqual([]);
  });

  it("lists only the caller's own queues in the summary", async () => {
    expect((await summary(c.handler!)).map((q) => q.queue)).toEqual(['my-department']);
    expect((await summary(c.leader!)).map((q) => q.queue)).toEqual([]);
    const supervisor = await summary(c.supervisor!);
    expect(supervisor.map((q) => q.queue)).toEqual(expect.arrayContaining(['to-approve', 'overdue', 'urged']));
    const urged = supervisor.find((q) => q.queue === 'urged')!;
    expect(urged.urged).toBe(urged.total);
    expect(urged.total).toBeGreaterThan(0);
  });
});
