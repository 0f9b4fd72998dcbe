import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';

describe.each(DIALECTS)('accounts and sessions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());
  afterEach(() => vi.useRealTimers());

  async function auditActions(username: string): Promise<string[]> {
    const rows = await t.platform.db.primary
      .selectFrom('audit_log').select(['action', 'result']).where('username', '=', username).orderBy('seq').execute();
    return rows.map((r) => `${r.action}:${r.result}`);
  }

  it('logs in with an HttpOnly SameSite cookie, answers me, and logs out for good', async () => {
    const res = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'dispatcher', password: DEMO_PASSWORD } });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = res.cookies.find((c) => c.name === 'cg_session')!.value;
    const me = await t.request({ url: '/api/auth/me', cookie });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'dispatcher', roles: [{ role: 'dispatcher' }] });
    expect(me.json().permissions).toContain('incidents.dispatch');
    // The token is stored hashed, never as issued.
    const stored = await t.platform.db.primary.selectFrom('sessions').select('id').execute();
    expect(stored.map((s) => s.id)).not.toContain(cookie);
    expect((await t.request({ method: 'POST', url: '/api/auth/logout', cookie })).statusCode).toBe(204);
    expect((await t.request({ url: '/api/auth/me', cookie })).statusCode).toBe(401);
    expect(await auditActions('dispatcher')).toEqual(['auth.login:success', 'auth.logout:success']);
  });

  it('applies a change to roles or to the account on the very next request', async () => {
    const admin = await t.login('admin');
    const cookie = await t.login('street');
    const id = (await t.platform.accounts.findUserId('street'))!;
    const me = async () => t.request({ url: '/api/auth/me', cookie });
    const before = await me(); // the principal is now cached
    expect(before.json().permissions).not.toContain('incidents.verify');
    const granted = await t.request({
      method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin,
      body: { role: 'grid_worker', scopeKind: 'grid', scopeCode: before.json().roles[0].scope.code },
    });
    expect(granted.statusCode).toBe(201);
    expect((await me()).json().permissions).toContain('incidents.verify');
    const assignment = (granted.json().assignments as { id: number; role: string }[]).find((a) => a.role === 'grid_worker')!;
    expect((await t.request({ method: 'DELETE', url: `/api/admin/users/${id}/assignments/${assignment.id}`, cookie: admin })).statusCode).toBe(200);
    expect((await me()).json().permissions).not.toContain('incidents.verify');
    expect((await t.request({ method: 'PATCH', url: `/api/admin/users/${id}`, cookie: admin, body: { status: 'disabled' } })).statusCode).toBe(200);
    expect((await me()).statusCode).toBe(401);
    expect((await t.request({ method: 'PATCH', url: `/api/admin/users/${id}`, cookie: admin, body: { status: 'active' } })).statusCode).toBe(200);
  });

  it('remembers the preferred language on the account', async () => {
    const cookie = await t.login('street');
    expect((await t.request({ method: 'PATCH', url: '/api/auth/me', cookie, body: { locale: 'en' } })).statusCode).toBe(204);
    expect((await t.request({ url: '/api/auth/me', cookie })).json().locale).toBe('en');
    expect((await t.request({ method: 'PATCH', url: '/api/auth/me', cookie, body: { locale: 'fr' } })).statusCode).toBe(400);
  });

  it('refuses a wrong password with a localized error and audits it', async () => {
    const zh = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'leader', password: 'nope' } });
    expect(zh.statusCode).toBe(401);
    expect(zh.json()).toEqual({ code: 'AUTH_INVALID_CREDENTIALS', message: '用户名或密码错误（连续多次错误后账号将被临时锁定）', details: {} });
    const en = await t.request({
      method: 'POST', url: '/api/auth/login', body: { username: 'leader', password: 'nope' }, headers: { 'accept-language': 'en-US,en' },
    });
    expect(en.json().message).toBe('Wrong username or password (after repeated failures the account is locked for a while)');
    expect(await auditActions('leader')).toEqual(['auth.login:failure', 'auth.login:failure']);
    await t.login('leader'); // resets the failure count
  });

  it('locks the account for 15 minutes after 5 failures, audits the lock, and unlocks by itself', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    for (let i = 1; i <= 5; i++) {
      const res = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'supervisor', password: `wrong${i}` } });
      expect(res.statusCode).toBe(401);
    }
    // Even the right password is refused while locked, with the answer a wrong password gets.
    const locked = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'supervisor', password: DEMO_PASSWORD } });
    expect(locked.statusCode).toBe(401);
    const actions = await auditActions('supervisor');
    expect(actions.filter((a) => a === 'auth.lock:success')).toHaveLength(1);
    expect(actions.at(-1)).toBe('auth.login:failure');
    vi.setSystemTime(Date.now() + 14 * 60_000);
    expect((await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'supervisor', password: DEMO_PASSWORD } })).statusCode).toBe(401);
    vi.setSystemTime(Date.now() + 2 * 60_000);
    expect((await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'supervisor', password: DEMO_PASSWORD } })).statusCode).toBe(200);
  });

  it('expires a session after 30 idle minutes and after its absolute lifetime', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const cookie = await t.login('operator');
    vi.setSystemTime(Date.now() + 29 * 60_000);
    expect((await t.request({ url: '/api/auth/me', cookie })).statusCode).toBe(200);
    vi.setSystemTime(Date.now() + 31 * 60_000);
    const idle = await t.request({ url: '/api/auth/me', cookie });
    expect(idle.statusCode).toBe(401);
    expect(idle.json().code).toBe('AUTH_SESSION_EXPIRED');

    const active = await t.login('operator');
    for (let i = 0; i < 25; i++) {
      vi.setSystemTime(Date.now() + 29 * 60_000); // active all along, never idle
      const res = await t.request({ url: '/api/auth/me', cookie: active });
      if (i < 24) expect(res.statusCode).toBe(200);
      else expect(res.json().code).toBe('AUTH_SESSION_EXPIRED'); // 12 h absolute lifetime passed
    }
  });

  it('forces a first-login password change and enforces the policy', async () => {
    const admin = await t.login('admin');
    const created = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'newbie', displayName: '新人' } });
    expect(created.statusCode).toBe(201);
    const generated = created.json().generatedPassword as string;
    expect(generated).toMatch(/.{16}/);
    const cookie = await t.login('newbie', generated);
    const me = await t.request({ url: '/api/auth/me', cookie });
    expect(me.json().mustChangePassword).toBe(true);
    const blocked = await t.request({ url: '/api/admin/roles', cookie });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe('PASSWORD_CHANGE_REQUIRED');

    const weak = await t.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: generated, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().details.violations).toEqual(expect.arrayContaining(['too_short', 'classes']));
    const withName = await t.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: generated, newPassword: 'Newbie#2026x' } });
    expect(withName.json().details.violations).toEqual(['contains_username']);
    const reused = await t.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: generated, newPassword: generated } });
    expect(reused.json().details.violations).toEqual(['reused']);
    const wrongCurrent = await t.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: 'x', newPassword: 'Good#Pass2026' } });
    expect(wrongCurrent.statusCode).toBe(401);

    const ok = await t.request({ method: 'POST', url: '/api/auth/password', cookie, body: { currentPassword: generated, newPassword: 'Good#Pass2026' } });
    expect(ok.statusCode).toBe(204);
    expect((await t.request({ url: '/api/admin/roles', cookie })).statusCode).toBe(200);
    expect(await auditActions('newbie')).toContain('auth.password_change:success');
  });

  it('treats an expired password like a pending change', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const cookie = await t.login('auditor');
    vi.setSystemTime(Date.now() + 91 * 86_400_000);
    const fresh = await t.login('auditor');
    expect((await t.request({ url: '/api/auth/me', cookie: fresh })).json().passwordExpired).toBe(true);
    expect((await t.request({ url: '/api/audit', cookie: fresh })).json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    void cookie;
  });
});
