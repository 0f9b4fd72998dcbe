import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src/modules/demo/load.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { gridHelper, scopeOf } from '../incidents/support.js';

interface Item { action: string; username: string | null; userDisplayName: string | null; objectType: string | null; objectName: string | null; objectNameEn: string | null }

/** The audit log read in words: objects by name, users found by part of their username or display name. */
describe.each(DIALECTS)('audit log in words on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let auditor: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    auditor = await t.login('auditor');
  });
  afterAll(async () => t?.close());

  const search = async (query: string) => {
    const res = await t.request({ url: `/api/audit?${query}`, cookie: auditor });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: Item[]; total: number };
  };

  it('finds gw_test01 by part of the username or of the display name, with the pattern characters taken literally', async () => {
    const created = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'gw_test01', displayName: '测试网格员 林一', password: DEMO_PASSWORD } });
    expect(created.statusCode, created.body).toBe(201);
    await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('username', '=', 'gw_test01').execute();
    await t.login('gw_test01');
    // A user whose name only matches if "_" were a wildcard.
    await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'gwxtest01', displayName: '别人', password: DEMO_PASSWORD } });
    await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('username', '=', 'gwxtest01').execute();
    await t.login('gwxtest01');

    for (const part of ['gw_test01', 'w_te', 'GW_TEST', '林一', '测试网格员']) {
      const found = await search(`user=${encodeURIComponent(part)}&action=auth.login`);
      expect(found.total, part).toBe(1);
      expect(found.items[0]).toMatchObject({ username: 'gw_test01', userDisplayName: '测试网格员 林一' });
    }
    expect((await search('user=test01&action=auth.login')).total).toBe(2);
    expect((await search('user=nobody-like-this')).total).toBe(0);

    // The user list finds it the same way (the underscore is no wildcard, and was once dropped from the search).
    for (const part of ['gw_test', 'GW_TEST01', '林一']) {
      const users = await t.request({ url: `/api/admin/users?q=${encodeURIComponent(part)}`, cookie: admin });
      expect(users.statusCode).toBe(200);
      expect((users.json().items as { username: string }[]).map((u) => u.username), part).toEqual(['gw_test01']);
    }
  });

  it('names the objects: users, departments, categories, incidents', async () => {
    await t.request({ method: 'PUT', url: '/api/departments/D03', cookie: admin, body: { name: '区住建局', nameEn: 'Housing Bureau' } });
    const dept = await search('objectType=department&objectId=D03');
    expect(dept.items[0]).toMatchObject({ action: 'department.update', objectName: '区住建局', objectNameEn: 'Housing Bureau' });

    const user = await search('objectType=user&action=user.create&user=admin');
    const named = user.items.find((i) => i.objectName === '测试网格员 林一 (gw_test01)');
    expect(named).toBeDefined();

    const cats = (await t.request({ url: '/api/incident-categories', cookie: admin })).json().categories as { code: string; nameZh: string; version: number; majorCode: string; nameEn: string; type: string; caseType: string; departmentCodes: string[]; limits: unknown }[];
    const c = cats[0]!;
    const { code: _code, version, ...fields } = c as unknown as Record<string, unknown> & { code: string; version: number };
    delete fields.status;
    const upd = await t.request({ method: 'PUT', url: `/api/incident-categories/${c.code}`, cookie: admin, body: { ...fields, version } });
    expect(upd.statusCode, upd.body).toBe(200);
    const cat = await search(`objectType=incident_category&objectId=${c.code}`);
    expect(cat.items[0]!.objectName).toBe(c.nameZh);

    const grids = await gridHelper(t);
    const reported = await t.request({
      method: 'POST', url: '/api/incidents', cookie: await t.login('operator'),
      body: { channel: 'operator_phone', description: '井盖缺失', position: { ...grids.pointIn(await scopeOf(t, 'worker')), crs: 'wgs84' }, reporter: { name: '王五', phone: '13812345678' } },
    });
    expect(reported.statusCode, reported.body).toBe(201);
    const inc = await search('objectType=incident&action=incident.report');
    expect(inc.items[0]!.objectName).toBe(reported.json().incident.code);
  });
});
