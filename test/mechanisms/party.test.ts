import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { household, setUpMechanisms, type MechanismFixture } from './support.js';

/**
 * 基层党建 end to end: organisations on street, community and unit grids with
 * their hierarchy, members linked to residents (ID data masked), 党员联户,
 * activities with attendance, the counts per street matched against the raw
 * rows, the map layer, and another street's objects reading as 404.
 */
describe.each(DIALECTS)('party organisations on the grid on %s', (dialect) => {
  let t: TestApp;
  let f: MechanismFixture;
  const ids = { committeeA: 0, branchA: 0, branchA2: 0, twoNewA: 0, committeeB: 0, branchB: 0, member1: 0, member2: 0, activity: 0 };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    f = await setUpMechanisms(t);
  }, 120_000);
  afterAll(async () => t?.close());

  const post = async (cookie: string, url: string, body: unknown, status = 201) => {
    const res = await t.request({ method: 'POST', url, cookie, body });
    expect(res.statusCode, res.body).toBe(status);
    return res;
  };
  const org = async (cookie: string, body: Record<string, unknown>) => (await post(cookie, '/api/party/organizations', body)).json().id as number;

  it('builds the hierarchy on the grid and refuses what does not fit', async () => {
    const { opsA, opsB } = f.cookies;
    ids.committeeA = await org(opsA, { gridCode: f.streetA, name: '甲街道党工委', kind: 'committee', secretary: '王书记' });
    ids.branchA = await org(opsA, { gridCode: f.communityA, parentId: ids.committeeA, name: '一社区党支部', kind: 'branch' });
    ids.branchA2 = await org(opsA, { gridCode: f.communityA2, parentId: ids.committeeA, name: '二社区党支部', kind: 'branch' });
    ids.twoNewA = await org(opsA, { gridCode: f.unitA, parentId: ids.committeeA, name: '某科技公司党支部', kind: 'two_new', lng: 112.9, lat: 28.1 });
    ids.committeeB = await org(opsB, { gridCode: f.streetB, name: '乙街道党工委', kind: 'committee' });
    ids.branchB = await org(opsB, { gridCode: f.communityB, parentId: ids.committeeB, name: '乙社区党支部', kind: 'branch' });

    const refused = async (body: Record<string, unknown>, status: number, code: string) => {
      const res = await t.request({ method: 'POST', url: '/api/party/organizations', cookie: opsA, body });
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().code).toBe(code);
    };
    await refused({ gridCode: f.unitA, parentId: ids.branchA, name: 'x', kind: 'branch' }, 422, 'PARTY_PARENT_KIND');
    await refused({ gridCode: f.communityA2, parentId: ids.branchA, name: 'x', kind: 'two_new' }, 422, 'PARTY_PARENT_KIND');
    await refused({ gridCode: f.unitA, name: 'x', kind: 'committee' }, 422, 'PARTY_BRANCH_LEVEL');
    await refused({ gridCode: f.communityB, name: 'x', kind: 'branch' }, 403, 'PARTY_OUT_OF_SCOPE');
    await refused({ gridCode: '999999999', name: 'x', kind: 'branch' }, 422, 'PARTY_UNKNOWN_GRID');
    // Another street's parent reads as not found.
    await refused({ gridCode: f.communityA, parentId: ids.committeeB, name: 'x', kind: 'branch' }, 404, 'NOT_FOUND');

    const view = await t.request({ url: `/api/party/organizations/${ids.committeeA}`, cookie: opsA });
    expect(view.statusCode).toBe(200);
    expect(view.json().children.map((c: { id: number }) => c.id)).toEqual([ids.branchA, ids.branchA2, ids.twoNewA]);
  });

  it('adds residents as members with masked ID data, links the households they serve, records attendance', async () => {
    const { opsA, officerA } = f.cookies;
    const p1 = await household(t, officerA, f.unitA, 'P-H-1', '刘党员');
    const p2 = await household(t, officerA, f.unitA, 'P-H-2', '陈党员');
    const served = await household(t, officerA, f.unitA, 'P-H-3', '张居民');
    ids.member1 = (await post(opsA, `/api/party/organizations/${ids.branchA}/members`, { residentId: p1.residentId, kind: 'full', post: '支部书记', joinedOn: '2001-07-01' })).json().id;
    ids.member2 = (await post(opsA, `/api/party/organizations/${ids.branchA}/members`, { residentId: p2.residentId, kind: 'probationary', joinedOn: '2026-06-01' })).json().id;
    const again = await t.request({ method: 'POST', url: `/api/party/organizations/${ids.branchA2}/members`, cookie: opsA, body: { residentId: p1.residentId, kind: 'full', joinedOn: '2001-07-01' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('PARTY_ALREADY_MEMBER');

    const member = await t.request({ url: `/api/party/members/${ids.member1}`, cookie: opsA });
    expect(member.statusCode).toBe(200);
    const clear = await t.platform.db.primary.selectFrom('residents').select('id_cipher').where('id', '=', p1.residentId).executeTakeFirstOrThrow();
    const idNumber = t.platform.basedata.personal.open(clear.id_cipher)!;
    expect(member.json().idNumber).toBe(`${idNumber.slice(0, 6)}${'*'.repeat(8)}${idNumber.slice(14)}`);
    expect(member.json().phone).toBe('138****5678');
    expect(member.body).not.toContain(idNumber);

    await post(opsA, `/api/party/members/${ids.member1}/households`, { householdId: served.householdId }, 204);
    await post(opsA, `/api/party/members/${ids.member1}/households`, { householdId: served.householdId }, 204);
    await post(opsA, `/api/party/members/${ids.member1}/households`, { householdId: p2.householdId }, 204);
    const linked = (await t.request({ url: `/api/party/members/${ids.member1}`, cookie: opsA })).json();
    expect(linked.servedHouseholds.map((h: { id: number }) => h.id)).toEqual([p2.householdId, served.householdId].sort((a, b) => a - b));
    expect((await t.request({ method: 'DELETE', url: `/api/party/members/${ids.member1}/households/${p2.householdId}`, cookie: opsA })).statusCode).toBe(204);
    expect((await t.request({ url: `/api/party/members/${ids.member1}`, cookie: opsA })).json().servedHouseholds).toHaveLength(1);

    const stranger = await t.request({
      method: 'POST', url: `/api/party/organizations/${ids.branchA2}/activities`, cookie: opsA,
      body: { title: '主题党日', kind: 'theme_day', heldAt: '2026-11-20T02:00:00.000Z', attendeeIds: [ids.member1] },
    });
    expect(stranger.statusCode).toBe(422);
    expect(stranger.json().code).toBe('PARTY_ATTENDEE_NOT_MEMBER');
    ids.activity = (await post(opsA, `/api/party/organizations/${ids.branchA}/activities`, {
      title: '11月支部党员大会', kind: 'branch_meeting', heldAt: '2026-11-20T02:00:00.000Z', place: '社区党群服务中心', summary: '学习传达会议精神', attendeeIds: [ids.member1],
    })).json().id;
    const activity = (await t.request({ url: `/api/party/activities/${ids.activity}`, cookie: opsA })).json();
    expect(activity.present).toBe(1);
    expect(activity.members).toBe(2);
    expect(activity.attendance).toEqual([
      { memberId: ids.member1, name: '刘党员', present: true },
      { memberId: ids.member2, name: '陈党员', present: false },
    ]);
    expect((await t.request({ url: `/api/party/members/${ids.member1}`, cookie: opsA })).json().activitiesAttended).toBe(1);
  });

  it('counts organisations and members per street and per community as the raw rows do', async () => {
    const { admin, opsA, officerB, opsB } = f.cookies;
    const pb = await household(t, officerB, f.unitB, 'P-H-B1', '赵党员');
    await post(opsB, `/api/party/organizations/${ids.branchB}/members`, { residentId: pb.residentId, kind: 'full', joinedOn: '1998-07-01' });

    const db = t.platform.db.primary;
    const orgs = await db.selectFrom('party_organizations').select(['id', 'grid_code']).execute();
    const members = await db.selectFrom('party_members').select(['organization_id']).execute();
    const orgGrid = new Map(orgs.map((o) => [o.id, o.grid_code]));
    const expected = (len: number, prefix = '') => {
      const m = new Map<string, { organizations: number; members: number }>();
      const at = (code: string) => {
        const k = code.slice(0, len);
        if (!m.has(k)) m.set(k, { organizations: 0, members: 0 });
        return m.get(k)!;
      };
      for (const o of orgs.filter((x) => x.grid_code.startsWith(prefix))) at(o.grid_code).organizations += 1;
      for (const x of members) {
        const g = orgGrid.get(x.organization_id)!;
        if (g.startsWith(prefix)) at(g).members += 1;
      }
      return [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => ({ code, ...v }));
    };
    const byStreet = (await t.request({ url: '/api/party/counts?by=street', cookie: admin })).json();
    expect(byStreet.items.map(({ code, organizations, members: n }: { code: string; organizations: number; members: number }) => ({ code, organizations, members: n }))).toEqual(expected(9));
    expect(byStreet.total).toEqual({ organizations: orgs.length, members: members.length });
    expect(byStreet.items.find((i: { code: string }) => i.code === f.streetA)).toMatchObject({ organizations: 4, members: 2 });

    const byCommunity = (await t.request({ url: '/api/party/counts?by=community', cookie: opsA })).json();
    expect(byCommunity.items.map(({ code, organizations, members: n }: { code: string; organizations: number; members: number }) => ({ code, organizations, members: n }))).toEqual(expected(12, f.streetA));

    const map = (await t.request({ url: '/api/party/map', cookie: opsA })).json();
    expect(map.organizations).toHaveLength(4);
    expect(map.organizations.find((o: { id: number }) => o.id === ids.twoNewA)).toMatchObject({ lng: 112.9, lat: 28.1 });
    for (const o of map.organizations) expect(o.lng).not.toBeNull();
    const community = map.communities.find((c: { code: string }) => c.code === f.communityA);
    expect(community).toMatchObject({ organizations: 2, members: 2 });
  });

  it('reads another street\'s organisations, members and activities as 404', async () => {
    const { opsB } = f.cookies;
    for (const url of [`/api/party/organizations/${ids.branchA}`, `/api/party/members/${ids.member1}`, `/api/party/activities/${ids.activity}`]) {
      const res = await t.request({ url, cookie: opsB });
      expect(res.statusCode, url).toBe(404);
    }
    for (const [url, body] of [
      [`/api/party/organizations/${ids.branchA}/members`, { residentId: 1, kind: 'full', joinedOn: '2000-01-01' }],
      [`/api/party/organizations/${ids.branchA}/activities`, { title: 'x', kind: 'other', heldAt: '2026-11-20T02:00:00.000Z' }],
      [`/api/party/members/${ids.member1}/households`, { householdId: 1 }],
    ] as const) {
      const res = await t.request({ method: 'POST', url, cookie: opsB, body });
      expect(res.statusCode, url).toBe(404);
    }
    const del = await t.request({ method: 'DELETE', url: `/api/party/members/${ids.member1}/households/1`, cookie: opsB });
    expect(del.statusCode).toBe(404);
    const list = (await t.request({ url: '/api/party/organizations?pageSize=500', cookie: opsB })).json();
    expect(list.items.every((o: { gridCode: string }) => o.gridCode.startsWith(f.streetB))).toBe(true);
  });
});
