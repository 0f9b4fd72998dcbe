import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { SuggesterScheduler } from '../../src/modules/incidents/suggester/schedule.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

interface Answer { suggestions: { code: string; nameZh: string; confidence: number }[]; trainedAt: string | null }

/** The demo's hotline orders show the seed's figures; the suggester trains from the demo history and answers at intake. */
describe.each(DIALECTS)('demo hotline orders and the category suggester on %s', (dialect) => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    operator = await t.login('operator');
    // Before any history: no model, no suggestion (and no error).
    const none = await t.request({ url: `/api/incidents/suggest-category?text=${encodeURIComponent('路灯不亮')}`, cookie: operator });
    expect(none.statusCode, none.body).toBe(200);
    expect(none.json()).toEqual({ suggestions: [], trainedAt: null });
    await loadDemo(t.platform, { scale: 0.2, workforce: false, incidents: { months: 1, until: '2026-04-08' } });
  }, 300_000);
  afterAll(async () => t?.close());

  it('loads unsatisfied orders whose figures are the seed\'s: 239 helped, 207 answered, 173 satisfied again, 83.5 %', async () => {
    const admin = await t.login('admin');
    const res = await t.request({ url: '/api/hotline/revisits/figures?from=2026-03-01&to=2026-04-30', cookie: admin });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json<{ total: object }>().total).toMatchObject({ helped: 239, answered: 207, satisfiedAgain: 173, ratePercent: 83.5 });
    const unassigned = await t.request({ url: '/api/hotline/revisits?state=unassigned', cookie: admin });
    expect(unassigned.json<{ total: number }>().total).toBeGreaterThanOrEqual(8);
  });

  it('suggests categories from the demo history (trained at load), top-3 with confidence, by GET and POST', async () => {
    const get = await t.request({ url: `/api/incidents/suggest-category?text=${encodeURIComponent('小区门口的路灯晚上一直不亮')}`, cookie: operator });
    expect(get.statusCode, get.body).toBe(200);
    const a = get.json<Answer>();
    expect(a.trainedAt).not.toBeNull();
    expect(a.suggestions.length).toBe(3);
    expect(a.suggestions[0]!.code).toBe('0402');
    expect(a.suggestions[0]!.confidence).toBeGreaterThan(a.suggestions[1]!.confidence);
    const post = await t.request({ method: 'POST', url: '/api/incidents/suggest-category', cookie: operator, body: { text: '电梯停在两层中间，有人被困出不来' } });
    expect(post.json<Answer>().suggestions[0]!.code).toBe('0311');
    // A suggestion only: nothing about the text is stored.
    expect((await t.request({ url: '/api/incidents/suggest-category?text=x', cookie: await t.login('auditor') })).statusCode).toBe(403);
  });

  it('retrains daily on one node: the second look within the day does nothing', async () => {
    const scheduler = new SuggesterScheduler(t.platform.db, t.platform.suggester, t.platform.logger);
    const before = await t.platform.db.primary.selectFrom('incident_suggest_models').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const now = Date.now();
    expect(await scheduler.tick(now)).toBe(true);
    expect(await scheduler.tick(now + 3_600_000)).toBe(false);
    expect(await scheduler.tick(now + 25 * 3_600_000)).toBe(true);
    const models = await t.platform.db.primary.selectFrom('incident_suggest_models').select(['id', 'trigger']).orderBy('id', 'desc').execute();
    expect(Number(models[0]!.id)).toBeGreaterThan(Number(before.id));
    expect(models[0]!.trigger).toBe('schedule');
    // Older models beyond the few kept are removed.
    await t.platform.suggester.train(SYSTEM_ACTOR, 'command');
    expect((await t.platform.db.primary.selectFrom('incident_suggest_models').select('id').execute()).length).toBe(3);
  });
});
