import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

describe.each(DIALECTS)('HTTP conventions on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(dialect, { loginRateLimitPerMinute: 30, bodyLimitBytes: 4096 });
  });
  afterAll(async () => t?.close());

  it('reports health: up or down to anyone, version, database and migrations only to operators', async () => {
    const anonymous = await t.request({ url: '/api/health' });
    expect(anonymous.statusCode).toBe(200);
    expect(anonymous.json()).toEqual({ status: 'ok' });
    const leader = await t.request({ url: '/api/health', cookie: await t.login('leader') });
    expect(leader.json()).toEqual({ status: 'ok' });
    const admin = await t.request({ url: '/api/health', cookie: await t.login('admin') });
    expect(admin.json()).toMatchObject({ status: 'ok', database: dialect, pendingMigrations: [], version: expect.any(String) });
  });

  it('serves the OpenAPI document generated from the route schemas, and the reference page', async () => {
    const doc = (await t.request({ url: '/api/openapi.json' })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.paths['/api/auth/login'].post.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
    const page = await t.request({ url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
  });

  it('keeps docs/openapi.json in the repository up to date', async () => {
    const doc = (await t.request({ url: '/api/openapi.json' })).json();
    const committed = JSON.parse(readFileSync('docs/openapi.json', 'utf8'));
    expect(committed, 'docs/openapi.json is stale: run `npm run openapi`').toEqual(doc);
  });

  it('answers errors as {code, message, details} in the request language', async () => {
    const bad = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: '' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'VALIDATION_FAILED', message: '请求参数不正确' });
    expect(bad.json().details.issues.length).toBeGreaterThan(0);
    const missing = await t.request({ url: '/api/nowhere', headers: { 'accept-language': 'en' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'No such endpoint', details: {} });
    const anonymous = await t.request({ url: '/api/auth/me', headers: { 'accept-language': 'en' } });
    expect(anonymous.json()).toEqual({ code: 'AUTH_REQUIRED', message: 'Please log in', details: {} });
  });

  it('sends security headers and carries request ids', async () => {
    const res = await t.request({ url: '/api/health', headers: { 'x-request-id': 'abc-123' } });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toBeDefined();
  });

  it('limits request size', async () => {
    const res = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'x'.repeat(5000), password: 'y' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses cross-site writes by Origin', async () => {
    const cookie = await t.login('admin');
    const res = await t.request({
      method: 'POST', url: '/api/admin/users', cookie, body: { username: 'evil', displayName: 'x' },
      headers: { origin: 'https://evil.example', host: 'localhost:80' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().code).toBe('CSRF_REJECTED');
  });

  it('rate-limits login attempts', async () => {
    let limited = 0;
    for (let i = 0; i < 35; i++) {
      const res = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: `ghost${i}`, password: 'x' } });
      if (res.statusCode === 429) {
        limited++;
        expect(res.json().code).toBe('RATE_LIMITED');
      }
    }
    expect(limited).toBeGreaterThan(0);
  });
});
