import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayRange, shanghaiMonth } from '../../src/modules/livelihood/rules/period.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { household, setUpMechanisms, type MechanismFixture } from './support.js';

/**
 * 民生实事 end to end: a need collected from a resident, assessed, approved
 * with owner, budget and deadline, advanced with a photographed progress
 * update, done and given feedback; refusals of the state machine; the
 * collected/done figures per street and month matched against the raw rows;
 * another street's projects (and their photos) reading as 404.
 */
describe.each(DIALECTS)('livelihood projects on %s', (dialect) => {
  let t: TestApp;
  let f: MechanismFixture;
  const ids = { need: 0, rejected: 0 };
  let photo = '';

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpMechanisms(t);
  }, 120_000);
  afterAll(async () => t?.close());

  const call = async (cookie: string, url: string, body: unknown, status: number) => {
    const res = await t.request({ method: 'POST', url, cookie, body });
    expect(res.statusCode, `${url} ${res.body}`).toBe(status);
    return res;
  };
  const version = async (cookie: string, id: number) => (await t.request({ url: `/api/livelihood/needs/${id}`, cookie })).json().version as number;

  it('takes a need from a resident to a done project with photos and feedback', async () => {
    const { opsA, officerA } = f.cookies;
    const { residentId } = await household(t, officerA, f.unitA, 'L-H-1', '孙大爷');
    ids.need = (await call(opsA, '/api/livelihood/needs', {
      gridCode: f.communityA, title: '老旧小区加装电梯', description: '3 栋居民联名申请加装电梯', source: 'resident', sourceRef: '孙大爷等 12 户', residentId,
    }, 201)).json().id;
    expect((await call(opsA, '/api/livelihood/needs', { gridCode: f.communityB, title: 'x', source: 'meeting' }, 403)).json().code).toBe('LIVELIHOOD_OUT_OF_SCOPE');
    expect((await call(opsA, '/api/livelihood/needs', { gridCode: f.streetA, title: 'x', source: 'meeting' }, 422)).json().code).toBe('LIVELIHOOD_UNKNOWN_GRID');

    let v = await version(opsA, ids.need);
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/approve`, { version: v, owner: '住建科', budget: 1000, deadline: '2099-01-01' }, 409)).json().code).toBe('LIVELIHOOD_WRONG_STATUS');
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/assess`, { version: v, decision: 'reject', reason: ' ' }, 422)).json().code).toBe('LIVELIHOOD_REASON_REQUIRED');
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/assess`, { version: v + 5, decision: 'accept' }, 409)).json().code).toBe('CONFLICT');
    await call(opsA, `/api/livelihood/needs/${ids.need}/assess`, { version: v, decision: 'accept', reason: '符合年度民生实事范围' }, 204);

    v = await version(opsA, ids.need);
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/approve`, { version: v, owner: '住建科 李工', budget: 1000, deadline: '2020-01-01' }, 422)).json().code).toBe('LIVELIHOOD_DEADLINE_INVALID');
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/approve`, { version: v, owner: '住建科 李工', budget: 10.005, deadline: '2099-01-01' }, 422)).json().code).toBe('LIVELIHOOD_BUDGET_INVALID');
    await call(opsA, `/api/livelihood/needs/${ids.need}/approve`, { version: v, owner: '住建科 李工', budget: 360000.5, deadline: '2099-06-30' }, 204);

    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a7' } }).png().toBuffer();
    const upload = await t.request({ method: 'POST', url: '/api/files', cookie: opsA, body: png, headers: { 'content-type': 'image/png' } });
    expect(upload.statusCode, upload.body).toBe(201);
    photo = upload.json().hash as string;
    const otherPng = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a37' } }).png().toBuffer();
    const othersPhoto = (await t.request({ method: 'POST', url: '/api/files', cookie: f.cookies.opsB, body: otherPng, headers: { 'content-type': 'image/png' } })).json().hash as string;

    v = await version(opsA, ids.need);
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/progress`, { version: v, percent: 40, note: '井道施工', photos: [othersPhoto] }, 422)).json().code).toBe('LIVELIHOOD_FILE_UNKNOWN');
    await call(opsA, `/api/livelihood/needs/${ids.need}/progress`, { version: v, percent: 40, note: '井道施工', photos: [photo] }, 204);
    v = await version(opsA, ids.need);
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/progress`, { version: v, percent: 30, note: '倒退' }, 422)).json().code).toBe('LIVELIHOOD_PERCENT_INVALID');
    expect((await call(opsA, `/api/livelihood/needs/${ids.need}/feedback`, { residentName: '孙大爷', satisfaction: 'satisfied' }, 409)).json().code).toBe('LIVELIHOOD_WRONG_STATUS');
    await call(opsA, `/api/livelihood/needs/${ids.need}/complete`, { version: v, note: '电梯通过验收投入使用', photos: [photo] }, 204);
    await call(opsA, `/api/livelihood/needs/${ids.need}/feedback`, { residentName: '孙大爷', satisfaction: 'satisfied', comment: '上下楼方便了' }, 201);

    const detail = (await t.request({ url: `/api/livelihood/needs/${ids.need}`, cookie: opsA })).json();
    expect(detail).toMatchObject({ status: 'done', progress: 100, owner: '住建科 李工', budget: 360000.5, deadline: '2099-06-30', source: 'resident', residentId, reason: '符合年度民生实事范围' });
    expect(detail.updates.map((u: { percent: number; photos: string[] }) => [u.percent, u.photos])).toEqual([[40, [photo]], [100, [photo]]]);
    expect(detail.feedback).toEqual([expect.objectContaining({ residentName: '孙大爷', satisfaction: 'satisfied' })]);
    const served = await t.request({ url: `/api/livelihood/needs/${ids.need}/photos/${photo}`, cookie: f.cookies.admin });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect((await t.request({ url: `/api/livelihood/needs/${ids.need}/photos/${othersPhoto}`, cookie: opsA })).statusCode).toBe(404);

    ids.rejected = (await call(opsA, '/api/livelihood/needs', { gridCode: f.unitA, title: '私家车位改造', source: 'meeting', sourceRef: '社区联席会议' }, 201)).json().id;
    await call(opsA, `/api/livelihood/needs/${ids.rejected}/assess`, { version: 1, decision: 'reject', reason: '属于业主自治事项' }, 204);
    expect((await call(opsA, `/api/livelihood/needs/${ids.rejected}/approve`, { version: 2, owner: 'x', budget: 1, deadline: '2099-01-01' }, 409)).json().code).toBe('LIVELIHOOD_WRONG_STATUS');
  });

  it('counts collected and done per street and month as the raw rows do', async () => {
    const { admin, opsA, opsB } = f.cookies;
    // Spread needs over two streets and two months by their stored times, as the demo does.
    const db = t.platform.db.primary;
    for (const [cookie, grid, n] of [[opsA, f.communityA2, 3], [opsB, f.communityB, 4]] as const) {
      for (let i = 0; i < n; i++) await call(cookie, '/api/livelihood/needs', { gridCode: grid, title: `需求${i}`, source: 'visit' }, 201);
    }
    const all = await db.selectFrom('livelihood_needs').select(['id']).orderBy('id').execute();
    const oct = dayRange('2026-10-10', '2026-10-10').start + 3_600_000;
    const nov = dayRange('2026-11-30', '2026-11-30').start + 1_000;
    for (const [i, r] of all.entries()) {
      const collectedAt = i % 2 === 0 ? oct : nov;
      const doneAt = i % 3 === 0 ? nov + 86_400_000 : null;
      await db.updateTable('livelihood_needs').set({ collected_at: collectedAt, done_at: doneAt, status: doneAt ? 'done' : 'collected' }).where('id', '=', r.id).execute();
    }
    const rows = await db.selectFrom('livelihood_needs').select(['grid_code', 'collected_at', 'done_at']).execute();
    const { start, end } = dayRange('2026-10-01', '2026-11-30');
    const inRange = (ms: number | null) => ms !== null && Number(ms) >= start && Number(ms) < end;
    const expected = new Map<string, { collected: number; done: number }>();
    const months = new Map<string, { collected: number; done: number }>();
    for (const r of rows) {
      const k = r.grid_code.slice(0, 9);
      if (!expected.has(k)) expected.set(k, { collected: 0, done: 0 });
      if (inRange(r.collected_at)) {
        expected.get(k)!.collected++;
        const m = shanghaiMonth(Number(r.collected_at));
        months.set(m, { collected: (months.get(m)?.collected ?? 0) + 1, done: months.get(m)?.done ?? 0 });
      }
      if (inRange(r.done_at)) {
        expected.get(k)!.done++;
        const m = shanghaiMonth(Number(r.done_at));
        months.set(m, { collected: months.get(m)?.collected ?? 0, done: (months.get(m)?.done ?? 0) + 1 });
      }
    }
    const figures = (await t.request({ url: '/api/livelihood/figures?from=2026-10-01&to=2026-11-30', cookie: admin })).json();
    const want = [...expected.entries()].filter(([, v]) => v.collected + v.done > 0).sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => ({ code, ...v }));
    expect(figures.byArea.map(({ code, collected, done }: { code: string; collected: number; done: number }) => ({ code, collected, done }))).toEqual(want);
    expect(figures.byMonth).toEqual([...months.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([month, v]) => ({ month, ...v })));
    expect(figures.total.collected).toBe(rows.filter((r) => inRange(r.collected_at)).length);
    expect(figures.total.done).toBe(rows.filter((r) => inRange(r.done_at)).length);
    // The done ones of 1 December fall outside November.
    const nov30 = (await t.request({ url: '/api/livelihood/figures?from=2026-11-01&to=2026-11-30', cookie: admin })).json();
    expect(nov30.total.done).toBe(0);
    const streetOnly = (await t.request({ url: '/api/livelihood/figures?from=2026-10-01&to=2026-11-30&by=community', cookie: opsA })).json();
    expect(streetOnly.byArea.every((a: { code: string }) => a.code.startsWith(f.streetA))).toBe(true);
    expect((await t.request({ url: '/api/livelihood/figures?from=2026-11-30&to=2026-10-01', cookie: admin })).statusCode).toBe(422);
  });

  it('reads another street\'s projects and their photos as 404', async () => {
    const { opsB } = f.cookies;
    expect((await t.request({ url: `/api/livelihood/needs/${ids.need}`, cookie: opsB })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/livelihood/needs/${ids.need}/photos/${photo}`, cookie: opsB })).statusCode).toBe(404);
    for (const [action, body] of [
      ['assess', { version: 1, decision: 'accept' }], ['approve', { version: 1, owner: 'x', budget: 1, deadline: '2099-01-01' }],
      ['progress', { version: 1, percent: 10, note: 'x' }], ['complete', { version: 1, note: 'x' }], ['feedback', { residentName: 'x', satisfaction: 'basic' }],
    ] as const) {
      const res = await t.request({ method: 'POST', url: `/api/livelihood/needs/${ids.need}/${action}`, cookie: opsB, body });
      expect(res.statusCode, action).toBe(404);
    }
    const list = (await t.request({ url: '/api/livelihood/needs?pageSize=200', cookie: opsB })).json();
    expect(list.items.length).toBeGreaterThan(0);
    expect(list.items.every((n: { gridCode: string }) => n.gridCode.startsWith(f.streetB))).toBe(true);
  });
});
