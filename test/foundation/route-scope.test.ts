import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/modules/accounts/catalogue.js';
import { moveDueCases } from '../../src/modules/archive/move.js';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';
import { gridHelper } from '../incidents/support.js';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';

/**
 * Walks the route registry: every route that takes an object id must answer
 * 404 to a caller of street A for an object of street B (and not 404 for the
 * same kind of object in street A). A route that takes an id must either have
 * a probe here, be listed as unscoped configuration with a reason, or name
 * the module test that probes it; a new id route with none of these fails.
 */
/** Path parameters of an object in street A and in street B, and a valid body for the call. */
type Probe = { a: Record<string, string>; b: Record<string, string>; body?: unknown };

/** Ids that name no scoped object (global configuration, or a queue name). */
const UNSCOPED: Record<string, string> = {
  'PUT /api/admin/roles/:code': 'roles are district-wide configuration',
  'DELETE /api/admin/roles/:code': 'roles are district-wide configuration',
  'PUT /api/incident-categories/:code': 'categories are district-wide configuration',
  'PUT /api/incident-categories/majors/:code': 'categories are district-wide configuration',
  'GET /api/incidents/queues/:queue': 'a queue name; its rows are scope-filtered (test/incidents)',
  'PUT /api/team-roles/:code': 'team roles are district-wide configuration',
  'PUT /api/departments/:code': 'departments are district-wide configuration',
  'POST /api/departments/:code/status': 'departments are district-wide configuration',
  'PUT /api/incident-calendar/years/:year': 'the working calendar is district-wide configuration',
  'PUT /api/incident-workflows/:caseType': 'workflows per case type are district-wide configuration',
  'PUT /api/clients/:id': 'API clients are district-wide configuration (clients.manage)',
  'POST /api/clients/:id/rotate': 'API clients are district-wide configuration (clients.manage)',
  'POST /api/clients/:id/revoke': 'API clients are district-wide configuration (clients.manage)',
  'GET /api/clients/:id/usage': 'API clients are district-wide configuration (clients.manage)',
  'POST /api/clients/:id/verify-jobs': 'API clients are district-wide configuration (clients.manage)',
  'GET /api/clients/:id/verify-jobs': 'API clients are district-wide configuration (clients.manage)',
  'GET /api/verify-jobs/:id/result.csv': 'bulk verification jobs of API clients are district-wide configuration (clients.manage)',
  'GET /api/clients/:id/webhooks': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'POST /api/clients/:id/webhooks': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'PUT /api/clients/:id/webhooks/:sid': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'DELETE /api/clients/:id/webhooks/:sid': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'POST /api/clients/:id/webhooks/:sid/rotate-secret': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'POST /api/clients/:id/webhooks/:sid/pause': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'POST /api/clients/:id/webhooks/:sid/resume': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'GET /api/clients/:id/webhooks/:sid/deliveries': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'POST /api/clients/:id/webhooks/:sid/replay': 'webhook subscriptions of API clients are district-wide configuration (clients.manage); another client\'s subscription is 404 (test/webhooks)',
  'PUT /api/incident-categories/:code/public': 'categories are district-wide configuration',
  'PUT /api/cascade/peers/:id': 'peer platforms of the cascade are district-wide configuration (cascade.manage)',
  'GET /api/public/photos/:hash': 'public: a photo released on a case of a public category; any other reads as 404 (test/citizens/public-map.test.ts)',
  'GET /api/public/photos/:hash/thumbnail': 'public: as the photo',
  'GET /open311/v2/services/:file': 'public: a public category (Open311 service definition)',
  'GET /open311/v2/requests/:file': 'public: a case of a public category by its code, as on the public map (test/citizens/open311.test.ts)',
};

/** Id routes whose cross-scope 404 is asserted in their module's own test file. */
const PROBED_IN_MODULE: Record<string, string> = {
  // Import jobs belong to the user who uploaded them: another user's job reads as 404.
  'PUT /api/residents/imports/:id/mapping': 'test/basedata/import.test.ts',
  'POST /api/residents/imports/:id/run': 'test/basedata/import.test.ts',
  'GET /api/residents/imports/:id': 'test/basedata/import.test.ts',
  'GET /api/residents/imports/:id/errors.csv': 'test/basedata/import.test.ts',
  'PATCH /api/components/:id': 'test/basedata/records.test.ts',
  'PATCH /api/organizations/:id': 'test/basedata/records.test.ts',
  'GET /api/files/:hash': 'test/incidents/attachments.test.ts',
  'GET /api/files/:hash/thumbnail': 'test/incidents/attachments.test.ts',
  // Department grids are scoped by department, not by street: 404 for another department's (test/grid/department.test.ts).
  'GET /api/grids/departments/:department/geojson': 'test/grid/department.test.ts',
  'GET /api/grids/departments/:department/export': 'test/grid/department.test.ts',
  'GET /api/grids/departments/:department/history': 'test/grid/department.test.ts',
  'POST /api/grids/departments/:department/import': 'test/grid/department.test.ts',
  // A patrol belongs to its worker alone: another user's (even in the same scope) reads as 404.
  'POST /api/patrols/:id/points': 'test/workforce/patrols.test.ts',
  'POST /api/patrols/:id/stop': 'test/workforce/patrols.test.ts',
  // Leave: decided in the team's scope, withdrawn by its worker alone; filing needs a member of the team.
  'POST /api/leave/:id/approve': 'test/workforce/teams.test.ts',
  'POST /api/leave/:id/refuse': 'test/workforce/teams.test.ts',
  'POST /api/leave/:id/cancel': 'test/workforce/teams.test.ts',
  'POST /api/teams/:id/leave': 'test/workforce/teams.test.ts',
  // API-key routes: a job or an order belongs to its client; another client's reads as 404.
  'GET /api/share/verify-jobs/:id': 'test/clients/share-jobs.test.ts',
  'GET /api/share/verify-jobs/:id/result.csv': 'test/clients/share-jobs.test.ts',
  'GET /api/hotline/orders/:externalNo': 'test/clients/hotline-link.test.ts',
  // The caller's verdict: only the pushing client's own order (another client's reads 404).
  'POST /api/hotline/orders/:externalNo/verdict': 'test/clients/hotline-link.test.ts',
  // An order waiting for a position is seen by operators whose scope overlaps its client's; the case's order by who sees the case.
  'POST /api/hotline/awaiting-location/:id/locate': 'test/clients/hotline-link.test.ts',
  'GET /api/incidents/:id/hotline-order': 'test/clients/hotline-link.test.ts',
  // Party building, linked cadres, livelihood projects: another street's objects read as 404 in each module's test.
  'GET /api/party/organizations/:id': 'test/mechanisms/party.test.ts',
  'POST /api/party/organizations/:id/members': 'test/mechanisms/party.test.ts',
  'POST /api/party/organizations/:id/activities': 'test/mechanisms/party.test.ts',
  'GET /api/party/members/:id': 'test/mechanisms/party.test.ts',
  'POST /api/party/members/:id/households': 'test/mechanisms/party.test.ts',
  'DELETE /api/party/members/:id/households/:householdId': 'test/mechanisms/party.test.ts',
  'GET /api/party/activities/:id': 'test/mechanisms/party.test.ts',
  'PUT /api/party/organizations/:id': 'test/mechanisms/edits.test.ts',
  'DELETE /api/party/organizations/:id': 'test/mechanisms/edits.test.ts',
  'POST /api/party/organizations/:id/dissolve': 'test/mechanisms/edits.test.ts',
  'PUT /api/party/members/:id': 'test/mechanisms/edits.test.ts',
  'POST /api/party/members/:id/transfer': 'test/mechanisms/edits.test.ts',
  'POST /api/party/members/:id/remove': 'test/mechanisms/edits.test.ts',
  'PUT /api/cadres/:id': 'test/mechanisms/edits.test.ts',
  'PUT /api/cadres/:id/links': 'test/mechanisms/edits.test.ts',
  'POST /api/cadres/:id/deactivate': 'test/mechanisms/edits.test.ts',
  'GET /api/cadres/:id': 'test/mechanisms/cadres.test.ts',
  'POST /api/cadres/:id/links': 'test/mechanisms/cadres.test.ts',
  'DELETE /api/cadres/:id/links/:linkId': 'test/mechanisms/cadres.test.ts',
  'POST /api/cadres/:id/visits': 'test/mechanisms/cadres.test.ts',
  'GET /api/cadre-visits/:id': 'test/mechanisms/cadres.test.ts',
  'POST /api/cadre-visits/:id/record': 'test/mechanisms/cadres.test.ts',
  'POST /api/cadre-visits/:id/cancel': 'test/mechanisms/cadres.test.ts',
  'POST /api/cadre-visits/:id/findings/:findingId/incident': 'test/mechanisms/cadres.test.ts',
  'GET /api/livelihood/needs/:id': 'test/mechanisms/livelihood.test.ts',
  'POST /api/livelihood/needs/:id/assess': 'test/mechanisms/livelihood.test.ts',
  'POST /api/livelihood/needs/:id/approve': 'test/mechanisms/livelihood.test.ts',
  'POST /api/livelihood/needs/:id/progress': 'test/mechanisms/livelihood.test.ts',
  'POST /api/livelihood/needs/:id/complete': 'test/mechanisms/livelihood.test.ts',
  'POST /api/livelihood/needs/:id/feedback': 'test/mechanisms/livelihood.test.ts',
  'GET /api/livelihood/needs/:id/photos/:hash': 'test/mechanisms/livelihood.test.ts',
  // Unsatisfied hotline orders: another street's order reads 404 for every action (the worker's own orders besides).
  'GET /api/hotline/revisits/:id': 'test/hotline/orders.test.ts',
  'POST /api/hotline/revisits/:id/assign': 'test/hotline/orders.test.ts',
  'POST /api/hotline/revisits/:id/help': 'test/hotline/orders.test.ts',
  'POST /api/hotline/revisits/:id/answer': 'test/hotline/orders.test.ts',
  // Joint meetings: a meeting (and its items, decisions) of another street reads as 404 on every id route.
  'GET /api/meetings/:id': 'test/meetings/meetings.test.ts',
  'PATCH /api/meetings/:id': 'test/meetings/meetings.test.ts',
  'GET /api/meetings/:id/candidates': 'test/meetings/meetings.test.ts',
  'POST /api/meetings/:id/items': 'test/meetings/meetings.test.ts',
  'POST /api/meetings/:id/items/:itemId/decisions': 'test/meetings/meetings.test.ts',
  'POST /api/meetings/:id/close': 'test/meetings/meetings.test.ts',
  'POST /api/meetings/decisions/:id/done': 'test/meetings/meetings.test.ts',
  // Campaigns: one pushed to another street reads as 404; a worker fills only the targets of their own grids.
  'GET /api/campaigns/:id': 'test/campaigns/campaigns.test.ts',
  'POST /api/campaigns/:id/push': 'test/campaigns/campaigns.test.ts',
  'POST /api/campaigns/:id/close': 'test/campaigns/campaigns.test.ts',
  'GET /api/campaigns/:id/progress': 'test/campaigns/campaigns.test.ts',
  'GET /api/campaigns/:id/targets': 'test/campaigns/campaigns.test.ts',
  'POST /api/campaigns/:id/responses': 'test/campaigns/campaigns.test.ts',
  // An API client's key reaches only its own subscriptions: another client's reads as 404.
  'DELETE /api/webhooks/subscriptions/:sid': 'test/webhooks/webhooks.test.ts',
  // A notification and a field task belong to their user alone: another user's reads as 404.
  'POST /api/notifications/:id/read': 'test/command/portal.test.ts',
  'POST /api/command/field-tasks/:id/done': 'test/command/portal.test.ts',
  // A peer platform's news reaches only the cases this platform sent to that peer: another's code reads as 404.
  'POST /api/cascade/cases/:code/events': 'test/cascade/two-platforms.test.ts',
  // Releasing a photo needs the case's id and one of its photos: another street's case reads as 404.
  'PUT /api/incidents/:id/photos/:hash/public': 'test/citizens/public-map.test.ts',
};

describe.each(DIALECTS)('route registry scope walk on %s', (dialect) => {
  let t: TestApp;
  let cookieA: string;
  const probes = new Map<string, Probe>();

  beforeAll(async () => {
    t = await openTestApp(dialect);
    const admin = await t.login('admin');
    const grids = await gridHelper(t);
    const [streetA, streetB] = grids.streets as [string, string];
    const unitA = grids.units.find((u) => u.startsWith(streetA))!;
    const unitB = grids.units.find((u) => u.startsWith(streetB))!;
    // One role with every permission, held in street A only.
    const role = await t.request({
      method: 'POST', url: '/api/admin/roles', cookie: admin,
      body: { code: 'probe_all', name: '探针', nameEn: 'Probe', permissions: PERMISSIONS.map((p) => p.code) },
    });
    expect(role.statusCode, role.body).toBe(201);
    const ids: Record<string, number> = {};
    const assignment: Record<string, number> = {};
    for (const [username, roleCode, scope] of [
      ['probe_a', 'probe_all', streetA], ['probe_b', 'probe_all', streetB],
      ['member_a', 'grid_worker', unitA], ['member_b', 'grid_worker', unitB],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
      ids[username] = res.json().user.id;
      const grant = await t.request({ method: 'POST', url: `/api/admin/users/${ids[username]}/assignments`, cookie: admin, body: { role: roleCode, scopeKind: 'grid', scopeCode: scope } });
      expect(grant.statusCode, grant.body).toBe(201);
      assignment[username] = grant.json().assignments[0].id;
      await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', ids[username]!).execute();
    }
    cookieA = await t.login('probe_a', DEMO_PASSWORD);

    const operator = await t.login('operator');
    const incident = async (unit: string) => {
      const res = await t.request({
        method: 'POST', url: '/api/incidents', cookie: operator,
        body: { channel: 'operator_phone', description: '路灯不亮', position: { ...grids.pointIn(unit), crs: 'wgs84' } },
      });
      expect(res.statusCode, res.body).toBe(201);
      return String(res.json().incident.id);
    };
    const [incA, incB] = [await incident(unitA), await incident(unitB)];

    const user = { a: { id: String(ids.member_a) }, b: { id: String(ids.member_b) } };
    for (const route of ['GET /api/admin/users/:id', 'POST /api/admin/users/:id/unlock', 'POST /api/admin/users/:id/reset-password']) {
      probes.set(route, user);
    }
    probes.set('PATCH /api/admin/users/:id', { ...user, body: { displayName: '改名' } });
    probes.set('POST /api/admin/users/:id/assignments', { ...user, body: { role: 'leader', scopeKind: 'grid', scopeCode: streetA } });
    probes.set('DELETE /api/admin/users/:id/assignments/:assignmentId', {
      a: { id: String(ids.member_a), assignmentId: String(assignment.member_a) },
      b: { id: String(ids.member_b), assignmentId: String(assignment.member_b) },
    });
    const grid = { a: { code: unitA }, b: { code: unitB } };
    for (const route of ['GET /api/grids/:code', 'GET /api/grids/:code/neighbours', 'GET /api/grids/:code/history']) probes.set(route, grid);
    probes.set('PATCH /api/grids/:code', { ...grid, body: { version: 1, name: '探针网格' } });
    probes.set('PUT /api/grids/:code/workers', { ...grid, body: { workers: [] } });
    const inc = { a: { id: incA }, b: { id: incB } };
    for (const route of ['GET /api/incidents/:id', 'GET /api/incidents/:id/duplicates', 'GET /api/incidents/:id/assignees', 'GET /api/incidents/:id/rating', 'GET /api/incidents/:id/public-photos']) probes.set(route, inc);
    probes.set('POST /api/incidents/:id/actions', { ...inc, body: { type: 'accept', version: 1 } });
    probes.set('GET /api/incidents/:id/cascade', inc);
    probes.set('POST /api/incidents/:id/cascade', { ...inc, body: { version: 1 } });
    probes.set('POST /api/incidents/:id/merge', { ...inc, body: { intoId: Number(incA), version: 1 } });
    probes.set('GET /api/command/cases/:id/nearest-workers', inc);
    probes.set('POST /api/command/cases/:id/field-tasks', { ...inc, body: { userId: ids.member_a, kind: 'inspect' } });
    // Archived cases: one rejected case per street, moved to the archive store, read by code.
    const archivedCode = async (unit: string) => {
      const id = await incident(unit);
      const rejected = await t.request({ method: 'POST', url: `/api/incidents/${id}/actions`, cookie: operator, body: { type: 'reject', version: 1, reason: '探针' } });
      expect(rejected.statusCode, rejected.body).toBe(200);
      return rejected.json().incident.code as string;
    };
    const [archivedA, archivedB] = [await archivedCode(unitA), await archivedCode(unitB)];
    expect((await moveDueCases(t.platform.db, t.platform.archive, { olderThanDays: 0, now: Date.now() + 1000 })).moved).toBe(2);
    probes.set('GET /api/archive/incidents/:code', { a: { code: archivedA }, b: { code: archivedB } });

    // Base data: the same objects created by a street A and a street B user.
    const cookieB = await t.login('probe_b', DEMO_PASSWORD);
    let idSeq = 0;
    const baseObjects = async (cookie: string, unit: string) => {
      const post = async (url: string, body: unknown) => {
        const res = await t.request({ method: 'POST', url, cookie, body });
        expect(res.statusCode, `${url} ${res.body}`).toBe(201);
        return String(res.json().id);
      };
      const building = await post('/api/buildings', { gridCode: unit, name: '1栋', address: '劳动路 1 号', entrances: ['1单元'] });
      const dwelling = await post('/api/dwellings', { buildingId: Number(building), entrance: '1单元', roomNo: '101' });
      const household = await post('/api/households', { householdNo: `H-${unit}`, gridCode: unit, dwellingId: Number(dwelling) });
      idSeq += 1;
      const resident = await post('/api/residents', {
        gridCode: unit, name: `探针${idSeq}`, idNumber: makeIdNumber('430111', '19800101', idSeq, 'male'), population: 'registered',
      });
      const place = await post('/api/places', { gridCode: unit, name: '小吃店', type: 'small_restaurant', address: '劳动路 3 号' });
      return { building, dwelling, household, resident, place };
    };
    const [oa, ob] = [await baseObjects(cookieA, unitA), await baseObjects(cookieB, unitB)];
    const pair = (key: keyof typeof oa) => ({ a: { id: oa[key] }, b: { id: ob[key] } });
    probes.set('GET /api/buildings/:id', pair('building'));
    probes.set('GET /api/dwellings/:id', pair('dwelling'));
    probes.set('GET /api/households/:id', pair('household'));
    probes.set('PATCH /api/buildings/:id', { ...pair('building'), body: { name: '2栋' } });
    probes.set('PATCH /api/dwellings/:id', { ...pair('dwelling'), body: { area: 86.5 } });
    probes.set('PATCH /api/households/:id', { ...pair('household'), body: { householdNo: 'H-改号' } });
    probes.set('GET /api/households/:id/visits', pair('household'));
    probes.set('POST /api/households/:id/visits', { ...pair('household'), body: { summary: '入户走访，一切正常' } });
    probes.set('GET /api/residents/:id', pair('resident'));
    probes.set('PATCH /api/residents/:id', { ...pair('resident'), body: { version: 1, name: '改名' } });
    probes.set('POST /api/residents/:id/unmask', { ...pair('resident'), body: { reason: '核实身份' } });
    probes.set('POST /api/residents/:id/move-in', { ...pair('resident'), body: { dwellingId: Number(oa.dwelling), relation: 'owner', date: '2020-01-01' } });
    probes.set('POST /api/residents/:id/move-out', { ...pair('resident'), body: { date: '2021-01-01' } });
    probes.set('PUT /api/residents/:id/key-person', { ...pair('resident'), body: { category: 'other', level: 'low', notes: '探针' } });
    probes.set('GET /api/places/:id', pair('place'));
    probes.set('POST /api/places/:id/inspections', { ...pair('place'), body: { result: 'pass' } });
    probes.set('PATCH /api/places/:id', { ...pair('place'), body: { name: '改名' } });

    // Workforce: a team in each street, with a member without an account and a rota exception.
    const team = async (unit: string) => {
      const res = await t.request({ method: 'POST', url: '/api/teams', cookie: admin, body: { communityCode: unit.slice(0, 12) } });
      expect(res.statusCode, res.body).toBe(201);
      const id = res.json().id as number;
      const member = await t.request({ method: 'POST', url: `/api/teams/${id}/members`, cookie: admin, body: { name: '楼栋长', roleCode: 'building_head', gridCodes: [unit] } });
      const exception = await t.request({ method: 'POST', url: `/api/teams/${id}/rota/exceptions`, cookie: admin, body: { date: '2026-01-01', shift: null } });
      return { id: String(id), memberId: String(member.json().members[0].id), exceptionId: String(exception.json().id) };
    };
    const [ta, tb] = [await team(unitA), await team(unitB)];
    const teamPair = { a: { id: ta.id }, b: { id: tb.id } };
    for (const route of ['GET /api/teams/:id', 'GET /api/teams/:id/member-candidates', 'GET /api/teams/:id/rota']) probes.set(route, teamPair);
    probes.set('PATCH /api/teams/:id', { ...teamPair, body: { name: '探针队伍', version: 1 } });
    probes.set('POST /api/teams/:id/members', { ...teamPair, body: { name: '探针', roleCode: 'building_head', gridCodes: [] } });
    probes.set('PUT /api/teams/:id/rota', { ...teamPair, body: { weekly: [null, null, null, null, null, null, null], followCalendar: true, version: 1 } });
    probes.set('POST /api/teams/:id/rota/exceptions', { ...teamPair, body: { date: '2026-01-02', shift: null } });
    const memberPair = { a: { id: ta.id, memberId: ta.memberId }, b: { id: tb.id, memberId: tb.memberId } };
    probes.set('PATCH /api/teams/:id/members/:memberId', { ...memberPair, body: { version: 1, name: '改名' } });
    probes.set('DELETE /api/teams/:id/members/:memberId', memberPair);
    probes.set('DELETE /api/teams/:id/rota/exceptions/:exceptionId', { a: { id: ta.id, exceptionId: ta.exceptionId }, b: { id: tb.id, exceptionId: tb.exceptionId } });

    // Reports: a monthly report of each street (generated in the background; a download answers 200 or 409, never 404 in its own street).
    const report = async (street: string) => {
      const res = await t.request({ method: 'POST', url: '/api/reports', cookie: admin, body: { kind: 'monthly', period: '2026-01', scope: street } });
      expect(res.statusCode, res.body).toBe(202);
      return String(res.json().id);
    };
    const reportPair = { a: { id: await report(streetA) }, b: { id: await report(streetB) } };
    await t.platform.reports.kick();
    for (const route of ['GET /api/reports/:id', 'GET /api/reports/:id/xlsx', 'GET /api/reports/:id/pdf']) probes.set(route, reportPair);
  });
  afterAll(async () => t?.close());

  const fill = (url: string, params: Record<string, string>) => url.replace(/:(\w+)/g, (_, name: string) => params[name] ?? '1');

  it('covers every route that takes an id', () => {
    const idRoutes = t.routes.filter((r) => r.url.includes(':')).map((r) => `${r.method} ${r.url}`);
    const unknown = idRoutes.filter((r) => !probes.has(r) && !(r in UNSCOPED) && !(r in PROBED_IN_MODULE));
    expect(unknown, 'id routes with no scope probe').toEqual([]);
    for (const [route, file] of Object.entries(PROBED_IN_MODULE)) {
      if (!idRoutes.includes(route)) continue;
      expect(existsSync(file), `${route}: ${file}`).toBe(true);
      expect(readFileSync(file, 'utf8')).toMatch(/404/);
    }
  });

  it('answers 404 for an object of another street and not for one of the own street', async () => {
    for (const [route, probe] of probes) {
      const [method, url] = route.split(' ') as [string, string];
      const body = method === 'GET' || method === 'DELETE' ? undefined : (probe.body ?? {});
      const foreign = await t.request({ method, url: fill(url, probe.b), cookie: cookieA, body });
      expect(foreign.statusCode, `${route} (street B)`).toBe(404);
      const own = await t.request({ method, url: fill(url, probe.a), cookie: cookieA, body });
      expect(own.statusCode, `${route} (street A): ${own.body}`).not.toBe(404);
    }
  });
});
