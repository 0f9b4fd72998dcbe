import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { act, D01_CATEGORY, gridHelper, scopeOf } from '../incidents/support.js';

const DAY = 86_400_000;
const SHANGHAI = 8 * 3_600_000;
const ymd = (ms: number) => new Date(ms + SHANGHAI).toISOString().slice(0, 10);

/** One year of the working calendar edited on its own; the incident clock counts on it at once. */
describe.each(DIALECTS)('working calendar by year on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let operator: string;
  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    operator = await t.login('operator');
  });
  afterAll(async () => t?.close());

  it('replaces one year, keeps the others, audits the days changed and refuses a weekday as 调休', async () => {
    const before = (await t.request({ url: '/api/incident-calendar', cookie: admin })).json() as { years: { year: number }[]; periods: unknown };
    // A department edit empties the reference cache: the year is saved with nothing cached (this once hung on SQLite).
    const d01 = (await t.request({ url: '/api/departments', cookie: admin })).json().items[0] as { code: string; name: string; nameEn: string };
    expect((await t.request({ method: 'PUT', url: `/api/departments/${d01.code}`, cookie: admin, body: { name: d01.name, nameEn: d01.nameEn } })).statusCode).toBe(200);
    const res = await t.request({ method: 'PUT', url: '/api/incident-calendar/years/2030', cookie: admin, body: { holidays: ['2030-10-01', '2030-10-02', '2030-10-01'], workingWeekends: ['2030-09-29'] } });
    expect(res.statusCode, res.body).toBe(200);
    const after = res.json() as { years: { year: number; holidays: string[]; workingWeekends: string[]; source: string }[]; periods: unknown };
    expect(after.periods).toEqual(before.periods);
    expect(after.years.map((y) => y.year)).toEqual([...before.years.map((y) => y.year), 2030].sort());
    expect(after.years.find((y) => y.year === 2030)).toEqual({ year: 2030, holidays: ['2030-10-01', '2030-10-02'], workingWeekends: ['2030-09-29'], source: 'console' });

    const again = await t.request({ method: 'PUT', url: '/api/incident-calendar/years/2030', cookie: admin, body: { holidays: ['2030-10-01'], workingWeekends: [] } });
    expect(again.statusCode).toBe(200);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'work_calendar.year').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details)).toEqual({ year: 2030, holidays: { added: [], removed: ['2030-10-02'] }, workingWeekends: { added: [], removed: ['2030-09-29'] } });

    // 2030-10-08 is a Tuesday: not a weekend day, so it cannot be a swapped working day.
    const weekday = await t.request({ method: 'PUT', url: '/api/incident-calendar/years/2030', cookie: admin, body: { holidays: [], workingWeekends: ['2030-10-08'] } });
    expect(weekday.statusCode).toBe(422);
    expect(weekday.json().code).toBe('CALENDAR_INVALID');
    const wrongYear = await t.request({ method: 'PUT', url: '/api/incident-calendar/years/2030', cookie: admin, body: { holidays: ['2031-01-01'], workingWeekends: [] } });
    expect(wrongYear.statusCode).toBe(422);
    const handler = await t.login('handler');
    expect((await t.request({ method: 'PUT', url: '/api/incident-calendar/years/2030', cookie: handler, body: { holidays: [], workingWeekends: [] } })).statusCode).toBe(403);
  });

  it('deadlines skip the holidays set on the calendar', async () => {
    const grids = await gridHelper(t);
    const worker = await scopeOf(t, 'worker');
    const register = async () => {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: operator,
        body: { channel: 'operator_phone', description: '路面塌陷', position: { ...grids.pointIn(worker), crs: 'wgs84' }, reporter: { name: '赵六', phone: '13812345678' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json().incident.id as number;
      const reg = await act(t, operator, id, { type: 'register', categoryCode: D01_CATEGORY.code });
      expect(reg.statusCode, reg.body).toBe(200);
      return Date.parse(reg.json().incident.deadlines.dispatchBy as string);
    };
    // Every day of the next three weeks becomes a holiday, per year as the screen saves them.
    const now = Date.now();
    const days = Array.from({ length: 21 }, (_, i) => ymd(now + i * DAY));
    const cal = (await t.request({ url: '/api/incident-calendar', cookie: admin })).json() as { years: { year: number; holidays: string[]; workingWeekends: string[] }[] };
    for (const year of new Set(days.map((d) => Number(d.slice(0, 4))))) {
      const old = cal.years.find((y) => y.year === year) ?? { holidays: [], workingWeekends: [] };
      const mine = days.filter((d) => d.startsWith(`${year}-`));
      const res = await t.request({
        method: 'PUT', url: `/api/incident-calendar/years/${year}`, cookie: admin,
        body: { holidays: [...new Set([...old.holidays, ...mine])], workingWeekends: old.workingWeekends.filter((d) => !mine.includes(d)) },
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const due = await register();
    expect(ymd(due) > days[days.length - 1]!).toBe(true);
  });
});
