/**
 * Campaigns end to end over HTTP: drafted and pushed by a street operator,
 * filled per target by the grid worker of a unit grid, progress per grid
 * against an independent count of the base data, a finding turned into one
 * incident (a retry makes no second), bad answers refused with nothing
 * written, and another street's users answered 404 on every id route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { D01_CATEGORY, scopeOf, userWith } from '../incidents/support.js';

const QUESTIONS = [
  { key: 'extinguisher', label: '灭火器在有效期内', type: 'yes_no', required: true, problemAnswers: [false] },
  { key: 'exits', label: '安全出口', type: 'choice', required: true, options: ['畅通', '堵塞'], problemAnswers: ['堵塞'] },
  { key: 'count', label: '灭火器数量', type: 'number', required: false },
];

describe.each(DIALECTS)('campaigns (%s)', (dialect) => {
  let t: TestApp;
  let street: string;
  let worker: string;
  let otherStreet: string;
  let otherWorker: string;
  let unit: string;
  let community: string;
  let campaignId: number;
  let version: number;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    street = await t.login('street');
    worker = await t.login('worker');
    unit = await scopeOf(t, 'worker');
    community = unit.slice(0, 12);
    const streetA = unit.slice(0, 9);
    const db = t.platform.db.primary;
    const streetB = (await db.selectFrom('grids').select('code').where('level', '=', 'street').where('code', '!=', streetA).orderBy('code').executeTakeFirstOrThrow()).code;
    const unitB = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetB}%`).orderBy('code').executeTakeFirstOrThrow()).code;
    otherStreet = await userWith(t, 'st-b', 'street_operator', streetB);
    otherWorker = await userWith(t, 'gw-b', 'grid_worker', unitB);
    // Places kept through the base data module: three in the worker's unit grid, one in a neighbouring one.
    const officer = await t.login('basedata');
    const neighbour = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${community}%`).where('code', '!=', unit).orderBy('code').executeTakeFirstOrThrow()).code;
    for (const [gridCode, name] of [[unit, '张记小吃'], [unit, '便民超市'], [unit, '社区诊所'], [neighbour, '五金店']]) {
      const res = await t.request({ method: 'POST', url: '/api/places', cookie: officer, body: { gridCode, name, type: 'small_shop' } });
      expect(res.statusCode, res.body).toBe(201);
    }
  }, 240_000);
  afterAll(async () => t?.close());

  const count = async (table: 'places' | 'incidents' | 'campaign_responses', prefix = '') => Number((await t.platform.db.primary.selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n')).where(table === 'campaign_responses' ? 'campaign_id' : 'id', '>', 0)
    .where('grid_code', 'like', `${prefix}%`).executeTakeFirstOrThrow()).n);

  it('drafts a campaign seen by its managers only, then pushes it to the community', async () => {
    const bad = await t.request({ method: 'POST', url: '/api/campaigns', cookie: street, body: {
      title: 'x', targetType: 'place', questions: [...QUESTIONS, QUESTIONS[0]], gridCodes: [community], deadline: new Date(Date.now() + 86_400_000).toISOString(),
    } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('CAMPAIGN_FORM_INVALID');
    const foreign = await t.request({ method: 'POST', url: '/api/campaigns', cookie: otherStreet, body: {
      title: 'x', targetType: 'place', questions: QUESTIONS, gridCodes: [community], deadline: new Date(Date.now() + 86_400_000).toISOString(),
    } });
    expect(foreign.statusCode).toBe(403);

    const res = await t.request({ method: 'POST', url: '/api/campaigns', cookie: street, body: {
      title: '消防安全排查', targetType: 'place', questions: QUESTIONS, gridCodes: [community], categoryCode: D01_CATEGORY.code,
      deadline: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    } });
    expect(res.statusCode, res.body).toBe(201);
    const draft = res.json();
    campaignId = draft.id;
    expect(draft).toMatchObject({ status: 'draft', owner: { code: unit.slice(0, 9) }, progress: { total: await count('places', community), done: 0 } });
    expect((await t.request({ url: `/api/campaigns/${campaignId}`, cookie: worker })).statusCode).toBe(404);
    const pushed = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/push`, cookie: street, body: { version: draft.version } });
    expect(pushed.statusCode, pushed.body).toBe(200);
    version = pushed.json().version;
    const mine = await t.request({ url: '/api/campaigns', cookie: worker });
    expect(mine.json().items.map((c: { id: number }) => c.id)).toEqual([campaignId]);
  });

  it('lets the grid worker fill the targets of their grid; a finding becomes one incident; progress counts per grid', async () => {
    const targets = await t.request({ url: `/api/campaigns/${campaignId}/targets`, cookie: worker });
    expect(targets.statusCode).toBe(200);
    const items = targets.json().items as { targetId: number; gridCode: string; response: unknown }[];
    const own = await count('places', unit);
    expect(own).toBeGreaterThanOrEqual(2);
    expect(items).toHaveLength(own);
    expect(items.every((i) => i.gridCode === unit && i.response === null)).toBe(true);
    const [first, second] = items;

    const before = await count('incidents');
    const invalid = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: { targetId: first!.targetId, answers: { exits: '半堵' } } });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({ code: 'CAMPAIGN_ANSWERS_INVALID' });
    expect(await count('campaign_responses')).toBe(0);

    const fine = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: { targetId: first!.targetId, answers: { extinguisher: true, exits: '畅通', count: 4 } } });
    expect(fine.statusCode, fine.body).toBe(200);
    expect(fine.json().response).toMatchObject({ problem: false, incident: null });
    expect(await count('incidents')).toBe(before);

    const finding = { targetId: second!.targetId, answers: { extinguisher: false, exits: '堵塞' }, problemNote: '安全出口堆放杂物' };
    const flagged = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: finding });
    expect(flagged.statusCode, flagged.body).toBe(200);
    const incident = flagged.json().response.incident as { id: number; code: string };
    expect(incident).not.toBeNull();
    const created = (await t.request({ url: `/api/incidents/${incident.id}`, cookie: street })).json().incident;
    expect(created).toMatchObject({ gridCode: unit, channel: 'grid_worker', categoryCode: D01_CATEGORY.code });
    expect(created.description).toContain('安全出口堆放杂物');
    // The phone retries (or the worker edits the form): the same incident stays linked, none is added.
    const again = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: finding });
    expect(again.json().response.incident.id).toBe(incident.id);
    expect(await count('incidents')).toBe(before + 1);

    const progress = await t.request({ url: `/api/campaigns/${campaignId}/progress`, cookie: street });
    const rows = progress.json().items as { gridCode: string; total: number; done: number; problems: number }[];
    const units = await t.platform.db.primary.selectFrom('places').select(['grid_code', (eb) => eb.fn.countAll<number>().as('n')]).where('grid_code', 'like', `${community}%`).groupBy('grid_code').execute();
    expect(rows.map((r) => [r.gridCode, r.total]).sort()).toEqual(units.map((u) => [u.grid_code, Number(u.n)]).sort());
    expect(rows.find((r) => r.gridCode === unit)).toMatchObject({ done: 2, problems: 1 });
    expect(rows.filter((r) => r.gridCode !== unit).every((r) => r.done === 0)).toBe(true);
    const detail = (await t.request({ url: `/api/campaigns/${campaignId}`, cookie: street })).json();
    expect(detail.progress).toEqual({ total: await count('places', community), done: 2, problems: 1 });
    const pending = await t.request({ url: `/api/campaigns/${campaignId}/targets?status=pending`, cookie: worker });
    expect(pending.json().total).toBe(own - 2);
  });

  it('answers 404 for targets outside the worker\'s grid and for another street\'s users on every id route', async () => {
    const outside = await t.platform.db.primary.selectFrom('places').select('id').where('grid_code', 'like', `${community}%`).where('grid_code', '!=', unit).executeTakeFirst();
    if (outside) {
      const res = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: { targetId: Number(outside.id), answers: { extinguisher: true, exits: '畅通' } } });
      expect(res.statusCode).toBe(404);
    }
    const probes: [string, string, string, unknown][] = [
      [otherStreet, 'GET', `/api/campaigns/${campaignId}`, undefined],
      [otherStreet, 'GET', `/api/campaigns/${campaignId}/progress`, undefined],
      [otherStreet, 'GET', `/api/campaigns/${campaignId}/targets`, undefined],
      [otherStreet, 'POST', `/api/campaigns/${campaignId}/push`, { version }],
      [otherStreet, 'POST', `/api/campaigns/${campaignId}/close`, { version }],
      [otherWorker, 'POST', `/api/campaigns/${campaignId}/responses`, { targetId: 1, answers: { extinguisher: true, exits: '畅通' } }],
    ];
    for (const [cookie, method, url, body] of probes) {
      const res = await t.request({ method, url, cookie, body });
      expect(res.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await t.request({ url: '/api/campaigns', cookie: otherWorker })).json().items).toEqual([]);
  });

  it('takes no answers once closed', async () => {
    const closed = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/close`, cookie: street, body: { version } });
    expect(closed.statusCode).toBe(200);
    const target = (await t.request({ url: `/api/campaigns/${campaignId}/targets?status=pending`, cookie: worker })).json().items[0];
    const res = await t.request({ method: 'POST', url: `/api/campaigns/${campaignId}/responses`, cookie: worker, body: { targetId: target.targetId, answers: { extinguisher: true, exits: '畅通' } } });
    expect(res.statusCode).toBe(409);
  });
});
