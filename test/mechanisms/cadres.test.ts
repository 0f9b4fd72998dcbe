import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiMonth } from '../../src/modules/livelihood/rules/period.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { setUpMechanisms, type MechanismFixture } from './support.js';

/**
 * 群工联点 end to end: cadres of a district department and of streets linked
 * to communities, visits scheduled and recorded with findings, a finding
 * turned into an incident through the incident service, who has not visited
 * this month and visits per cadre matched against the raw rows, and another
 * street's cadres and visits reading as 404.
 */
describe.each(DIALECTS)('linked cadres and their visits on %s', (dialect) => {
  let t: TestApp;
  let f: MechanismFixture;
  const ids = { dept: 0, streetA: 0, streetA2: 0, streetB: 0, visit1: 0, visit2: 0, visitDept: 0, visitPlanned: 0, visitB: 0 };
  const month = shanghaiMonth(Date.now());
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpMechanisms(t);
  }, 120_000);
  afterAll(async () => t?.close());

  const call = async (cookie: string, url: string, body: unknown, status: number, method = 'POST') => {
    const res = await t.request({ method, url, cookie, body });
    expect(res.statusCode, `${url} ${res.body}`).toBe(status);
    return res;
  };

  it('links department and street cadres to communities and refuses what is out of reach', async () => {
    const { admin, opsA, opsB } = f.cookies;
    const dept = (await t.platform.db.primary.selectFrom('departments').select('code').orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
    ids.dept = (await call(admin, '/api/cadres', { name: '住建局 周科长', unitKind: 'department', unitCode: dept, title: '科长' }, 201)).json().id;
    ids.streetA = (await call(opsA, '/api/cadres', { name: '甲街道 吴干部', unitKind: 'street', unitCode: f.streetA, title: '副主任' }, 201)).json().id;
    ids.streetA2 = (await call(opsA, '/api/cadres', { name: '甲街道 郑干部', unitKind: 'street', unitCode: f.streetA, title: '科员' }, 201)).json().id;
    ids.streetB = (await call(opsB, '/api/cadres', { name: '乙街道 冯干部', unitKind: 'street', unitCode: f.streetB, title: '主任' }, 201)).json().id;
    expect((await call(opsA, '/api/cadres', { name: 'x', unitKind: 'department', unitCode: dept }, 403)).json().code).toBe('CADRE_OUT_OF_SCOPE');
    expect((await call(opsA, '/api/cadres', { name: 'x', unitKind: 'street', unitCode: f.streetB }, 403)).json().code).toBe('CADRE_OUT_OF_SCOPE');
    expect((await call(opsA, '/api/cadres', { name: 'x', unitKind: 'street', unitCode: '000000000' }, 422)).json().code).toBe('CADRE_UNKNOWN_UNIT');

    // The street links the district department's cadre into its own community.
    await call(opsA, `/api/cadres/${ids.dept}/links`, { gridCode: f.communityA }, 204);
    await call(opsA, `/api/cadres/${ids.streetA}/links`, { gridCode: f.communityA }, 204);
    await call(opsA, `/api/cadres/${ids.streetA}/links`, { gridCode: f.communityA2 }, 204);
    await call(opsA, `/api/cadres/${ids.streetA2}/links`, { gridCode: f.communityA2 }, 204);
    await call(opsB, `/api/cadres/${ids.streetB}/links`, { gridCode: f.communityB }, 204);
    expect((await call(opsA, `/api/cadres/${ids.streetA}/links`, { gridCode: f.communityB }, 403)).json().code).toBe('CADRE_OUT_OF_SCOPE');
    expect((await call(opsA, `/api/cadres/${ids.streetA}/links`, { gridCode: f.streetA }, 422)).json().code).toBe('CADRE_UNKNOWN_GRID');

    const listA = (await t.request({ url: '/api/cadres', cookie: opsA })).json().items.map((c: { id: number }) => c.id);
    expect(listA).toEqual([ids.dept, ids.streetA, ids.streetA2]);
    const dView = (await t.request({ url: `/api/cadres/${ids.dept}`, cookie: opsA })).json();
    expect(dView.links.map((l: { gridCode: string }) => l.gridCode)).toEqual([f.communityA]);
  });

  it('schedules and records visits; a finding becomes an incident linked to the visit', async () => {
    const { opsA, opsB } = f.cookies;
    expect((await call(opsA, `/api/cadres/${ids.streetA2}/visits`, { gridCode: f.communityA, plannedOn: today }, 422)).json().code).toBe('CADRE_NOT_LINKED');
    ids.visit1 = (await call(opsA, `/api/cadres/${ids.streetA}/visits`, { gridCode: f.communityA, plannedOn: today }, 201)).json().id;
    ids.visit2 = (await call(opsA, `/api/cadres/${ids.streetA}/visits`, { gridCode: f.unitA, plannedOn: today }, 201)).json().id;
    ids.visitDept = (await call(opsA, `/api/cadres/${ids.dept}/visits`, { gridCode: f.communityA, plannedOn: today }, 201)).json().id;
    ids.visitPlanned = (await call(opsA, `/api/cadres/${ids.streetA2}/visits`, { gridCode: f.communityA2, plannedOn: today }, 201)).json().id;
    ids.visitB = (await call(opsB, `/api/cadres/${ids.streetB}/visits`, { gridCode: f.communityB, plannedOn: today }, 201)).json().id;

    const recorded = (await call(opsA, `/api/cadre-visits/${ids.visit1}/record`, {
      record: '走访社区，召开居民座谈会', findings: ['小区路灯损坏多处', '老旧小区加装电梯诉求强烈'],
    }, 200)).json();
    expect(recorded.status).toBe('done');
    expect(recorded.findings).toHaveLength(2);
    expect((await call(opsA, `/api/cadre-visits/${ids.visit1}/record`, { record: '再记' }, 409)).json().code).toBe('CADRE_VISIT_NOT_PLANNED');
    await call(opsA, `/api/cadre-visits/${ids.visit2}/record`, { record: '入户走访', findings: [] }, 200);
    await call(opsA, `/api/cadre-visits/${ids.visitDept}/record`, { record: '下沉社区', findings: ['排水不畅'] }, 200);
    await call(opsB, `/api/cadre-visits/${ids.visitB}/record`, { record: '乙街道走访', findings: ['违停'] }, 200);

    const finding = recorded.findings[0].id as number;
    // A community visit needs a unit grid inside it for the incident.
    expect((await call(opsA, `/api/cadre-visits/${ids.visit1}/findings/${finding}/incident`, {}, 422)).json().code).toBe('CADRE_INCIDENT_GRID');
    expect((await call(opsA, `/api/cadre-visits/${ids.visit1}/findings/${finding}/incident`, { gridCode: f.unitB }, 422)).json().code).toBe('CADRE_INCIDENT_GRID');
    const made = (await call(opsA, `/api/cadre-visits/${ids.visit1}/findings/${finding}/incident`, { gridCode: f.unitA }, 201)).json();
    const incident = await t.platform.db.primary.selectFrom('incidents').select(['id', 'code', 'channel', 'grid_code', 'description']).where('id', '=', made.incidentId).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ code: made.code, channel: 'operator_walk_in', grid_code: f.unitA });
    expect(incident.description).toContain('小区路灯损坏多处');
    expect((await call(opsA, `/api/cadre-visits/${ids.visit1}/findings/${finding}/incident`, { gridCode: f.unitA }, 409)).json().code).toBe('CADRE_FINDING_HAS_INCIDENT');
    const visit = (await t.request({ url: `/api/cadre-visits/${ids.visit1}`, cookie: opsA })).json();
    expect(visit.findings[0]).toMatchObject({ incidentId: made.incidentId, incidentCode: made.code });

    // The other finding becomes a 民生实事 need whose source is the visit; another street's visit is no source.
    const need = (await call(opsA, '/api/livelihood/needs', { gridCode: f.communityA, title: recorded.findings[1].description, source: 'visit', cadreVisitId: ids.visit1 }, 201)).json().id as number;
    expect((await t.request({ url: `/api/livelihood/needs/${need}`, cookie: opsA })).json()).toMatchObject({ source: 'visit', cadreVisitId: ids.visit1 });
    expect((await call(opsA, '/api/livelihood/needs', { gridCode: f.communityA, title: 'x', source: 'visit', cadreVisitId: ids.visitB }, 422)).json().code).toBe('LIVELIHOOD_UNKNOWN_SOURCE');
  });

  it('lists who has not visited this month and visits per cadre as the raw rows count them', async () => {
    const { admin, opsA } = f.cookies;
    const db = t.platform.db.primary;
    const links = await db.selectFrom('cadre_links').select(['id', 'cadre_id', 'grid_code']).where('is_current', '=', 1).execute();
    const visits = await db.selectFrom('cadre_visits').select(['id', 'cadre_id', 'grid_code', 'status', 'visited_at']).execute();
    const doneThisMonth = visits.filter((v) => v.status === 'done' && v.visited_at !== null && shanghaiMonth(Number(v.visited_at)) === month);
    const missing = (prefix: string) => links.filter((l) => l.grid_code.startsWith(prefix) && !doneThisMonth.some((v) => v.cadre_id === l.cadre_id && v.grid_code.startsWith(l.grid_code))).map((l) => l.id).sort((a, b) => a - b);

    const notA = (await t.request({ url: `/api/cadres/not-visited?month=${month}`, cookie: opsA })).json();
    expect(notA.items.map((i: { linkId: number }) => i.linkId).sort((a: number, b: number) => a - b)).toEqual(missing(f.streetA));
    // streetA cadre visited community A, not A2 (planned nothing there); streetA2 only planned.
    expect(notA.items.map((i: { cadreId: number; gridCode: string }) => [i.cadreId, i.gridCode])).toEqual(
      expect.arrayContaining([[ids.streetA, f.communityA2], [ids.streetA2, f.communityA2]]));
    expect(notA.items.find((i: { cadreId: number }) => i.cadreId === ids.streetA2).plannedOn).toBe(today);
    const notAll = (await t.request({ url: `/api/cadres/not-visited?month=${month}`, cookie: admin })).json();
    expect(notAll.items.map((i: { linkId: number }) => i.linkId).sort((a: number, b: number) => a - b)).toEqual(missing(''));

    const figures = (await t.request({ url: `/api/cadres/figures?month=${month}`, cookie: admin })).json();
    const findings = await db.selectFrom('cadre_findings').select(['visit_id', 'incident_id']).execute();
    for (const item of figures.items as { cadreId: number; done: number; planned: number; findings: number; incidents: number }[]) {
      const mine = doneThisMonth.filter((v) => v.cadre_id === item.cadreId);
      const found = findings.filter((x) => mine.some((v) => v.id === x.visit_id));
      expect(item, `cadre ${item.cadreId}`).toMatchObject({
        done: mine.length,
        planned: visits.filter((v) => v.cadre_id === item.cadreId && v.status === 'planned').length,
        findings: found.length,
        incidents: found.filter((x) => x.incident_id !== null).length,
      });
    }
    expect(figures.totalDone).toBe(doneThisMonth.length);
    expect(figures.items.find((i: { cadreId: number }) => i.cadreId === ids.streetA)).toMatchObject({ done: 2, findings: 2, incidents: 1 });
    const other = (await t.request({ url: '/api/cadres/figures?month=2020-01', cookie: admin })).json();
    expect(other.totalDone).toBe(0);
  });

  it('reads another street\'s cadres and visits as 404', async () => {
    const { opsA } = f.cookies;
    expect((await t.request({ url: `/api/cadres/${ids.streetB}`, cookie: opsA })).statusCode).toBe(404);
    expect((await t.request({ url: `/api/cadre-visits/${ids.visitB}`, cookie: opsA })).statusCode).toBe(404);
    const findingB = (await t.platform.db.primary.selectFrom('cadre_findings').select('id').where('visit_id', '=', ids.visitB).executeTakeFirstOrThrow()).id;
    for (const [url, body] of [
      [`/api/cadres/${ids.streetB}/links`, { gridCode: f.communityA }],
      [`/api/cadres/${ids.streetB}/visits`, { gridCode: f.communityA, plannedOn: today }],
      [`/api/cadre-visits/${ids.visitB}/record`, { record: 'x' }],
      [`/api/cadre-visits/${ids.visitB}/cancel`, undefined],
      [`/api/cadre-visits/${ids.visitB}/findings/${findingB}/incident`, { gridCode: f.unitB }],
    ] as const) {
      const res = await t.request({ method: 'POST', url, cookie: opsA, ...(body ? { body } : {}) });
      expect(res.statusCode, url).toBe(404);
    }
    const linkB = (await t.platform.db.primary.selectFrom('cadre_links').select('id').where('cadre_id', '=', ids.streetB).executeTakeFirstOrThrow()).id;
    expect((await t.request({ method: 'DELETE', url: `/api/cadres/${ids.streetB}/links/${linkB}`, cookie: opsA })).statusCode).toBe(404);
    const visits = (await t.request({ url: '/api/cadre-visits', cookie: opsA })).json().items;
    expect(visits.every((v: { gridCode: string }) => v.gridCode.startsWith(f.streetA))).toBe(true);
  });
});
