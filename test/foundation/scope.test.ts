import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';

/**
 * Scoped administration: an admin of street A manages the users of street A;
 * a user of street B reads as 404 (not 403), so ids cannot be probed.
 */
describe.each(DIALECTS)('scope on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let streetA: string;
  let streetB: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const streets = await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').limit(2).execute();
    expect(streets).toHaveLength(2);
    [streetA, streetB] = [streets[0]!.code, streets[1]!.code];
    for (const [username, role, scopeCode] of [
      ['admin_a', 'admin', streetA],
      ['worker_a', 'grid_worker', streetA],
      ['worker_b', 'grid_worker', streetB],
      ['handler_x', 'handler', 'D02'],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
      expect(res.statusCode).toBe(201);
      ids[username] = res.json().user.id;
      const grant = await t.request({
        method: 'POST', url: `/api/admin/users/${ids[username]}/assignments`, cookie: admin,
        body: { role, scopeKind: scopeCode.startsWith('D') ? 'department' : 'grid', scopeCode },
      });
      expect(grant.statusCode).toBe(201);
      await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', ids[username]!).execute();
    }
  });
  afterAll(async () => t?.close());

  it('lists only the users inside the admin scope', async () => {
    const cookie = await t.login('admin_a', DEMO_PASSWORD);
    const list = await t.request({ url: '/api/admin/users?pageSize=200', cookie });
    expect(list.statusCode).toBe(200);
    const names = list.json().items.map((u: { username: string }) => u.username);
    expect(names).toContain('worker_a');
    expect(names).toContain('admin_a');
    expect(names).not.toContain('worker_b');
    expect(names).not.toContain('handler_x');
    // The district admin sees everyone.
    const all = (await t.request({ url: '/api/admin/users?pageSize=200', cookie: admin })).json();
    expect(all.items.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['worker_a', 'worker_b', 'handler_x']));
  });

  it('answers 404, not 403, for a user in another street, on every id route', async () => {
    const cookie = await t.login('admin_a', DEMO_PASSWORD);
    const b = ids.worker_b!;
    const attempts = [
      { method: 'GET', url: `/api/admin/users/${b}` },
      { method: 'PATCH', url: `/api/admin/users/${b}`, body: { displayName: 'x' } },
      { method: 'POST', url: `/api/admin/users/${b}/unlock` },
      { method: 'POST', url: `/api/admin/users/${b}/reset-password` },
      { method: 'POST', url: `/api/admin/users/${b}/assignments`, body: { role: 'leader', scopeKind: 'grid', scopeCode: streetA } },
      { method: 'DELETE', url: `/api/admin/users/${b}/assignments/1` },
    ];
    for (const a of attempts) {
      const res = await t.request({ ...a, cookie });
      expect(res.statusCode, `${a.method} ${a.url}`).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    // The same calls on a user of its own street work.
    expect((await t.request({ url: `/api/admin/users/${ids.worker_a}`, cookie })).statusCode).toBe(200);
    // A nonexistent id looks exactly like a foreign one.
    expect((await t.request({ url: '/api/admin/users/999999', cookie })).statusCode).toBe(404);
  });

  it('refuses to grant a scope outside the admin own', async () => {
    const cookie = await t.login('admin_a', DEMO_PASSWORD);
    const res = await t.request({
      method: 'POST', url: `/api/admin/users/${ids.worker_a}/assignments`, cookie,
      body: { role: 'grid_worker', scopeKind: 'grid', scopeCode: streetB },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('SCOPE_OUTSIDE_YOURS');
  });

  it('refuses routes the role lacks, and unauthenticated calls, on every registered route', async () => {
    const worker = await t.login('worker_a', DEMO_PASSWORD);
    for (const route of t.routes) {
      const url = route.url.replace(/:(\w+)/g, '1');
      const anonymous = await t.request({ method: route.method, url, body: route.method === 'GET' ? undefined : {} });
      if (route.policy.access === 'public') {
        expect(anonymous.statusCode, `${route.method} ${route.url}`).not.toBe(401);
        continue;
      }
      if (route.policy.access === 'api-key') {
        // No key: refused (401), or the body is refused before the key is looked at (400).
        expect([400, 401], `${route.method} ${route.url}`).toContain(anonymous.statusCode);
        continue;
      }
      expect(anonymous.statusCode, `${route.method} ${route.url}`).toBe(401);
      if (route.policy.access === 'permission' && route.policy.permission.startsWith('users.')) {
        const res = await t.request({ method: route.method, url, cookie: worker, body: route.method === 'GET' ? undefined : {} });
        expect(res.statusCode, `${route.method} ${route.url}`).toBe(403);
      }
    }
  });
});
