import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/infra/audit/audit.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { userWith } from '../incidents/support.js';
import { ok, patrolWorker, uuid } from './support.js';

interface Team {
  id: number;
  version: number;
  fullTime: number;
  partTime: number;
  complete: boolean;
  members: { id: number; userId: number | null; name: string; roleCode: string; kind: string; grids: { code: string }[]; version: number }[];
}

/** Teams ("1+4"), members with and without accounts, their grids in grid_workers, roles, settings and the rota. */
describe.each(DIALECTS)('teams on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let communityA: string;
  let communityB: string;
  let unitsA: string[];
  let unitB: string;
  let worker: { cookie: string; userId: number };
  let teamA: Team;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const rows = await t.platform.db.primary.selectFrom('grids').select(['code', 'level', 'parent_code']).orderBy('code').execute();
    const streets = rows.filter((r) => r.level === 'street').map((r) => r.code);
    communityA = rows.find((r) => r.level === 'community' && r.parent_code === streets[0])!.code;
    communityB = rows.find((r) => r.level === 'community' && r.parent_code === streets[1])!.code;
    unitsA = rows.filter((r) => r.parent_code === communityA).map((r) => r.code);
    unitB = rows.find((r) => r.level === 'unit' && r.code.startsWith(communityB))!.code;
    worker = await patrolWorker(t, 'full_a', unitsA[0]!);
  });
  afterAll(async () => t?.close());

  it('creates one team per community', async () => {
    teamA = ok<Team>(await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: communityA } }), 201);
    expect(teamA).toMatchObject({ fullTime: 0, partTime: 0, complete: false, members: [] });
    const again = await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: communityA } });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('TEAM_EXISTS');
    ok(await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: communityB, name: '乙社区队伍' } }), 201);
    const unknown = await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: '430111999999' } });
    expect(unknown.statusCode).toBe(404);
  });

  it('adds "1+4" members with and without accounts and keeps their grids in grid_workers', async () => {
    const add = (body: Record<string, unknown>) => t.request({ method: 'POST', url: `/api/teams/${teamA.id}/members`, cookie: admin, body });
    teamA = ok<Team>(await add({ userId: worker.userId, roleCode: 'full_time_worker', gridCodes: unitsA }));
    // A second full-time member is refused: the team has its one.
    const other = await userWith(t, 'full_a2', 'grid_worker', communityA);
    const second = await add({ userId: (await t.platform.accounts.findUserId('full_a2'))!, roleCode: 'full_time_worker', gridCodes: [] });
    expect(second.statusCode).toBe(409);
    expect(second.json().code).toBe('TEAM_FULL_TIME_TAKEN');
    expect(other).toBeTruthy();
    // Part-time members without accounts.
    for (const [name, role] of [['王网格长', 'grid_leader'], ['刘警务', 'police_assistant'], ['赵楼栋长', 'building_head']] as const) {
      teamA = ok<Team>(await add({ name, roleCode: role, gridCodes: [unitsA[0]!] }));
    }
    expect(teamA.complete).toBe(false);
    teamA = ok<Team>(await add({ userId: (await t.platform.accounts.findUserId('full_a2'))!, roleCode: 'part_time_worker', gridCodes: [unitsA[1] ?? unitsA[0]!] }));
    expect(teamA).toMatchObject({ fullTime: 1, partTime: 4, complete: true });
    // Refusals: a grid of another community, a nameless member without an account, an unknown role, a member twice.
    expect((await add({ name: '外人', roleCode: 'building_head', gridCodes: [unitB] })).json().code).toBe('TEAM_MEMBER_GRID_OUTSIDE');
    expect((await add({ roleCode: 'building_head', gridCodes: [] })).json().code).toBe('TEAM_MEMBER_NAME_REQUIRED');
    expect((await add({ name: '某', roleCode: 'captain', gridCodes: [] })).json().code).toBe('TEAM_ROLE_UNKNOWN');
    expect((await add({ userId: worker.userId, roleCode: 'part_time_worker', gridCodes: [] })).json().code).toBe('TEAM_MEMBER_DUPLICATE');

    const full = teamA.members.find((m) => m.userId === worker.userId)!;
    expect(full.grids.map((g) => g.code)).toEqual(unitsA);
    const leaderRow = teamA.members.find((m) => m.name === '王网格长')!;
    const rows = await t.platform.db.primary.selectFrom('grid_workers').selectAll().where('member_id', '=', leaderRow.id).execute();
    expect(rows).toMatchObject([{ grid_code: unitsA[0], user_id: null, role: 'part_time', to_date: null }]);

    // The grid map's worker editor leaves members without an account alone.
    await t.platform.grid.setWorkers(null, SYSTEM_ACTOR, unitsA[0]!, [{ userId: worker.userId, role: 'full_time', from: '2020-01-01' }]);
    const still = await t.platform.db.primary.selectFrom('grid_workers').select('to_date').where('member_id', '=', leaderRow.id).executeTakeFirstOrThrow();
    expect(still.to_date).toBeNull();
  });

  it('changes and ends memberships, ending their grid rows', async () => {
    const m = teamA.members.find((x) => x.name === '赵楼栋长')!;
    const moved = ok<Team>(await t.request({ method: 'PATCH', url: `/api/teams/${teamA.id}/members/${m.id}`, cookie: admin, body: { version: m.version, gridCodes: unitsA.slice(-1), name: '赵大姐' } }));
    const after = moved.members.find((x) => x.id === m.id)!;
    expect(after).toMatchObject({ name: '赵大姐', grids: [{ code: unitsA[unitsA.length - 1] }] });
    const stale = await t.request({ method: 'PATCH', url: `/api/teams/${teamA.id}/members/${m.id}`, cookie: admin, body: { version: m.version, name: '又改' } });
    expect(stale.statusCode).toBe(409);
    const removed = ok<Team>(await t.request({ method: 'DELETE', url: `/api/teams/${teamA.id}/members/${m.id}`, cookie: admin }));
    expect(removed.members.map((x) => x.id)).not.toContain(m.id);
    expect(removed.complete).toBe(false);
    const open = await t.platform.db.primary.selectFrom('grid_workers').select('id').where('member_id', '=', m.id).where('to_date', 'is', null).execute();
    expect(open).toEqual([]);
    teamA = removed;
    const audit = (await t.platform.db.primary.selectFrom('audit_log').select('action').where('action', 'like', 'team.%').execute()).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['team.create', 'team.member.add', 'team.member.update', 'team.member.remove']));
  });

  it('shows each caller the teams of its scope only', async () => {
    const streetB = await userWith(t, 'st_b', 'street_operator', communityB.slice(0, 9));
    const list = ok<{ items: { communityCode: string }[] }>(await t.request({ url: '/api/teams', cookie: streetB }));
    expect(list.items.map((i) => i.communityCode)).toEqual([communityB]);
    expect((await t.request({ url: `/api/teams/${teamA.id}`, cookie: streetB })).statusCode).toBe(404);
    // A team leader (网格长) of community A manages it; reading is not managing for a leader of the district.
    const lead = await userWith(t, 'lead_a', 'team_leader', communityA);
    expect((await t.request({ url: `/api/teams/${teamA.id}`, cookie: lead })).statusCode).toBe(200);
    const renamed = await t.request({ method: 'PATCH', url: `/api/teams/${teamA.id}`, cookie: lead, body: { name: '甲社区一号队', version: teamA.version } });
    expect(ok<Team>(renamed).version).toBe(teamA.version + 1);
    teamA = renamed.json();
    const leader = await t.login('leader');
    expect((await t.request({ url: `/api/teams/${teamA.id}`, cookie: leader })).statusCode).toBe(200);
    expect((await t.request({ method: 'PATCH', url: `/api/teams/${teamA.id}`, cookie: leader, body: { name: 'x', version: teamA.version } })).statusCode).toBe(403);
    const candidates = ok<{ items: { username: string }[] }>(await t.request({ url: `/api/teams/${teamA.id}/member-candidates?q=lead_a`, cookie: lead }));
    expect(candidates.items.map((c) => c.username)).toEqual(['lead_a']);
  });

  it('edits team roles and settings at the district only', async () => {
    const role = await t.request({ method: 'PUT', url: '/api/team-roles/volunteer', cookie: admin, body: { name: '志愿者', nameEn: 'Volunteer', kind: 'part_time', sort: 60, status: 'active' } });
    expect(ok(role)).toMatchObject({ code: 'volunteer', name: '志愿者' });
    const inUse = await t.request({ method: 'PUT', url: '/api/team-roles/grid_leader', cookie: admin, body: { name: '网格长', nameEn: 'Grid leader', kind: 'part_time', sort: 10, status: 'retired' } });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().code).toBe('TEAM_ROLE_IN_USE');
    const streetAdmin = await userWith(t, 'admin_a', 'admin', communityA.slice(0, 9));
    expect((await t.request({ method: 'PUT', url: '/api/team-roles/volunteer', cookie: streetAdmin, body: { name: '义工', nameEn: 'Volunteer', kind: 'part_time', sort: 60, status: 'active' } })).statusCode).toBe(403);

    const current = ok<{ settings: Record<string, unknown>; version: number }>(await t.request({ url: '/api/workforce/settings', cookie: admin }));
    expect(current.settings).toMatchObject({ clockToleranceM: 50, lateGraceMinutes: 5, team: { fullTime: 1, partTime: 4 } });
    const saved = await t.request({ method: 'PUT', url: '/api/workforce/settings', cookie: admin, body: { settings: { ...current.settings, clockToleranceM: 80 }, version: current.version } });
    expect(ok<{ version: number }>(saved).version).toBe(current.version + 1);
    expect((await t.request({ method: 'PUT', url: '/api/workforce/settings', cookie: admin, body: { settings: current.settings, version: current.version } })).statusCode).toBe(409);
    const bad = await t.request({ method: 'PUT', url: '/api/workforce/settings', cookie: admin, body: { settings: { ...current.settings, defaultShift: { start: '18:00', end: '08:00' } }, version: current.version + 1 } });
    expect(bad.statusCode).toBe(400);
    const me = ok<{ clockToleranceM: number }>(await t.request({ url: '/api/workforce/me', cookie: worker.cookie }));
    expect(me.clockToleranceM).toBe(80);
  });

  it('keeps a weekly rota with exceptions, and /me shows today\'s shift', async () => {
    const everyDay = { start: '07:00', end: '15:00' };
    const rota = await t.request({
      method: 'PUT', url: `/api/teams/${teamA.id}/rota`, cookie: admin,
      body: { weekly: Array(7).fill(everyDay), followCalendar: false, version: teamA.version },
    });
    teamA = ok<Team>(rota);
    expect((await t.request({ method: 'PUT', url: `/api/teams/${teamA.id}/rota`, cookie: admin, body: { weekly: Array(7).fill({ start: '15:00', end: '07:00' }), followCalendar: false, version: teamA.version } })).json().code).toBe('ROTA_INVALID');
    let me = ok<{ shiftToday: unknown; team: { id: number; roleName: string } }>(await t.request({ url: '/api/workforce/me', cookie: worker.cookie }));
    expect(me.shiftToday).toEqual(everyDay);
    expect(me.team).toMatchObject({ id: teamA.id, roleName: '专职网格员' });

    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const full = teamA.members.find((m) => m.userId === worker.userId)!;
    const exception = ok<{ id: number; memberName: string }>(await t.request({
      method: 'POST', url: `/api/teams/${teamA.id}/rota/exceptions`, cookie: admin, body: { date: today, memberId: full.id, shift: null, note: '调休' },
    }), 201);
    expect(exception.memberName).toBe('full_a');
    me = ok(await t.request({ url: '/api/workforce/me', cookie: worker.cookie }));
    expect(me.shiftToday).toBeNull();
    const listed = ok<{ exceptions: { id: number }[] }>(await t.request({ url: `/api/teams/${teamA.id}/rota?from=${today}&to=${today}`, cookie: admin }));
    expect(listed.exceptions.map((e) => e.id)).toEqual([exception.id]);
    expect((await t.request({ method: 'DELETE', url: `/api/teams/${teamA.id}/rota/exceptions/${exception.id}`, cookie: admin })).statusCode).toBe(204);
    me = ok(await t.request({ url: '/api/workforce/me', cookie: worker.cookie }));
    expect(me.shiftToday).toEqual(everyDay);
    expect((await t.request({ method: 'DELETE', url: `/api/teams/${teamA.id}/rota/exceptions/${exception.id}`, cookie: admin })).statusCode).toBe(404);
  });

  it('runs leave from request to decision', async () => {
    const lead = await t.login('lead_a');
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const body = { id: uuid(), kind: 'sick', fromDate: today, toDate: today, reason: '发烧' };
    const asked = await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body });
    const leave = ok<{ id: number; status: string; version: number; userName: string; communityName: string }>(asked, 201);
    expect(leave).toMatchObject({ status: 'pending', userName: 'full_a' });
    expect(ok(await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body }))).toEqual(asked.json());
    expect((await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body: { ...body, reason: '头疼' } })).json().code).toBe('IDEMPOTENCY_MISMATCH');
    expect((await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body: { ...body, id: uuid() } })).json().code).toBe('LEAVE_OVERLAPS');
    expect((await t.request({ method: 'POST', url: '/api/leave', cookie: worker.cookie, body: { ...body, id: uuid(), fromDate: '2020-01-01' } })).json().code).toBe('LEAVE_DATES_INVALID');
    // The worker cannot approve; someone of another street cannot see it; the team leader approves.
    expect((await t.request({ method: 'POST', url: `/api/leave/${leave.id}/approve`, cookie: worker.cookie, body: { version: 1 } })).statusCode).toBe(403);
    const stB = await t.login('st_b');
    expect((await t.request({ method: 'POST', url: `/api/leave/${leave.id}/approve`, cookie: stB, body: { version: 1 } })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/leave/${leave.id}/refuse`, cookie: stB, body: { version: 1 } })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/teams/${teamA.id}/leave`, cookie: stB, body: { ...body, id: uuid(), userId: worker.userId } })).statusCode).toBe(404);
    // Only the worker may withdraw their request: anyone else reads it as missing.
    expect((await t.request({ method: 'POST', url: `/api/leave/${leave.id}/cancel`, cookie: await t.login('full_a2'), body: { version: 1 } })).statusCode).toBe(404);
    const approved = ok<{ status: string; decidedBy: string }>(await t.request({ method: 'POST', url: `/api/leave/${leave.id}/approve`, cookie: lead, body: { version: leave.version, note: '好好休息' } }));
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'lead_a' });
    expect((await t.request({ method: 'POST', url: `/api/leave/${leave.id}/refuse`, cookie: lead, body: { version: leave.version + 1 } })).json().code).toBe('LEAVE_NOT_PENDING');
    expect(ok<{ onLeaveToday: boolean }>(await t.request({ url: '/api/workforce/me', cookie: worker.cookie })).onLeaveToday).toBe(true);

    // A member's pending request withdrawn; the leader's own request cannot be decided by the leader.
    const part = await t.login('full_a2');
    const later = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/leave', cookie: part, body: { id: uuid(), kind: 'personal', fromDate: today, toDate: today, reason: '家事' } }), 201);
    expect(ok<{ status: string }>(await t.request({ method: 'POST', url: `/api/leave/${later.id}/cancel`, cookie: part, body: { version: later.version } })).status).toBe('cancelled');
    const leaderUser = (await t.platform.accounts.findUserId('lead_a'))!;
    await t.request({ method: 'POST', url: `/api/teams/${teamA.id}/members`, cookie: admin, body: { userId: leaderUser, roleCode: 'grid_leader', gridCodes: [] } });
    const grant = await t.request({ method: 'POST', url: `/api/admin/users/${leaderUser}/assignments`, cookie: admin, body: { role: 'grid_worker', scopeKind: 'grid', scopeCode: communityA } });
    expect(grant.statusCode).toBe(201);
    const own = ok<{ id: number; version: number }>(await t.request({ method: 'POST', url: '/api/leave', cookie: lead, body: { id: uuid(), kind: 'annual', fromDate: today, toDate: today, reason: '年假' } }), 201);
    const self = await t.request({ method: 'POST', url: `/api/leave/${own.id}/approve`, cookie: lead, body: { version: own.version } });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe('LEAVE_OWN_DECISION');
    // Filed by a supervisor for a member: approved at once.
    const filed = await t.request({ method: 'POST', url: `/api/teams/${teamA.id}/leave`, cookie: admin, body: { id: uuid(), userId: (await t.platform.accounts.findUserId('full_a2'))!, kind: 'sick', fromDate: today, toDate: today, reason: '电话请假' } });
    expect(ok<{ status: string; requestedBy: string }>(filed, 201)).toMatchObject({ status: 'approved', requestedBy: '系统管理员' });

    const list = ok<{ items: { status: string }[] }>(await t.request({ url: `/api/leave?grid=${communityA}`, cookie: lead }));
    expect(list.items.map((i) => i.status).sort()).toEqual(['approved', 'approved', 'cancelled', 'pending']);
    const actions = (await t.platform.db.primary.selectFrom('audit_log').select('action').where('action', 'like', 'leave.%').orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['leave.request', 'leave.approve', 'leave.request', 'leave.cancel', 'leave.request', 'leave.file']);
  });
});
