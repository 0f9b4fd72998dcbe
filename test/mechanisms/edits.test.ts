import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shanghaiMonth } from '../../src/modules/livelihood/rules/period.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { household, setUpMechanisms, type MechanismFixture } from './support.js';

/**
 * Editing, deleting and transferring party organisations, members and
 * cadres: version checks (a stale version is 409), the hierarchy rule and
 * cycles on edit, delete refused (409) with members or children, dissolve
 * with every member transferred in one go, 组织关系转接 with its history,
 * soft removal, cadre relink and deactivation; counts per street and
 * community and visits per cadre checked against an independent count of
 * the raw rows after every change; another street's users get 404.
 */
describe.each(DIALECTS)('editing party organisations, members and cadres on %s', (dialect) => {
  let t: TestApp;
  let f: MechanismFixture;
  const month = shanghaiMonth(Date.now());
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const ids = { committee: 0, branch1: 0, branch2: 0, empty: 0, branchB: 0, m1: 0, m2: 0, m3: 0, cadre: 0 };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpMechanisms(t);
  }, 120_000);
  afterAll(async () => t?.close());

  const call = async (cookie: string, method: string, url: string, body: unknown, status: number) => {
    const res = await t.request({ method, url, cookie, body });
    expect(res.statusCode, `${method} ${url} ${res.body}`).toBe(status);
    return res;
  };
  const org = async (id: number) => (await call(f.cookies.opsA, 'GET', `/api/party/organizations/${id}`, undefined, 200)).json();
  const member = async (id: number) => (await call(f.cookies.opsA, 'GET', `/api/party/members/${id}`, undefined, 200)).json();
  const orgBody = (o: Record<string, unknown>) => ({ gridCode: o.gridCode, parentId: o.parentId, name: o.name, kind: o.kind, secretary: o.secretary, version: o.version });

  /** Organisations and members per area from the raw rows, members placed by their organisation's grid (not their copied code). */
  const independentCounts = async (len: number) => {
    const db = t.platform.db.primary;
    const orgs = await db.selectFrom('party_organizations').select(['id', 'grid_code', 'dissolved_on']).execute();
    const members = await db.selectFrom('party_members').select(['organization_id', 'ended_on']).execute();
    const gridOf = new Map(orgs.map((o) => [o.id, o.grid_code]));
    const acc = new Map<string, { organizations: number; members: number }>();
    const at = (code: string) => {
      const k = code.slice(0, Math.min(len, code.length));
      if (!acc.has(k)) acc.set(k, { organizations: 0, members: 0 });
      return acc.get(k)!;
    };
    for (const o of orgs) if (o.dissolved_on === null) at(o.grid_code).organizations++;
    for (const m of members) if (m.ended_on === null) at(gridOf.get(m.organization_id)!).members++;
    return acc;
  };
  const expectCountsRight = async () => {
    for (const [by, len] of [['street', 9], ['community', 12]] as const) {
      const figures = (await call(f.cookies.admin, 'GET', `/api/party/counts?by=${by}`, undefined, 200)).json();
      const expected = await independentCounts(len);
      const got = new Map((figures.items as { code: string; organizations: number; members: number }[]).map((i) => [i.code, { organizations: i.organizations, members: i.members }]));
      for (const [code, v] of expected) if (v.organizations + v.members > 0) expect(got.get(code), `${by} ${code}`).toEqual(v);
      expect(figures.total.members).toBe([...expected.values()].reduce((s, v) => s + v.members, 0));
    }
  };

  it('edits an organisation under the hierarchy rule, refuses cycles, misfits and stale versions', async () => {
    const { opsA, opsB, officerA } = f.cookies;
    ids.committee = (await call(opsA, 'POST', '/api/party/organizations', { gridCode: f.streetA, name: '甲街道党工委', kind: 'committee' }, 201)).json().id;
    ids.branch1 = (await call(opsA, 'POST', '/api/party/organizations', { gridCode: f.communityA, parentId: ids.committee, name: '一社区支部', kind: 'branch' }, 201)).json().id;
    ids.branch2 = (await call(opsA, 'POST', '/api/party/organizations', { gridCode: f.communityA2, parentId: ids.committee, name: '二社区支部', kind: 'branch' }, 201)).json().id;
    ids.empty = (await call(opsA, 'POST', '/api/party/organizations', { gridCode: f.communityA2, parentId: ids.committee, name: '待删支部', kind: 'branch' }, 201)).json().id;
    ids.branchB = (await call(opsB, 'POST', '/api/party/organizations', { gridCode: f.communityB, name: '乙社区支部', kind: 'branch' }, 201)).json().id;
    for (const [i, name] of ['刘一', '陈二', '王三'].entries()) {
      const p = await household(t, officerA, f.unitA, `E-H-${i}`, name);
      const id = (await call(opsA, 'POST', `/api/party/organizations/${ids.branch1}/members`, { residentId: p.residentId, kind: 'full', joinedOn: '2010-07-01' }, 201)).json().id as number;
      if (i === 0) ids.m1 = id;
      else if (i === 1) ids.m2 = id;
      else ids.m3 = id;
    }
    await expectCountsRight();

    const b1 = await org(ids.branch1);
    expect(b1.version).toBe(1);
    await call(opsA, 'PUT', `/api/party/organizations/${ids.branch1}`, { ...orgBody(b1), name: '一社区第一支部', secretary: '刘书记' }, 204);
    const stale = await call(opsA, 'PUT', `/api/party/organizations/${ids.branch1}`, { ...orgBody(b1), name: '旧版本' }, 409);
    expect(stale.json().code).toBe('CONFLICT');
    const edited = await org(ids.branch1);
    expect(edited).toMatchObject({ name: '一社区第一支部', secretary: '刘书记', version: 2 });

    const committee = await org(ids.committee);
    expect((await call(opsA, 'PUT', `/api/party/organizations/${ids.committee}`, { ...orgBody(committee), parentId: ids.branch1 }, 422)).json().code).toBe('PARTY_PARENT_CYCLE');
    expect((await call(opsA, 'PUT', `/api/party/organizations/${ids.committee}`, { ...orgBody(committee), parentId: ids.committee }, 422)).json().code).toBe('PARTY_PARENT_CYCLE');
    // The committee moved down to one community would no longer contain the other community's branch.
    expect((await call(opsA, 'PUT', `/api/party/organizations/${ids.committee}`, { ...orgBody(committee), gridCode: f.communityA }, 422)).json().code).toBe('PARTY_CHILDREN_DO_NOT_FIT');
    expect((await call(opsA, 'PUT', `/api/party/organizations/${ids.branch2}`, { ...orgBody(await org(ids.branch2)), parentId: ids.branch1 }, 422)).json().code).toBe('PARTY_PARENT_KIND');
    expect((await call(opsA, 'PUT', `/api/party/organizations/${ids.branch2}`, { ...orgBody(await org(ids.branch2)), gridCode: f.communityB }, 403)).json().code).toBe('PARTY_OUT_OF_SCOPE');
    // A branch made a general branch and moved to a unit grid: its members follow its grid.
    await call(opsA, 'PUT', `/api/party/organizations/${ids.branch1}`, { ...orgBody(edited), kind: 'general_branch', gridCode: f.unitA }, 204);
    const moved = await t.platform.db.primary.selectFrom('party_members').select('grid_code').where('organization_id', '=', ids.branch1).execute();
    expect(moved.map((m) => m.grid_code)).toEqual([f.unitA, f.unitA, f.unitA]);
    await call(opsA, 'PUT', `/api/party/organizations/${ids.branch1}`, { ...orgBody(await org(ids.branch1)), kind: 'branch', gridCode: f.communityA }, 204);
    await expectCountsRight();
    // Another street's operator: 404 on every new route of an organisation.
    await call(opsB, 'PUT', `/api/party/organizations/${ids.branch1}`, orgBody(await org(ids.branch1)), 404);
    await call(opsB, 'DELETE', `/api/party/organizations/${ids.empty}?version=1`, undefined, 404);
    await call(opsB, 'POST', `/api/party/organizations/${ids.branch2}/dissolve`, { version: 1, toOrganizationId: ids.branchB, dissolvedOn: today, reason: 'x' }, 404);
  });

  it('deletes only an organisation without members or children (409 otherwise), version-checked', async () => {
    const { opsA } = f.cookies;
    expect((await call(opsA, 'DELETE', `/api/party/organizations/${ids.committee}?version=1`, undefined, 409)).json().code).toBe('PARTY_ORG_HAS_CHILDREN');
    const hasMembers = await call(opsA, 'DELETE', `/api/party/organizations/${ids.branch1}?version=4`, undefined, 409);
    expect(hasMembers.json()).toMatchObject({ code: 'PARTY_ORG_HAS_MEMBERS', details: { members: 3 } });
    expect(hasMembers.json().message).toContain('撤销');
    expect((await call(opsA, 'DELETE', `/api/party/organizations/${ids.empty}?version=7`, undefined, 409)).json().code).toBe('CONFLICT');
    await call(opsA, 'DELETE', `/api/party/organizations/${ids.empty}?version=1`, undefined, 204);
    await call(opsA, 'GET', `/api/party/organizations/${ids.empty}`, undefined, 404);
    expect((await org(ids.committee)).children.map((c: { id: number }) => c.id)).toEqual([ids.branch1, ids.branch2]);
    await expectCountsRight();
  });

  it('edits, transfers (with history) and removes members', async () => {
    const { opsA, opsB } = f.cookies;
    const m1 = await member(ids.m1);
    await call(opsA, 'PUT', `/api/party/members/${ids.m1}`, { version: m1.version, kind: 'full', post: '组织委员', joinedOn: '2011-07-01' }, 204);
    expect((await call(opsA, 'PUT', `/api/party/members/${ids.m1}`, { version: m1.version, kind: 'probationary', joinedOn: '2011-07-01' }, 409)).json().code).toBe('CONFLICT');
    expect(await member(ids.m1)).toMatchObject({ post: '组织委员', joinedOn: '2011-07-01', kind: 'full', version: 2 });

    expect((await call(opsA, 'POST', `/api/party/members/${ids.m1}/transfer`, { version: 2, toOrganizationId: ids.branch1, transferredOn: today, reason: '同组织' }, 422)).json().code).toBe('PARTY_TRANSFER_SAME_ORG');
    // Another street's organisation is not the caller's to transfer into; another street's operator cannot touch the member.
    await call(opsA, 'POST', `/api/party/members/${ids.m1}/transfer`, { version: 2, toOrganizationId: ids.branchB, transferredOn: today, reason: '迁居' }, 404);
    await call(opsB, 'POST', `/api/party/members/${ids.m1}/transfer`, { version: 2, toOrganizationId: ids.branchB, transferredOn: today, reason: '迁居' }, 404);
    await call(opsB, 'PUT', `/api/party/members/${ids.m1}`, { version: 2, kind: 'full', joinedOn: '2011-07-01' }, 404);
    await call(opsB, 'POST', `/api/party/members/${ids.m2}/remove`, { version: 1, endedOn: today, reason: 'x' }, 404);
    await call(opsA, 'POST', `/api/party/members/${ids.m1}/transfer`, { version: 2, toOrganizationId: ids.branch2, transferredOn: today, reason: '居住地变更' }, 204);
    const transferred = await member(ids.m1);
    expect(transferred).toMatchObject({ organizationId: ids.branch2, organizationName: '二社区支部', version: 3 });
    expect(transferred.transfers).toEqual([{
      id: expect.any(Number), fromOrganizationId: ids.branch1, fromOrganizationName: '一社区第一支部', toOrganizationId: ids.branch2, toOrganizationName: '二社区支部',
      transferredOn: today, reason: '居住地变更',
    }]);
    await expectCountsRight();

    const m2 = await member(ids.m2);
    await call(opsA, 'POST', `/api/party/members/${ids.m2}/remove`, { version: m2.version, endedOn: today, reason: '去世' }, 204);
    expect((await call(opsA, 'POST', `/api/party/members/${ids.m2}/remove`, { version: m2.version + 1, endedOn: today, reason: '去世' }, 409)).json().code).toBe('PARTY_MEMBER_ENDED');
    expect((await call(opsA, 'POST', `/api/party/members/${ids.m2}/transfer`, { version: m2.version + 1, toOrganizationId: ids.branch2, transferredOn: today, reason: 'x' }, 409)).json().code).toBe('PARTY_MEMBER_ENDED');
    expect(await member(ids.m2)).toMatchObject({ endedOn: today, endReason: '去世' });
    const b1 = await org(ids.branch1);
    expect(b1.members.map((m: { id: number }) => m.id)).toEqual([ids.m3]);
    expect(b1.formerMembers).toEqual([{ id: ids.m2, name: '陈二', endedOn: today, endReason: '去世' }]);
    await expectCountsRight();
  });

  it('dissolves an organisation, transferring its members in one transaction', async () => {
    const { opsA } = f.cookies;
    const b2 = await org(ids.branch2);
    expect((await call(opsA, 'POST', `/api/party/organizations/${ids.committee}/dissolve`, { version: 1, toOrganizationId: ids.branch1, dissolvedOn: today, reason: '调整' }, 409)).json().code).toBe('PARTY_ORG_HAS_CHILDREN');
    expect((await call(opsA, 'POST', `/api/party/organizations/${ids.branch2}/dissolve`, { version: b2.version + 1, toOrganizationId: ids.branch1, dissolvedOn: today, reason: '合并' }, 409)).json().code).toBe('CONFLICT');
    // A refused dissolve moved nobody.
    expect((await member(ids.m1)).organizationId).toBe(ids.branch2);
    const done = await call(opsA, 'POST', `/api/party/organizations/${ids.branch2}/dissolve`, { version: b2.version, toOrganizationId: ids.branch1, dissolvedOn: today, reason: '支部合并' }, 200);
    expect(done.json()).toEqual({ transferred: 1 });
    const m1 = await member(ids.m1);
    expect(m1.organizationId).toBe(ids.branch1);
    expect(m1.transfers.map((x: { fromOrganizationId: number; toOrganizationId: number; reason: string }) => [x.fromOrganizationId, x.toOrganizationId, x.reason]))
      .toEqual([[ids.branch1, ids.branch2, '居住地变更'], [ids.branch2, ids.branch1, '支部合并']]);
    expect(await org(ids.branch2)).toMatchObject({ dissolvedOn: today, dissolveReason: '支部合并', members: [] });
    const list = (await call(opsA, 'GET', '/api/party/organizations?pageSize=100', undefined, 200)).json();
    expect(list.items.map((o: { id: number }) => o.id)).not.toContain(ids.branch2);
    expect((await call(opsA, 'POST', `/api/party/organizations/${ids.branch2}/members`, { residentId: 1, kind: 'full', joinedOn: today }, 409)).json().code).toBe('PARTY_ORG_DISSOLVED');
    await expectCountsRight();
  });

  it('edits, relinks and deactivates a cadre; visits per cadre stay right, the deactivated cadre leaves who has not visited', async () => {
    const { opsA, opsB } = f.cookies;
    ids.cadre = (await call(opsA, 'POST', '/api/cadres', { name: '甲街道 孙干部', unitKind: 'street', unitCode: f.streetA, title: '科员' }, 201)).json().id;
    await call(opsA, 'POST', `/api/cadres/${ids.cadre}/links`, { gridCode: f.communityA }, 204);
    const c = (await call(opsA, 'GET', `/api/cadres/${ids.cadre}`, undefined, 200)).json();
    await call(opsA, 'PUT', `/api/cadres/${ids.cadre}`, { version: c.version, name: '甲街道 孙科长', unitKind: 'street', unitCode: f.streetA, title: '科长' }, 204);
    expect((await call(opsA, 'PUT', `/api/cadres/${ids.cadre}`, { version: c.version, name: 'x', unitKind: 'street', unitCode: f.streetA }, 409)).json().code).toBe('CONFLICT');
    expect((await call(opsA, 'PUT', `/api/cadres/${ids.cadre}`, { version: c.version + 1, name: 'x', unitKind: 'street', unitCode: f.streetB }, 403)).json().code).toBe('CADRE_OUT_OF_SCOPE');
    await call(opsB, 'PUT', `/api/cadres/${ids.cadre}`, { version: c.version + 1, name: 'x', unitKind: 'street', unitCode: f.streetB }, 404);
    await call(opsB, 'PUT', `/api/cadres/${ids.cadre}/links`, { version: c.version + 1, gridCodes: [f.communityB] }, 404);
    await call(opsB, 'POST', `/api/cadres/${ids.cadre}/deactivate`, { version: c.version + 1, retiredOn: today, reason: 'x' }, 404);

    const visit = (await call(opsA, 'POST', `/api/cadres/${ids.cadre}/visits`, { gridCode: f.communityA, plannedOn: today }, 201)).json().id;
    await call(opsA, 'POST', `/api/cadre-visits/${visit}/record`, { record: '走访一社区', findings: [] }, 200);

    expect((await call(opsA, 'PUT', `/api/cadres/${ids.cadre}/links`, { version: 2, gridCodes: [f.communityB] }, 403)).json().code).toBe('CADRE_OUT_OF_SCOPE');
    expect((await call(opsA, 'PUT', `/api/cadres/${ids.cadre}/links`, { version: 2, gridCodes: [f.streetA] }, 422)).json().code).toBe('CADRE_UNKNOWN_GRID');
    await call(opsA, 'PUT', `/api/cadres/${ids.cadre}/links`, { version: 2, gridCodes: [f.communityA2, f.unitA] }, 204);
    const relinked = (await call(opsA, 'GET', `/api/cadres/${ids.cadre}`, undefined, 200)).json();
    expect(relinked).toMatchObject({ name: '甲街道 孙科长', title: '科长', version: 3 });
    expect(relinked.links.map((l: { gridCode: string }) => l.gridCode).sort()).toEqual([f.communityA2, f.unitA].sort());
    const ended = await t.platform.db.primary.selectFrom('cadre_links').select(['grid_code', 'to_date']).where('cadre_id', '=', ids.cadre).where('is_current', '=', 0).execute();
    expect(ended).toEqual([{ grid_code: f.communityA, to_date: today }]);

    const notVisited = async () => (await call(opsA, 'GET', `/api/cadres/not-visited?month=${month}`, undefined, 200)).json().items
      .filter((i: { cadreId: number }) => i.cadreId === ids.cadre).map((i: { gridCode: string }) => i.gridCode).sort();
    // The done visit was to the community it is no longer linked to: both new links are still unvisited.
    expect(await notVisited()).toEqual([f.communityA2, f.unitA].sort());
    await call(opsA, 'POST', `/api/cadres/${ids.cadre}/visits`, { gridCode: f.unitA, plannedOn: today }, 201);

    const deactivated = await call(opsA, 'POST', `/api/cadres/${ids.cadre}/deactivate`, { version: 3, retiredOn: today, reason: '岗位调整' }, 200);
    expect(deactivated.json()).toEqual({ cancelledVisits: 1 });
    expect(await notVisited()).toEqual([]);
    const view = (await call(opsA, 'GET', `/api/cadres/${ids.cadre}`, undefined, 200)).json();
    expect(view).toMatchObject({ status: 'retired', retiredOn: today, retireReason: '岗位调整' });
    expect(view.visits.map((v: { status: string }) => v.status).sort()).toEqual(['cancelled', 'done']);
    expect((await call(opsA, 'POST', `/api/cadres/${ids.cadre}/visits`, { gridCode: f.unitA, plannedOn: today }, 409)).json().code).toBe('CADRE_RETIRED');
    expect((await call(opsA, 'PUT', `/api/cadres/${ids.cadre}`, { version: 4, name: 'x', unitKind: 'street', unitCode: f.streetA }, 409)).json().code).toBe('CADRE_RETIRED');
    expect((await call(opsA, 'POST', `/api/cadres/${ids.cadre}/deactivate`, { version: 4, retiredOn: today, reason: 'x' }, 409)).json().code).toBe('CADRE_RETIRED');

    // Visits per cadre against the raw rows: done visits of the month by cadre.
    const figures = (await call(f.cookies.admin, 'GET', `/api/cadres/figures?month=${month}`, undefined, 200)).json();
    const raw = await t.platform.db.primary.selectFrom('cadre_visits').select(['cadre_id', 'visited_at']).where('status', '=', 'done').execute();
    const [y, m] = month.split('-').map(Number) as [number, number];
    const start = Date.UTC(y, m - 1, 1) - 8 * 3_600_000;
    const end = Date.UTC(y, m, 1) - 8 * 3_600_000;
    const byCadre = new Map<number, number>();
    for (const v of raw) if (v.visited_at !== null && v.visited_at >= start && v.visited_at < end) byCadre.set(v.cadre_id, (byCadre.get(v.cadre_id) ?? 0) + 1);
    for (const item of figures.items as { cadreId: number; done: number }[]) expect(item.done, `cadre ${item.cadreId}`).toBe(byCadre.get(item.cadreId) ?? 0);
    expect(figures.items.find((i: { cadreId: number }) => i.cadreId === ids.cadre).done).toBe(1);
    expect(figures.totalDone).toBe([...byCadre.values()].reduce((s, n) => s + n, 0));
  });
});
