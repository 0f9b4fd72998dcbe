import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { replayTransactions } from '../support/replay.js';
import { scopeOf } from '../incidents/support.js';

/**
 * Meeting and campaign writes with their transaction callbacks run twice
 * (rolled back once, as group commit or a deadlock retry may do): each
 * meeting, item, decision, the need a decision collects, risen item,
 * campaign, answer and audit record exists once.
 */
describe.each(DIALECTS)('meetings and campaigns with replayed transactions on %s', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('writes each row and audit record once', async () => {
    const street = await t.login('street');
    const worker = await t.login('worker');
    const officer = await t.login('basedata');
    const unit = await scopeOf(t, 'worker');
    const place = await t.request({ method: 'POST', url: '/api/places', cookie: officer, body: { gridCode: unit, name: '五金店', type: 'small_shop' } });
    expect(place.statusCode).toBe(201);
    const ok = async (method: string, url: string, body: unknown, cookie = street) => {
      const res = await t.request({ method, url, cookie, body });
      expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
      return res.json();
    };
    const replay = replayTransactions(t.platform);
    try {
      const meeting = await ok('POST', '/api/meetings', { gridCode: unit.slice(0, 12), title: '社区联席会议', heldAt: new Date().toISOString(), attendees: [] });
      const withItems = await ok('POST', `/api/meetings/${meeting.id}/items`, { source: 'free', title: '议题一' });
      await ok('POST', `/api/meetings/${meeting.id}/items`, { source: 'free', title: '议题二' });
      const third = await ok('POST', `/api/meetings/${meeting.id}/items`, { source: 'free', title: '议题三' });
      await ok('POST', `/api/meetings/${meeting.id}/items/${withItems.items[0].id}/decisions`, { kind: 'task', content: '办理', owner: '社区', deadline: new Date(Date.now() + 60_000).toISOString() });
      const decided = await ok('POST', `/api/meetings/${meeting.id}/items/${third.items[2].id}/decisions`, { kind: 'need', content: '纳入民生实事', gridCode: unit, deadline: new Date(Date.now() + 60_000).toISOString() });
      await ok('POST', `/api/meetings/${meeting.id}/close`, { version: decided.version });
      expect((await t.platform.meetings.sweep(Date.now() + 120_000)).risen).toBe(2);
      const campaign = await ok('POST', '/api/campaigns', {
        title: '消防安全排查', targetType: 'place', gridCodes: [unit], deadline: new Date(Date.now() + 86_400_000).toISOString(),
        questions: [{ key: 'q1', label: '灭火器有效', type: 'yes_no', required: true, problemAnswers: [false] }],
      });
      await ok('POST', `/api/campaigns/${campaign.id}/push`, { version: campaign.version });
      await ok('POST', `/api/campaigns/${campaign.id}/responses`, { targetId: place.json().id, answers: { q1: false } }, worker);
      expect(replay.count).toBeGreaterThanOrEqual(9);
    } finally {
      replay.restore();
    }
    const db = t.platform.db.primary;
    const count = async (table: 'meetings' | 'meeting_items' | 'meeting_decisions' | 'livelihood_needs' | 'campaigns' | 'campaign_grids' | 'campaign_responses') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // Three items, the undecided one risen at the close, the decided ones risen when their task and need decisions went overdue.
    expect([await count('meetings'), await count('meeting_items'), await count('meeting_decisions'), await count('livelihood_needs')]).toEqual([1, 6, 2, 1]);
    expect([await count('campaigns'), await count('campaign_grids'), await count('campaign_responses')]).toEqual([1, 1, 1]);
    const audits = await db.selectFrom('audit_log').select('action').where('action', 'like', 'meeting.%').execute();
    expect(audits.map((a) => a.action).sort()).toEqual([
      'meeting.close', 'meeting.create', 'meeting.decide', 'meeting.decide', 'meeting.decision.overdue', 'meeting.decision.overdue', 'meeting.item.add', 'meeting.item.add', 'meeting.item.add',
    ]);
    expect(await db.selectFrom('audit_log').select('action').where('action', '=', 'livelihood.collect').execute()).toHaveLength(1);
    const campaignAudits = await db.selectFrom('audit_log').select('action').where('action', 'like', 'campaign.%').execute();
    expect(campaignAudits.map((a) => a.action).sort()).toEqual(['campaign.create', 'campaign.push', 'campaign.respond']);
    const incidents = await db.selectFrom('incidents').select('id').where('external_ref', 'like', 'campaign:%').execute();
    expect(incidents).toHaveLength(1);
  });
});
