import { expect } from 'vitest';
import { nextIdNumber } from '../basedata/support.js';
import { DEMO_PASSWORD, type TestApp } from '../support/http.js';

export interface MechanismFixture {
  streetA: string;
  streetB: string;
  communityA: string;
  communityA2: string;
  communityB: string;
  unitA: string;
  unitB: string;
  cookies: { admin: string; opsA: string; opsB: string; officerA: string; officerB: string };
}

/**
 * Two streets of the test district, a street command centre operator on each
 * (the built-in role holding party, cadre and livelihood permissions) and a
 * base data officer on each to create residents and households.
 */
export async function setUpMechanisms(t: TestApp): Promise<MechanismFixture> {
  const admin = await t.login('admin');
  const db = t.platform.db.primary;
  const streets = await db.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').limit(2).execute();
  const [streetA, streetB] = [streets[0]!.code, streets[1]!.code];
  const communities = async (street: string) => (await db.selectFrom('grids').select('code').where('level', '=', 'community').where('parent_code', '=', street).orderBy('code').execute()).map((c) => c.code);
  const [communityA, communityA2] = await communities(streetA);
  const [communityB] = await communities(streetB);
  const unitOf = async (community: string) => (await db.selectFrom('grids').select('code').where('level', '=', 'unit').where('parent_code', '=', community).orderBy('code').limit(1).executeTakeFirstOrThrow()).code;
  const role = await t.request({
    method: 'POST', url: '/api/admin/roles', cookie: admin,
    body: { code: 'mech_bd_officer', name: '基础数据测试', nameEn: 'Base data test officer', permissions: ['residents.read', 'residents.manage'] },
  });
  expect(role.statusCode, role.body).toBe(201);
  const cookies: Record<string, string> = { admin };
  for (const [username, key, r, scope] of [
    ['mech_ops_a', 'opsA', 'street_operator', streetA], ['mech_ops_b', 'opsB', 'street_operator', streetB],
    ['mech_bd_a', 'officerA', 'mech_bd_officer', streetA], ['mech_bd_b', 'officerB', 'mech_bd_officer', streetB],
  ] as const) {
    const res = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username, displayName: username, password: DEMO_PASSWORD } });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().user.id as number;
    const grant = await t.request({ method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin, body: { role: r, scopeKind: 'grid', scopeCode: scope } });
    expect(grant.statusCode, grant.body).toBe(201);
    await db.updateTable('users').set({ must_change_password: 0 }).where('id', '=', id).execute();
    cookies[key] = await t.login(username);
  }
  return {
    streetA, streetB, communityA: communityA!, communityA2: communityA2!, communityB: communityB!,
    unitA: await unitOf(communityA!), unitB: await unitOf(communityB!),
    cookies: cookies as MechanismFixture['cookies'],
  };
}

/** A household with one resident (its head) on a unit grid; answers both ids. */
export async function household(t: TestApp, cookie: string, gridCode: string, no: string, name: string): Promise<{ householdId: number; residentId: number }> {
  const h = await t.request({ method: 'POST', url: '/api/households', cookie, body: { householdNo: no, gridCode } });
  expect(h.statusCode, h.body).toBe(201);
  const householdId = h.json().id as number;
  const r = await t.request({
    method: 'POST', url: '/api/residents', cookie,
    body: { gridCode, name, idNumber: nextIdNumber('19700101'), phone: '13812345678', population: 'registered', householdId, relation: '户主' },
  });
  expect(r.statusCode, r.body).toBe(201);
  return { householdId, residentId: r.json().id as number };
}
