import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';

/**
 * Reading and administering the demo tree (scale 0.2: two streets) under
 * scopes: street A sees its subtree and its ancestors, never street B; a
 * department sees the whole map read-only; edits are versioned and audited.
 */
describe.each(DIALECTS)('grid reads and admin on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let streetA: string;
  let streetB: string;
  let unitA: string;
  let unitB: string;
  const ids: Record<string, number> = {};

  const get = (url: string, cookie: string) => t.request({ url, cookie });

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    const db = t.platform.db.primary;
    const streets = await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').execute();
    [streetA, streetB] = [streets[0]!.code, streets[1]!.code];
    unitA = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetA}%`).orderBy('code').executeTakeFirstOrThrow()).code;
    unitB = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetB}%`).orderBy('code').executeTakeFirstOrThrow()).code;
    for (const [username, role, kind, scopeCode] of [
      ['admin_a', 'admin', 'grid', streetA],
      ['worker_a', 'grid_worker', 'grid', unitA],
      ['worker_b', 'grid_worker', 'grid', unitB],
      ['leader_a', 'leader', 'grid', streetA],
      ['handler_x', 'handler', 'department', 'D02'],
    ] as const) {
      const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
      expect(res.statusCode).toBe(201);
      ids[username] = res.json().user.id;
      const grant = await t.request({ method: 'POST', url: `/api/admin/users/${ids[username]}/assignments`, cookie: admin, body: { role, scopeKind: kind, scopeCode } });
      expect(grant.statusCode, grant.body).toBe(201);
      await db.updateTable('users').set({ must_change_password: 0 }).where('id', '=', ids[username]!).execute();
    }
  });
  afterAll(async () => t?.close());

  it('lists grids by level, parent and search text', async () => {
    const streets = (await get('/api/grids?level=street', admin)).json();
    expect(streets.items.map((s: { code: string }) => s.code)).toEqual([streetA, streetB]);
    const children = (await get(`/api/grids?parent=${streetA}`, admin)).json();
    expect(children.total).toBeGreaterThan(0);
    expect(children.items.every((c: { parentCode: string; level: string }) => c.parentCode === streetA && c.level === 'community')).toBe(true);
    const byCode = (await get(`/api/grids?q=${unitA}`, admin)).json();
    expect(byCode.items.map((i: { code: string }) => i.code)).toEqual([unitA]);
    const name = (await t.platform.db.primary.selectFrom('grids').select('name').where('code', '=', unitB).executeTakeFirstOrThrow()).name;
    const byName = (await get(`/api/grids?q=${encodeURIComponent(name)}`, admin)).json();
    expect(byName.items.map((i: { code: string }) => i.code)).toContain(unitB);
    const paged = (await get('/api/grids?level=unit&pageSize=5&page=2', admin)).json();
    expect(paged.items).toHaveLength(5);
  });

  it('shows a card with the parent chain, workers and child counts', async () => {
    const card = (await get(`/api/grids/${unitA}`, admin)).json();
    expect(card.chain.map((c: { level: string }) => c.level)).toEqual(['district', 'street', 'community']);
    expect(card.chain[1].code).toBe(streetA);
    expect(card.status).toBe('active');
    expect(card.labelPoint).toHaveLength(2);
    const street = (await get(`/api/grids/${streetA}`, admin)).json();
    expect(street.childCounts.community).toBeGreaterThan(0);
    expect(street.childCounts.unit).toBeGreaterThan(street.childCounts.community - 1);
    // The demo worker is assigned to the first unit of the first community of the first street.
    const demoWorkerUnit = (await t.platform.db.primary.selectFrom('grid_workers').select('grid_code').executeTakeFirstOrThrow()).grid_code;
    const withWorker = (await get(`/api/grids/${demoWorkerUnit}`, admin)).json();
    expect(withWorker.workers).toEqual([expect.objectContaining({ username: 'worker', role: 'full_time', to: null })]);
    expect((await get('/api/grids/430111999999999', admin)).statusCode).toBe(404);
    expect((await get('/api/grids/abc', admin)).statusCode).toBe(400);
  });

  it('street A sees its subtree and its ancestors, and gets 404 for street B', async () => {
    const a = await t.login('leader_a', DEMO_PASSWORD);
    expect((await get(`/api/grids/${unitA}`, a)).statusCode).toBe(200);
    for (const url of [`/api/grids/${unitB}`, `/api/grids/${streetB}`, `/api/grids/${unitB}/neighbours`, `/api/grids/${unitB}/history`]) {
      const res = await get(url, a);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
    // The district (an ancestor) is visible for navigation, but its counts cover street A only.
    const district = (await get('/api/grids/430111', a)).json();
    const districtAll = (await get('/api/grids/430111', admin)).json();
    expect(district.childCounts.street).toBe(1);
    expect(districtAll.childCounts.street).toBe(2);
    const streets = (await get('/api/grids?level=street', a)).json();
    expect(streets.items.map((s: { code: string }) => s.code)).toEqual([streetA]);
    const units = (await get('/api/grids/geojson?level=unit', a)).json();
    expect(units.features.length).toBeGreaterThan(0);
    expect(units.features.every((f: { properties: { code: string } }) => f.properties.code.startsWith(streetA))).toBe(true);
    const exported = (await get('/api/grids/export', a)).json();
    expect(exported.features.every((f: { properties: { code: string } }) => f.properties.code.startsWith(streetA))).toBe(true);
    // Locating a point of street B says outside scope, without naming the grid.
    const card = (await get(`/api/grids/${unitB}`, admin)).json();
    const located = (await get(`/api/grids/locate?lng=${card.labelPoint[0]}&lat=${card.labelPoint[1]}`, a)).json();
    expect(located).toMatchObject({ inside: false, reason: 'GRID_OUTSIDE_SCOPE' });
    expect(JSON.stringify(located)).not.toContain(unitB);
    const own = (await get(`/api/grids/${unitA}`, admin)).json();
    expect((await get(`/api/grids/locate?lng=${own.labelPoint[0]}&lat=${own.labelPoint[1]}`, a)).json()).toMatchObject({ inside: true, unit: { code: unitA } });
  });

  it('a department handler sees the whole territory map read-only', async () => {
    const h = await t.login('handler_x', DEMO_PASSWORD);
    expect((await get(`/api/grids/${unitB}`, h)).statusCode).toBe(200);
    const streets = (await get('/api/grids/geojson?level=street', h)).json();
    expect(streets.features).toHaveLength(2);
    const res = await t.request({ method: 'PATCH', url: `/api/grids/${unitB}`, cookie: h, body: { version: 1, name: 'x' } });
    expect(res.statusCode).toBe(403);
  });

  it('serves map GeoJSON with 6-decimal coordinates and label points', async () => {
    const fc = (await get(`/api/grids/geojson?level=unit&parent=${streetA}`, admin)).json();
    expect(fc.type).toBe('FeatureCollection');
    const f = fc.features[0];
    expect(Object.keys(f.properties).sort()).toEqual(['code', 'level', 'lx', 'ly', 'name', 'parent']);
    const decimals = (n: number) => (String(n).split('.')[1] ?? '').length;
    expect(f.geometry.coordinates[0].every((p: number[]) => decimals(p[0]!) <= 6 && decimals(p[1]!) <= 6)).toBe(true);
    // The label point lies in the grid.
    expect(t.platform.gridLocator.locate(f.properties.lx, f.properties.ly)).toBe(f.properties.code);
  });

  it('finds the neighbours that share an edge', async () => {
    const res = (await get(`/api/grids/${unitA}/neighbours`, admin)).json();
    expect(res.items.length).toBeGreaterThan(0);
    expect(res.items.every((n: { level: string; code: string }) => n.level === 'unit' && n.code !== unitA)).toBe(true);
    // Symmetric.
    const first = res.items[0].code;
    const back = (await get(`/api/grids/${first}/neighbours`, admin)).json();
    expect(back.items.map((n: { code: string }) => n.code)).toContain(unitA);
  });

  it('edits a grid with a version check (409 when stale), with history and audit', async () => {
    const a = await t.login('admin_a', DEMO_PASSWORD);
    const card = (await get(`/api/grids/${unitA}`, a)).json();
    const attrs = { responsible: [{ name: '王主任', title: '社区书记' }], note: '重点巡查' };
    const ok = await t.request({ method: 'PATCH', url: `/api/grids/${unitA}`, cookie: a, body: { version: card.version, name: '改名网格', attributes: attrs } });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ name: '改名网格', attributes: attrs, version: card.version + 1 });
    const stale = await t.request({ method: 'PATCH', url: `/api/grids/${unitA}`, cookie: a, body: { version: card.version, name: '再改' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().code).toBe('CONFLICT');
    const history = (await get(`/api/grids/${unitA}/history`, a)).json();
    expect(history.items.slice(0, 2).map((i: { change: string }) => i.change).sort()).toEqual(['renamed', 'updated']);
    expect(history.items.find((i: { change: string }) => i.change === 'renamed')).toMatchObject({ username: 'admin_a', before: { name: card.name }, after: { name: '改名网格' } });
    const audit = await t.platform.db.primary.selectFrom('audit_log').select(['object_id', 'username']).where('action', '=', 'grid.update').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(audit).toEqual({ object_id: unitA, username: 'admin_a' });
    // The locator's names follow the edit.
    expect(t.platform.grid.locator.locateChain(card.labelPoint[0], card.labelPoint[1]).grid?.unit.name).toBe('改名网格');
    // Street A's admin cannot touch street B: 404 as for reads.
    const b = (await get(`/api/grids/${unitB}`, admin)).json();
    expect((await t.request({ method: 'PATCH', url: `/api/grids/${unitB}`, cookie: a, body: { version: b.version, name: 'x' } })).statusCode).toBe(404);
    // A dispatcher has no grid.manage.
    const dispatcher = await t.login('dispatcher');
    expect((await t.request({ method: 'PATCH', url: `/api/grids/${unitA}`, cookie: dispatcher, body: { version: 1 } })).statusCode).toBe(403);
  });

  it('assigns grid workers: only grid workers, replaced sets end the old rows', async () => {
    const a = await t.login('admin_a', DEMO_PASSWORD);
    const put = (code: string, workers: unknown[]) => t.request({ method: 'PUT', url: `/api/grids/${code}/workers`, cookie: a, body: { workers } });
    const candidates = (await get('/api/grids/worker-candidates', a)).json();
    expect(candidates.items.map((c: { username: string }) => c.username)).toContain('worker_a');
    expect(candidates.items.map((c: { username: string }) => c.username)).not.toContain('worker_b');

    const res = await put(unitA, [{ userId: ids.worker_a, role: 'full_time' }]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([expect.objectContaining({ userId: ids.worker_a, role: 'full_time', to: null })]);
    // Not a grid worker.
    const bad = await put(unitA, [{ userId: ids.leader_a, role: 'part_time' }]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('GRID_WORKER_NOT_ELIGIBLE');
    expect((await put(unitA, [{ userId: ids.worker_a, role: 'full_time' }, { userId: ids.worker_a, role: 'part_time' }])).json().code).toBe('GRID_WORKER_DUPLICATE');
    // Streets take no workers.
    expect((await put(streetA, [])).json().code).toBe('GRID_WORKERS_LEVEL');
    // Replacing the set ends the old row, keeps it.
    const replaced = await put(unitA, [{ userId: ids.worker_b, role: 'part_time' }]);
    expect(replaced.json().items.map((w: { userId: number }) => w.userId)).toEqual([ids.worker_b]);
    const rows = await t.platform.db.primary.selectFrom('grid_workers').selectAll().where('grid_code', '=', unitA).orderBy('id').execute();
    // (The demo worker was assigned here first and was ended by the first PUT.)
    expect(rows.slice(-2).map((r) => [r.user_id, r.to_date === null])).toEqual([[ids.worker_a, false], [ids.worker_b, true]]);
    expect(rows.filter((r) => r.to_date === null)).toHaveLength(1);
    expect((await get(`/api/grids/${unitA}`, a)).json().workers.map((w: { username: string }) => w.username)).toEqual(['worker_b']);
    // The history names the people on both sides.
    const change = (await get(`/api/grids/${unitA}/history`, a)).json().items[0];
    expect(change).toMatchObject({ change: 'updated', before: { workers: [{ userId: ids.worker_a, username: 'worker_a', role: 'full_time' }] }, after: { workers: [{ userId: ids.worker_b, username: 'worker_b', role: 'part_time' }] } });
    expect((await put(unitB, [])).statusCode).toBe(404);
    const audit = await t.platform.db.primary.selectFrom('audit_log').select('object_id').where('action', '=', 'grid.workers').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(audit.object_id).toBe(unitA);
  });

  it('declares a policy on every grid route', () => {
    const gridRoutes = t.routes.filter((r) => r.url.startsWith('/api/grids'));
    expect(gridRoutes.length).toBeGreaterThanOrEqual(17);
    for (const r of gridRoutes) {
      expect(r.policy.access, `${r.method} ${r.url}`).toBe('permission');
      if (r.method === 'GET' && !r.url.includes('worker-candidates')) expect(r.policy).toEqual({ access: 'permission', permission: 'grid.read' });
      else expect(r.policy).toEqual({ access: 'permission', permission: 'grid.manage' });
    }
  });
});
