/**
 * The demo's joint meetings and campaigns: loaded with the incidents, once
 * (a second load writes nothing more), readable through the API by the
 * first street's operator, with the risen item on the street's agenda and
 * the campaign's answered places counted in its progress.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemo } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

describe.each(DIALECTS)('demo meetings and campaigns (%s)', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    await loadDemo(t.platform, { scale: 0.2, residentsScale: 0.002, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
    await loadDemo(t.platform, { scale: 0.2, residentsScale: 0.002, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
  }, 240_000);
  afterAll(async () => t?.close());

  it('holds three meetings and two campaigns, written once, seen by the first street', async () => {
    const db = t.platform.db.primary;
    expect(Number((await db.selectFrom('meetings').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(3);
    expect(Number((await db.selectFrom('campaigns').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(2);
    const firstStreet = (await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirstOrThrow()).code;
    const operator = (await db.selectFrom('users').select('username').where('username', 'like', `st${firstStreet.slice(6)}-%`).orderBy('username').executeTakeFirstOrThrow()).username;
    const cookie = await t.login(operator);
    const meetings = (await t.request({ url: '/api/meetings', cookie })).json().items as { id: number; level: string; status: string }[];
    expect(meetings.map((m) => [m.level, m.status]).sort()).toEqual([['community', 'closed'], ['street', 'planned']]);
    const street = (await t.request({ url: `/api/meetings/${meetings.find((m) => m.level === 'street')!.id}`, cookie })).json();
    const community = (await t.request({ url: `/api/meetings/${meetings.find((m) => m.level === 'community')!.id}`, cookie })).json();
    const risen = community.items.filter((i: { outcome: string }) => i.outcome === 'unresolved');
    expect(street.items.filter((i: { source: string }) => i.source === 'risen').map((i: { risenFrom: { itemId: number } }) => i.risenFrom.itemId)).toEqual(risen.map((i: { id: number }) => i.id));
    const campaigns = (await t.request({ url: '/api/campaigns', cookie })).json().items as { id: number; title: string; status: string; progress: { total: number; done: number } }[];
    const fire = campaigns.find((c) => c.title === '消防安全排查')!;
    const places = Number((await db.selectFrom('places').select((eb) => eb.fn.countAll<number>().as('n')).where('grid_code', 'like', `${firstStreet}%`).executeTakeFirstOrThrow()).n);
    const answered = Number((await db.selectFrom('campaign_responses').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    expect(fire).toMatchObject({ status: 'pushed', progress: { total: places, done: answered } });
    expect(answered).toBeGreaterThan(0);

    // Households and residents as targets: counted from the base data of the community, listed by number or name only.
    const firstCommunity = (await db.selectFrom('grids').select('code').where('level', '=', 'community').where('parent_code', '=', firstStreet).orderBy('code').executeTakeFirstOrThrow()).code;
    const countIn = async (table: 'households' | 'residents') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).where('grid_code', 'like', `${firstCommunity}%`).executeTakeFirstOrThrow()).n);
    const insurance = campaigns.find((c) => c.title === '社保核查')!;
    expect(insurance).toMatchObject({ status: 'draft', progress: { total: await countIn('residents'), done: 0 } });
    const households = await t.request({ method: 'POST', url: '/api/campaigns', cookie, body: {
      title: '疫情防控', targetType: 'household', gridCodes: [firstCommunity], deadline: new Date(Date.now() + 86_400_000).toISOString(),
      questions: [{ key: 'q1', label: '在家人数', type: 'number', required: true }],
    } });
    expect(households.statusCode, households.body).toBe(201);
    const total = await countIn('households');
    expect(total).toBeGreaterThan(0);
    expect(households.json().progress).toEqual({ total, done: 0, problems: 0 });
    const listed = (await t.request({ url: `/api/campaigns/${households.json().id}/targets`, cookie })).json();
    expect(listed.total).toBe(total);
    expect(listed.items[0].label).toMatch(/^户号 /);
    const residents = (await t.request({ url: `/api/campaigns/${insurance.id}/targets`, cookie })).json();
    expect(residents.total).toBe(await countIn('residents'));
    expect(JSON.stringify(residents.items[0])).not.toMatch(/\d{17}[\dX]/);
  });
});
