import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLease, SweepScheduler, SWEEP_LEASE } from '../../src/modules/incidents/sweep.js';
import { addWorkingTime, createDefaultWorkCalendar } from '../../src/modules/incidents/rules/calendar.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { scopeOf } from './support.js';

/** The clock sweep: amber at 80 % of the stage's working time, red when overdue, recorded as 'warn' events. */
describe.each(DIALECTS)('incident clock sweep on %s', (dialect) => {
  let t: TestApp;
  let operator: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    operator = await t.login('operator');
  });
  afterAll(async () => t?.close());

  it('sets amber, then red, and records each change', async () => {
    const grid = await scopeOf(t, 'worker');
    const res = await t.request({ method: 'POST', url: '/api/incidents', cookie: operator, body: { channel: 'operator_phone', description: '积水', gridCode: grid } });
    expect(res.statusCode).toBe(201);
    const inc = res.json().incident;
    const reportedAt = Date.parse(inc.reportedAt);
    const registerBy = Date.parse(inc.deadlines.registerBy);
    expect(inc.dueAt).toBe(inc.deadlines.registerBy);
    const cal = createDefaultWorkCalendar();
    // 0.9 of the one-hour register limit used: amber.
    const amberAt = addWorkingTime(cal, reportedAt, { amount: 0.9, unit: 'hours' });
    expect(amberAt).toBeLessThan(registerBy);

    const svc = t.platform.incidents;
    const first = await svc.sweepWarnings(amberAt);
    expect(first.changed).toBeGreaterThanOrEqual(1);
    let detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: operator })).json();
    expect(detail.incident.warning).toBe('amber');
    expect(detail.incident.overdue).toBe(false);
    expect(detail.incident.version).toBe(2);
    // Nothing changes on a second sweep at the same moment.
    expect((await svc.sweepWarnings(amberAt)).changed).toBe(0);

    await svc.sweepWarnings(registerBy + 1);
    detail = (await t.request({ url: `/api/incidents/${inc.id}`, cookie: operator })).json();
    expect(detail.incident.warning).toBe('red');
    const warns = detail.timeline.filter((e: { action: string }) => e.action === 'warn');
    expect(warns.map((e: { data: { warning: string } }) => e.data.warning)).toEqual(['amber', 'red']);
    expect(warns[0]).toMatchObject({ actorUserId: null, fromStatus: 'reported', toStatus: 'reported', data: { from: 'none', stage: 'register' } });

    // Overdue is measured from the stored deadline: the queue shows it now (the real clock is before registerBy, so ask the sweep's view).
    const row = await t.platform.db.primary.selectFrom('incidents').select(['warning', 'due_at']).where('id', '=', inc.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ warning: 'red', due_at: registerBy });
    const urged = (await t.request({ url: '/api/incidents?warning=red', cookie: operator })).json();
    expect(urged.items.map((i: { id: number }) => i.id)).toContain(inc.id);
  });

  it('runs on one node only: the lease row picks the holder', async () => {
    const db = t.platform.db;
    const now = Date.now();
    expect(await acquireLease(db, 'test-lease', 'node-a', 60_000, now)).toBe(true);
    expect(await acquireLease(db, 'test-lease', 'node-b', 60_000, now + 1)).toBe(false);
    expect(await acquireLease(db, 'test-lease', 'node-a', 60_000, now + 2)).toBe(true);
    // After expiry another node takes over.
    expect(await acquireLease(db, 'test-lease', 'node-b', 60_000, now + 70_000)).toBe(true);
    expect(await acquireLease(db, 'test-lease', 'node-a', 60_000, now + 70_001)).toBe(false);

    const a = new SweepScheduler(db, t.platform.incidents, t.platform.logger, 60_000);
    const b = new SweepScheduler(db, t.platform.incidents, t.platform.logger, 60_000);
    await db.primary.deleteFrom('job_leases').where('name', '=', SWEEP_LEASE).execute();
    expect((await a.tick()).ran).toBe(true);
    expect((await b.tick()).ran).toBe(false);
    await a.stop();
    expect((await b.tick()).ran).toBe(true);
    await b.stop();
  });
});
