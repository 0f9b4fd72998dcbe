/**
 * 督查考核 through the API on both databases: the default scheme, scores
 * from the statistics store and a supervisor's manual score with evidence,
 * a new scheme version that an opened period does not follow, closing (a
 * frozen snapshot that later cases do not move), refusals, and the audit.
 */
import type { Kysely } from 'kysely';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCHEMES } from '../../src/modules/evaluation/migrations.js';
import { kpiMark } from '../../src/modules/evaluation/rules/assessment.js';
import { HIGHER_IS_BETTER } from '../../src/modules/evaluation/rules/kpis.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { insertEvents, insertIncident, planCase, rng } from './timeline.js';

interface Unit {
  code: string; name: string | null; score: number; rank: number;
  indicators: { key: string; kind: string; value: number | null; points: number; missing: boolean; evidence: { score: number; note: string; enteredBy: string | null } | null }[];
  deductions: { key: string; count: number; points: number }[];
}

describe.each(DIALECTS)('assessment (督查考核) (%s)', (dialect) => {
  let t: TestApp;
  let leader: string;
  let supervisor: string;
  let departments: string[];
  let grids: string[];

  beforeAll(async () => {
    t = await openTestApp(dialect);
    leader = await t.login('leader');
    supervisor = await t.login('supervisor');
    const db = t.platform.db.primary;
    departments = (await db.selectFrom('departments').select('code').where('status', '=', 'active').orderBy('code').execute()).map((d) => d.code);
    grids = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').orderBy('code').execute()).map((g) => g.code).slice(0, 8);
    const r = rng(52);
    const k = db as unknown as Kysely<unknown>;
    for (let i = 0; i < 150; i++) {
      const plan = planCase(r, { grids, categories: ['0101'], departments: departments.slice(0, 4), channels: ['citizen', 'grid_worker'] }, Date.parse('2026-02-28T16:00:00Z') + r.int(0, 29 * 24) * 3_600_000);
      const id = await insertIncident(k, plan, `A${String(i).padStart(6, '0')}`);
      await insertEvents(k, id, plan, 0, plan.events.length);
    }
    await t.platform.statistics.catchUp();
  }, 240_000);
  afterAll(async () => t?.close());

  const get = (url: string, cookie = leader) => t.request({ url, cookie });
  const send = (method: string, url: string, body: unknown, cookie = leader) => t.request({ method, url, body, cookie });
  const results = async (period: string, cookie = leader) => {
    const res = await get(`/api/evaluation/assessment/results?subject=department&period=${period}`, cookie);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { status: string; schemeVersion: number; closedBy: string | null; units: Unit[] };
  };

  it('scores every department by the default scheme from its KPIs of the period, and ranks them', async () => {
    const scheme = (await get('/api/evaluation/assessment/scheme?subject=department')).json();
    expect(scheme.active.version).toBe(1);
    expect(scheme.active.definition).toEqual(DEFAULT_SCHEMES.department);
    const march = await results('2026-03');
    expect(march.status).toBe('unopened');
    expect(march.units.map((u) => u.code).sort()).toEqual([...departments].sort());
    const busy = march.units.find((u) => u.code === departments[0])!;
    const kpis = (await get(`/api/evaluation/kpis?level=department&code=${busy.code}&from=2026-03-01&to=2026-03-31`)).json();
    expect(kpis.counts.reported).toBeGreaterThan(0);
    let expected = 0;
    for (const i of DEFAULT_SCHEMES.department.indicators) {
      if (i.kind === 'kpi') expected += i.weight * kpiMark(kpis.kpis[i.kpi], i.target, i.floor, HIGHER_IS_BETTER[i.kpi]);
    }
    const overdue = DEFAULT_SCHEMES.department.deductions[0]!;
    expected -= Math.min(overdue.cap, kpis.counts.overdue * overdue.points);
    expect(busy.score).toBeCloseTo(expected, 5);
    expect(busy.indicators.find((i) => i.key === 'inspection')).toMatchObject({ missing: true, points: 0, evidence: null });
    expect(busy.deductions[0]).toMatchObject({ key: 'overdue_cases', count: kpis.counts.overdue });
    const sorted = [...march.units].sort((a, b) => b.score - a.score);
    expect(march.units.map((u) => u.score)).toEqual(sorted.map((u) => u.score));
    expect(march.units[0]!.rank).toBe(1);
  });

  it('takes a supervisor manual score with evidence, and refuses what is out of range, not manual, unknown or malformed', async () => {
    const code = departments[1]!;
    const body = { subject: 'department', period: '2026-03', indicatorKey: 'inspection', unitCode: code, score: 80, note: '现场抽查 10 处，2 处未整改' };
    const res = await send('PUT', '/api/evaluation/assessment/scores', body, supervisor);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('open');
    const unit = (res.json().units as Unit[]).find((u) => u.code === code)!;
    expect(unit.indicators.find((i) => i.key === 'inspection')).toMatchObject({ missing: false, value: 80, points: 24, evidence: { score: 80, note: body.note, enteredBy: '值班长 张伟' } });
    // Entered again, it replaces the first.
    const again = await send('PUT', '/api/evaluation/assessment/scores', { ...body, score: 90 }, supervisor);
    expect((again.json().units as Unit[]).find((u) => u.code === code)!.indicators.find((i) => i.key === 'inspection')!.points).toBe(27);
    const refusals: [unknown, number, string][] = [
      [{ ...body, score: 101 }, 400, 'ASSESSMENT_SCORE_RANGE'],
      [{ ...body, indicatorKey: 'on_time_close' }, 400, 'ASSESSMENT_NOT_MANUAL'],
      [{ ...body, unitCode: 'NOPE' }, 404, 'NOT_FOUND'],
      [{ ...body, period: '2026-13' }, 400, 'ASSESSMENT_PERIOD_INVALID'],
      [{ ...body, attachments: ['a'.repeat(64)] }, 422, 'ASSESSMENT_FILE_UNKNOWN'],
    ];
    for (const [b, status, code] of refusals) {
      const refused = await send('PUT', '/api/evaluation/assessment/scores', b, supervisor);
      expect(refused.statusCode, refused.body).toBe(status);
      expect(refused.json().code).toBe(code);
    }
    // A street operator may read the KPIs but not score.
    expect((await send('PUT', '/api/evaluation/assessment/scores', body, await t.login('street'))).statusCode).toBe(403);
  });

  it('saves a scheme edit as a new version that the opened period does not follow', async () => {
    const definition = { ...DEFAULT_SCHEMES.department, indicators: DEFAULT_SCHEMES.department.indicators.map((i) => (i.key === 'inspection' ? { ...i, weight: 20 } : i.key === 'on_time_close' ? { ...i, weight: 50 } : i)) };
    const bad = await send('PUT', '/api/evaluation/assessment/scheme', { subject: 'department', definition: { ...definition, indicators: definition.indicators.slice(1) } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('ASSESSMENT_SCHEME_INVALID');
    expect((await send('PUT', '/api/evaluation/assessment/scheme', { subject: 'department', definition }, supervisor)).statusCode).toBe(403);
    const saved = await send('PUT', '/api/evaluation/assessment/scheme', { subject: 'department', definition });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().version).toBe(2);
    expect((await results('2026-03')).schemeVersion).toBe(1);
    expect((await results('2026-02')).schemeVersion).toBe(2);
  });

  it('closes a period as it stands: later cases move the KPIs, not the frozen scores; no change or second close after', async () => {
    expect((await send('POST', '/api/evaluation/assessment/close', { subject: 'department', period: '2026-03' }, supervisor)).statusCode).toBe(403);
    const current = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    const early = await send('POST', '/api/evaluation/assessment/close', { subject: 'department', period: current });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe('ASSESSMENT_PERIOD_NOT_OVER');
    const before = await results('2026-03');
    const closed = await send('POST', '/api/evaluation/assessment/close', { subject: 'department', period: '2026-03' });
    expect(closed.statusCode, closed.body).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', closedBy: '区领导 孙明', schemeVersion: 1 });
    expect(closed.json().units).toEqual(before.units);

    // A late case of March for the first department, overdue: its KPIs move, the frozen score does not.
    const code = departments[0]!;
    const k = t.platform.db.primary as unknown as Kysely<unknown>;
    const at = Date.parse('2026-03-10T02:00:00Z');
    const late = { gridCode: grids[0]!, events: [
      { action: 'report', toStatus: 'reported', data: { channel: 'citizen', categoryCode: '0101' }, at },
      { action: 'register', toStatus: 'registered', data: { categoryCode: '0101' }, at: at + 60_000 },
      { action: 'dispatch', toStatus: 'dispatched', data: { leadDepartmentCode: code, coHandlerDepartmentCodes: [], handleBy: at + 3_600_000 }, at: at + 120_000 },
      { action: 'reply', toStatus: 'replied', data: { part: 'lead', verifyBy: at + 30 * 3_600_000 }, at: at + 20 * 3_600_000 },
    ] };
    const kpisUrl = `/api/evaluation/kpis?level=department&code=${code}&from=2026-03-01&to=2026-03-31`;
    const overdueBefore = (await get(kpisUrl)).json().counts.overdue as number;
    await insertEvents(k, await insertIncident(k, late, 'A999999'), late, 0, late.events.length);
    await t.platform.statistics.catchUp();
    expect((await get(kpisUrl)).json().counts.overdue).toBe(overdueBefore + 1);
    expect((await results('2026-03')).units).toEqual(before.units);

    const body = { subject: 'department', period: '2026-03', indicatorKey: 'inspection', unitCode: code, score: 50, note: '关闭后补录' };
    const after = await send('PUT', '/api/evaluation/assessment/scores', body, supervisor);
    expect(after.statusCode).toBe(409);
    expect(after.json().code).toBe('ASSESSMENT_PERIOD_CLOSED');
    expect((await send('POST', '/api/evaluation/assessment/close', { subject: 'department', period: '2026-03' })).json().code).toBe('ASSESSMENT_PERIOD_CLOSED');

    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['action', 'object_id']).where('action', 'like', 'assessment.%').orderBy('seq').execute();
    expect(audit.map((a) => a.action)).toEqual(['assessment.period.open', 'assessment.score.enter', 'assessment.score.enter', 'assessment.scheme.save', 'assessment.period.close']);
  });

  it('serves the evidence photos to readers of the unit\'s results, and to no one else', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#5a3' } }).png().toBuffer();
    const upload = await t.request({ method: 'POST', url: '/api/files', cookie: supervisor, body: png, headers: { 'content-type': 'image/png' } });
    expect(upload.statusCode, upload.body).toBe(201);
    const hash = upload.json().hash as string;
    const code = departments[2]!;
    const scored = await send('PUT', '/api/evaluation/assessment/scores', { subject: 'department', period: '2026-04', indicatorKey: 'inspection', unitCode: code, score: 70, note: '照片为证', attachments: [hash] }, supervisor);
    expect(scored.statusCode, scored.body).toBe(200);
    const file = async (cookie: string) => (await t.request({ url: `/api/files/${hash}/thumbnail`, cookie })).statusCode;
    expect(await file(supervisor)).toBe(200);
    expect(await file(leader)).toBe(200);
    // A street operator reads the KPIs but no department's results; a grid worker reads no results at all.
    expect(await file(await t.login('street'))).toBe(404);
    expect(await file(await t.login('worker'))).toBe(404);
  });

  it('shows a department scope its own row only, and a street its street', async () => {
    const handlerScoped = await t.platform.db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select('role_assignments.scope_code').where('users.username', '=', 'street').executeTakeFirstOrThrow();
    const streets = await get('/api/evaluation/assessment/results?subject=street&period=2026-03', await t.login('street'));
    expect(streets.statusCode, streets.body).toBe(200);
    expect((streets.json().units as Unit[]).map((u) => u.code)).toEqual([handlerScoped.scope_code]);
    expect((await get('/api/evaluation/assessment/results?subject=department&period=2026-03', await t.login('street'))).json().units).toEqual([]);
  });
});
