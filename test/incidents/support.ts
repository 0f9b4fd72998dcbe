import { expect } from 'vitest';
import { DEFAULT_MINOR_CATEGORIES } from '../../src/modules/incidents/data/categories.js';
import { Locator } from '../../src/modules/grid/rules/locator.js';
import type { GridGeometry } from '../../src/modules/grid/rules/types.js';
import { DEMO_PASSWORD, type TestApp } from '../support/http.js';

/** A category led by D01 that is not self-resolvable (the full loop goes through a department). */
export const D01_CATEGORY = DEFAULT_MINOR_CATEGORIES.find((c) => c.departmentCodes[0] === 'D01' && c.caseType !== 'immediate')!;

/** Creates a user with one role assignment; returns the session cookie. */
export async function userWith(t: TestApp, username: string, role: string, scopeCode: string): Promise<string> {
  const admin = await t.login('admin');
  const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
  expect(res.statusCode).toBe(201);
  const id = res.json().user.id as number;
  const grant = await t.request({
    method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin,
    body: { role, scopeKind: /^D\d+$/.test(scopeCode) ? 'department' : 'grid', scopeCode },
  });
  expect(grant.statusCode).toBe(201);
  await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', id).execute();
  return t.login(username);
}

/** The test's own Locator over the demo grid rows, and a point inside a given unit grid. */
export async function gridHelper(t: TestApp) {
  const rows = await t.platform.db.primary.selectFrom('grids').select(['code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat', 'level']).execute();
  const units = rows.filter((r) => r.level === 'unit');
  const locator = new Locator(units.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })));
  return {
    units: units.map((u) => u.code).sort(),
    streets: rows.filter((r) => r.level === 'street').map((r) => r.code).sort(),
    locator,
    /** A WGS84 point inside the unit grid (scans its bbox). */
    pointIn(code: string): { lng: number; lat: number } {
      const u = units.find((r) => r.code === code)!;
      for (let i = 1; i < 20; i++) {
        for (let j = 1; j < 20; j++) {
          const lng = u.min_lng + ((u.max_lng - u.min_lng) * i) / 20;
          const lat = u.min_lat + ((u.max_lat - u.min_lat) * j) / 20;
          if (locator.locate(lng, lat) === code) return { lng, lat };
        }
      }
      throw new Error(`no point found in ${code}`);
    },
  };
}

/** The unit grid a demo user is assigned to (the worker's). */
export async function scopeOf(t: TestApp, username: string): Promise<string> {
  const row = await t.platform.db.primary
    .selectFrom('role_assignments')
    .innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select('role_assignments.scope_code')
    .where('users.username', '=', username)
    .executeTakeFirstOrThrow();
  return row.scope_code;
}

export async function act(t: TestApp, cookie: string, id: number, body: Record<string, unknown>) {
  const detail = await t.request({ url: `/api/incidents/${id}`, cookie });
  expect(detail.statusCode, detail.body).toBe(200);
  const res = await t.request({ method: 'POST', url: `/api/incidents/${id}/actions`, cookie, body: { version: detail.json().incident.version, ...body } });
  return res;
}
