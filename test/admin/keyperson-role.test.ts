import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { userWith } from '../incidents/support.js';

/** Key-person access is held by a named built-in role (综治专干), and moves with the role's permissions as edited. */
describe.each(DIALECTS)('key-person role on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
  });
  afterAll(async () => t?.close());

  it('gives key-person access through the role, and takes it away when the role is edited', async () => {
    const roles = (await t.request({ url: '/api/admin/roles', cookie: admin })).json().items as { code: string; name: string; builtin: boolean; permissions: string[] }[];
    const role = roles.find((r) => r.code === 'keyperson_officer');
    expect(role).toMatchObject({ name: '综治专干', builtin: true });
    expect(role!.permissions).toContain('keypersons.read');
    // No other built-in role holds it.
    expect(roles.filter((r) => r.builtin && r.permissions.includes('keypersons.read')).map((r) => r.code)).toEqual(['keyperson_officer']);

    const street = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirstOrThrow()).code;
    const officer = await userWith(t, 'zz_officer', 'keyperson_officer', street);
    expect((await t.request({ url: '/api/key-persons', cookie: officer })).statusCode).toBe(200);

    const { code: _c, builtin: _b, ...fields } = role!;
    const edited = await t.request({ method: 'PUT', url: '/api/admin/roles/keyperson_officer', cookie: admin, body: { ...fields, permissions: fields.permissions.filter((p) => p !== 'keypersons.read') } });
    expect(edited.statusCode, edited.body).toBeLessThan(300);
    expect((await t.request({ url: '/api/key-persons', cookie: officer })).statusCode).toBe(403);

    const restored = await t.request({ method: 'PUT', url: '/api/admin/roles/keyperson_officer', cookie: admin, body: fields });
    expect(restored.statusCode, restored.body).toBeLessThan(300);
    expect((await t.request({ url: '/api/key-persons', cookie: officer })).statusCode).toBe(200);
  });

  it("gives the demo's 综治专干 account the key persons of its street and nothing to do on cases", async () => {
    const officer = await t.login('keyperson');
    const list = await t.request({ url: '/api/key-persons', cookie: officer });
    expect(list.statusCode, list.body).toBe(200);
    const me = await t.platform.db.primary
      .selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['role_assignments.role_code', 'role_assignments.scope_code']).where('users.username', '=', 'keyperson').execute();
    expect(me).toHaveLength(1);
    expect(me[0]!.role_code).toBe('keyperson_officer');
    expect(me[0]!.scope_code).toMatch(/^\d{9}$/);
    expect((await t.request({ url: '/api/incidents', cookie: officer })).statusCode).toBe(403);
  });
});
