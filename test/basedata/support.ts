import { expect } from 'vitest';
import { makeIdNumber } from '../../src/modules/basedata/rules/id-number.js';
import { DEMO_PASSWORD, type TestApp } from '../support/http.js';

export interface BasedataFixture {
  streetA: string;
  streetB: string;
  unitA: string;
  unitA2: string;
  unitB: string;
  cookies: Record<string, string>;
}

/** Roles and users for base data tests: an officer (all base data permissions) and a plain grid worker per street. */
export async function setUpBasedata(t: TestApp): Promise<BasedataFixture> {
  const admin = await t.login('admin');
  const db = t.platform.db.primary;
  const streets = await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').limit(2).execute();
  const [streetA, streetB] = [streets[0]!.code, streets[1]!.code];
  const unitsA = await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetA}%`).orderBy('code').limit(2).execute();
  const unitB = (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('code', 'like', `${streetB}%`).orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
  const role = await t.request({
    method: 'POST', url: '/api/admin/roles', cookie: admin,
    body: { code: 'bd_test_officer', name: '基础数据测试', nameEn: 'Base data test officer', permissions: ['residents.read', 'residents.manage', 'residents.unmask', 'residents.export', 'keypersons.read', 'incidents.report'] },
  });
  expect(role.statusCode).toBe(201);
  const cookies: Record<string, string> = { admin };
  for (const [username, r, scope] of [
    ['officer_a', 'bd_test_officer', streetA], ['officer_b', 'bd_test_officer', streetB], ['worker_a', 'grid_worker', streetA],
  ] as const) {
    const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
    expect(res.statusCode).toBe(201);
    const id = res.json().user.id as number;
    const grant = await t.request({ method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin, body: { role: r, scopeKind: 'grid', scopeCode: scope } });
    expect(grant.statusCode).toBe(201);
    await db.updateTable('users').set({ must_change_password: 0 }).where('id', '=', id).execute();
    cookies[username] = await t.login(username);
  }
  return { streetA, streetB, unitA: unitsA[0]!.code, unitA2: unitsA[1]!.code, unitB, cookies };
}

let serial = 0;
/** A fresh valid ID number per call. */
export function nextIdNumber(birth = '19800101', sex: 'male' | 'female' = 'male'): string {
  const n = serial++;
  return makeIdNumber(['430111', '430102', '430103', '430104'][Math.floor(n / 500) % 4]!, birth, n % 500, sex);
}
