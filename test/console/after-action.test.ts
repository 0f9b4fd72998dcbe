import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

/**
 * After an action (issue 15 item 4): only actions that make sense are offered
 * (no 不予立案 once a case is registered), and a handler who returns a case
 * no longer sees it (the console then takes them back to their queue).
 */
describe.each(DIALECTS)('after an action on %s', (dialect) => {
  let t: TestApp;
  const c: Record<string, string> = {};
  let point: { lng: number; lat: number };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    for (const u of ['operator', 'dispatcher', 'handler', 'supervisor']) c[u] = await t.login(u);
    point = (await gridHelper(t)).pointIn(await scopeOf(t, 'worker'));
  });
  afterAll(async () => t?.close());

  async function reported(): Promise<number> {
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: c.operator!, body: { channel: 'operator_phone', description: '占道经营', position: { ...point, crs: 'wgs84' } } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().incident.id as number;
  }

  it('offers 不予立案 for a report, not for a registered case, and refuses it there', async () => {
    const id = await reported();
    for (const u of ['operator', 'dispatcher']) {
      expect((await t.request({ url: `/api/incidents/${id}`, cookie: c[u]! })).json().allowedActions, u).toContain('reject');
    }
    expect((await act(t, c.operator!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    for (const u of ['operator', 'dispatcher', 'supervisor']) {
      const allowed = (await t.request({ url: `/api/incidents/${id}`, cookie: c[u]! })).json().allowedActions as string[];
      expect(allowed, u).not.toContain('reject');
    }
    expect((await t.request({ url: `/api/incidents/${id}`, cookie: c.dispatcher! })).json().allowedActions).toContain('dispatch');
    const refused = await act(t, c.dispatcher!, id, { type: 'reject', reason: '不属于受理范围' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().details.refusal).toBe('invalid_status');
    const rejectable = await reported();
    const ok = await act(t, c.operator!, rejectable, { type: 'reject', reason: '重复上报' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().incident.status).toBe('rejected');
  });

  it('takes a returned case out of the handler’s sight while the desk keeps it', async () => {
    const id = await reported();
    expect((await act(t, c.operator!, id, { type: 'register', categoryCode: D01_CATEGORY.code })).statusCode).toBe(200);
    expect((await act(t, c.dispatcher!, id, { type: 'dispatch', leadDepartmentCode: 'D01' })).statusCode).toBe(200);
    const returned = await act(t, c.handler!, id, { type: 'return', reason: '不属于本部门职责' });
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json().incident.status).toBe('registered');
    expect((await t.request({ url: `/api/incidents/${id}`, cookie: c.handler! })).statusCode).toBe(404);
    const queue = (await t.request({ url: '/api/incidents/queues/my-department?pageSize=200', cookie: c.handler! })).json();
    expect((queue.items as { id: number }[]).map((i) => i.id)).not.toContain(id);
    const desk = (await t.request({ url: `/api/incidents/${id}`, cookie: c.dispatcher! })).json();
    expect(desk.allowedActions).toContain('dispatch');
  });
});
