import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf, userWith } from '../incidents/support.js';
import { handleToClosed } from '../citizens/support.js';

describe.each(DIALECTS)('the 12345 link on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let key: string;
  let clientId: number;
  let grids: Awaited<ReturnType<typeof gridHelper>>;
  let streetA: string;
  let streetB: string;
  let unitA: string;
  let unitB: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    grids = await gridHelper(t);
    [streetA, streetB] = grids.streets as [string, string];
    unitA = grids.units.find((u) => u.startsWith(streetA))!;
    unitB = grids.units.find((u) => u.startsWith(streetB))!;
    const res = await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: '12345 热线平台', scopes: ['hotline.push'], scopeCode: streetA, ratePerMinute: 1000 } });
    expect(res.statusCode, res.body).toBe(201);
    ({ id: clientId, apiKey: key } = res.json() as { id: number; apiKey: string });
  }, 120_000);
  afterAll(async () => t?.close());

  const push = (body: Record<string, unknown>, apiKey = key) => t.request({ method: 'POST', url: '/api/hotline/orders', headers: { 'x-api-key': apiKey }, body });
  const order = (externalNo: string, unit = unitA, extra: Record<string, unknown> = {}) => ({
    externalNo, content: '小区门口井盖缺失', address: '雨花路 1 号', position: { ...grids.pointIn(unit), crs: 'wgs84' },
    deadline: '2026-12-10T18:00:00+08:00', caller: { name: '张三丰', phone: '13812345678' }, ...extra,
  });

  it('makes a hotline_12345 case in the intake queue, caller masked, deadline kept', async () => {
    const res = await push(order('GD2026120400001'));
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as { caseCode: string; status: string; statusText: { 'zh-CN': string }; deadline: string };
    expect(body).toMatchObject({ externalNo: 'GD2026120400001', status: 'reported', statusText: { 'zh-CN': '待受理' }, deadline: '2026-12-10T10:00:00.000Z' });
    const incident = await t.platform.db.primary.selectFrom('incidents').selectAll().where('code', '=', body.caseCode).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ channel: 'hotline_12345', external_ref: 'GD2026120400001', grid_code: unitA, reporter_name: '张**', reporter_phone_masked: '138****5678', status: 'reported' });
    const stored = await t.platform.db.primary.selectFrom('hotline_orders').selectAll().where('incident_id', '=', incident.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain('13812345678');
    expect(JSON.stringify(stored)).not.toContain('张三丰');
    const operator = await userWith(t, `op_${dialect}`, 'intake_operator', streetA);
    const staff = await t.request({ url: `/api/incidents/${incident.id}/hotline-order`, cookie: operator });
    expect(staff.statusCode, staff.body).toBe(200);
    expect(staff.json().order).toMatchObject({ externalNo: 'GD2026120400001', deadline: '2026-12-10T10:00:00.000Z', callerName: '张**', callerPhone: '138****5678', caseCode: body.caseCode });
    // Another street's operator does not see the case, nor its order.
    const other = await userWith(t, `opb_${dialect}`, 'intake_operator', streetB);
    expect((await t.request({ url: `/api/incidents/${incident.id}/hotline-order`, cookie: other })).statusCode).toBe(404);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'details']).where('object_type', '=', 'hotline_order').where('object_id', '=', String(stored.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(['hotline.order.receive']);
    expect(JSON.stringify(audit)).not.toContain('13812345678');
  });

  it('takes the caller\'s verdict on its own closed order once, counted in the 12345 satisfaction rate', async () => {
    const workerGrid = await scopeOf(t, 'worker');
    const client = (await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: '12345 回访', scopes: ['hotline.push'], scopeCode: workerGrid.slice(0, 9), ratePerMinute: 1000 } })).json() as { apiKey: string };
    const other = (await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: '另一系统', scopes: ['hotline.push'], scopeCode: workerGrid.slice(0, 9), ratePerMinute: 1000 } })).json() as { apiKey: string };
    const pushed = await push(order('GD2026120499001', workerGrid), client.apiKey);
    expect(pushed.statusCode, pushed.body).toBe(201);
    const verdict = (body: Record<string, unknown>, apiKey = client.apiKey, no = 'GD2026120499001') =>
      t.request({ method: 'POST', url: `/api/hotline/orders/${no}/verdict`, headers: { 'x-api-key': apiKey }, body });
    // Not closed yet: refused, nothing stored.
    expect((await verdict({ verdict: 'satisfied' })).statusCode).toBe(422);
    const incident = await t.platform.db.primary.selectFrom('incidents').select(['id', 'reported_at']).where('code', '=', pushed.json().caseCode).executeTakeFirstOrThrow();
    const c: Record<string, string> = {};
    for (const u of ['operator', 'dispatcher', 'handler', 'worker']) c[u] = await t.login(u);
    await handleToClosed(t, c, Number(incident.id));
    expect((await verdict({ verdict: 'satisfied' }, other.apiKey)).statusCode).toBe(404);
    expect((await verdict({ verdict: 'great' })).statusCode).toBe(400);
    const ok = await verdict({ verdict: 'basically_satisfied', comment: '处理及时' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ verdict: 'basically_satisfied', source: 'hotline', comment: '处理及时' });
    expect((await verdict({ verdict: 'unsatisfied' })).statusCode).toBe(409);
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const kpi = await t.request({ url: `/api/evaluation/satisfaction?level=district&code=${workerGrid.slice(0, 6)}&from=${day}&to=${day}`, cookie: await t.login('leader') });
    expect(kpi.statusCode, kpi.body).toBe(200);
    expect(kpi.json().channels.hotline.basicallySatisfied).toBe(1);
  });

  it('makes one case of duplicate pushes: 201 then 200 with the same code, also when they race', async () => {
    const first = await push(order('GD2026120400002'));
    const again = await push(order('GD2026120400002'));
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json().caseCode).toBe(first.json().caseCode);

    const racing = await Promise.all(Array.from({ length: 6 }, () => push(order('GD2026120400003'))));
    const statuses = racing.map((r) => r.statusCode).sort();
    expect(statuses, racing.map((r) => r.body).join('\n')).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(racing.map((r) => r.json().caseCode)).size).toBe(1);
    const cases = await t.platform.db.primary.selectFrom('incidents').select('id').where('external_ref', '=', 'GD2026120400003').execute();
    expect(cases).toHaveLength(1);
    const status = await t.request({ url: '/api/hotline/orders/GD2026120400003', headers: { 'x-api-key': key } });
    expect(status.json()).toMatchObject({ caseCode: racing[0]!.json().caseCode, status: 'reported', statusText: { en: 'received, awaiting intake' } });
  });

  it('refuses an order outside the client\'s grid scope with 422, and another client\'s order reads as 404', async () => {
    const res = await push(order('GD2026120400004', unitB));
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('HOTLINE_OUT_OF_SCOPE');
    expect(await t.platform.db.primary.selectFrom('hotline_orders').select('id').where('external_no', '=', 'GD2026120400004').execute()).toHaveLength(0);
    expect((await push(order('GD2026120400005', unitA, { deadline: 'next week' }))).statusCode).toBe(422);
    expect((await push({ externalNo: 'GD2026120400006', content: 'x' })).statusCode).toBe(400);
    const other = (await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: '另一 12345', scopes: ['hotline.push'], scopeCode: streetA } })).json() as { apiKey: string };
    expect((await t.request({ url: '/api/hotline/orders/GD2026120400001', headers: { 'x-api-key': other.apiKey } })).statusCode).toBe(404);
    const share = (await t.request({ method: 'POST', url: '/api/clients', cookie: admin, body: { name: '人社', scopes: ['share.residents.verify'], scopeCode: streetA } })).json() as { apiKey: string };
    expect((await push(order('GD2026120400007'), share.apiKey)).statusCode).toBe(403);
    expect((await push(order('GD2026120400007'), 'cgk_000000000000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')).statusCode).toBe(401);
  });

  it('keeps an order without a position waiting until an operator locates it', async () => {
    const res = await push({ externalNo: 'GD2026120400008', content: '路灯不亮', address: '雨花路与劳动路交叉口', caller: { phone: '13900001111' } });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ caseCode: null, status: 'awaiting_location' });
    expect((await push({ externalNo: 'GD2026120400008', content: '路灯不亮', address: '雨花路与劳动路交叉口' })).statusCode).toBe(200);
    const operator = await t.login(`op_${dialect}`);
    const other = await t.login(`opb_${dialect}`);
    const waiting = (await t.request({ url: '/api/hotline/awaiting-location', cookie: operator })).json().items as { id: number; externalNo: string; callerPhone: string }[];
    const mine = waiting.find((w) => w.externalNo === 'GD2026120400008')!;
    expect(mine.callerPhone).toBe('139****1111');
    expect(((await t.request({ url: '/api/hotline/awaiting-location', cookie: other })).json().items as unknown[]).length).toBe(0);
    expect((await t.request({ method: 'POST', url: `/api/hotline/awaiting-location/${mine.id}/locate`, cookie: other, body: { gridCode: unitB } })).statusCode).toBe(404);
    const located = await t.request({ method: 'POST', url: `/api/hotline/awaiting-location/${mine.id}/locate`, cookie: operator, body: { gridCode: unitA } });
    expect(located.statusCode, located.body).toBe(201);
    const code = located.json().incident.code as string;
    expect((await t.request({ method: 'POST', url: `/api/hotline/awaiting-location/${mine.id}/locate`, cookie: operator, body: { gridCode: unitA } })).statusCode).toBe(409);
    const status = await t.request({ url: '/api/hotline/orders/GD2026120400008', headers: { 'x-api-key': key } });
    expect(status.json()).toMatchObject({ caseCode: code, status: 'reported' });
    const incident = await t.platform.db.primary.selectFrom('incidents').select(['channel', 'reporter_phone_masked', 'address']).where('code', '=', code).executeTakeFirstOrThrow();
    expect(incident).toEqual({ channel: 'hotline_12345', reporter_phone_masked: '139****1111', address: '雨花路与劳动路交叉口' });
    const usage = (await t.request({ url: `/api/clients/${clientId}/usage`, cookie: admin })).json().items as { scope: string; calls: number }[];
    expect(usage.find((u) => u.scope === 'hotline.push')!.calls).toBeGreaterThan(5);
  });
});
