import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../src/modules/accounts/catalogue.js';
import { DIALECTS } from '../support/db.js';
import { DEMO_PASSWORD, openTestApp, type TestApp } from '../support/http.js';
import { arbitraryFor, type JsonSchema } from '../support/schema-arbitrary.js';

/**
 * A bounded property-based fuzz of every write route, generated from the
 * route's own schema in the OpenAPI document: bodies mostly valid (so they
 * reach the handlers) and partly hostile, path ids real and made up, raw
 * uploads of random bytes. Whatever comes in, the answer is never a 5xx.
 * Seeded, so a run is repeatable; a failure prints the route and the input.
 */
const CASES_PER_ROUTE = 50;
/** Ending the fuzzing user's own session would leave every later case at 401. */
const SKIPPED = new Set(['POST /api/auth/logout']);
/** Routes whose body is a raw upload rather than JSON. */
const RAW_TYPES = ['application/octet-stream', 'image/png', 'image/jpeg', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'];

/** A generated value as it would appear in a URL. */
const text = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

/**
 * Whether the request got past the route's schema into the handler's own
 * checks or effects: anything but a schema refusal (or a session, CSRF or
 * route refusal, which come before the handler too).
 */
function passedValidation(status: number, body: string): boolean {
  if (status < 400) return true;
  if (status >= 500) return false;
  const code = (() => {
    try {
      return (JSON.parse(body) as { code?: string }).code ?? '';
    } catch {
      return '';
    }
  })();
  return code !== '' && code !== 'VALIDATION_FAILED' && code !== 'ROUTE_NOT_FOUND' && !code.startsWith('AUTH_') && !code.startsWith('CSRF');
}

interface Operation {
  parameters?: Array<{ in: string; name: string; schema?: JsonSchema; required?: boolean }>;
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

describe.each(DIALECTS)('write routes under fuzzing on %s', (dialect) => {
  let t: TestApp;
  let cookie: string;
  let userId: number;
  let districtCode: string;
  let knownIds: string[];

  beforeAll(async () => {
    t = await openTestApp(dialect, { loginRateLimitPerMinute: 1000 });
    const admin = await t.login('admin');
    await t.request({
      method: 'POST', url: '/api/admin/roles', cookie: admin,
      body: { code: 'fuzz_all', name: '模糊测试', nameEn: 'Fuzz', permissions: PERMISSIONS.map((p) => p.code) },
    });
    const created = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'fuzzer', displayName: 'fuzzer', password: DEMO_PASSWORD } });
    userId = created.json().user.id;
    districtCode = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'district').executeTakeFirstOrThrow()).code;
    await t.request({ method: 'POST', url: `/api/admin/users/${userId}/assignments`, cookie: admin, body: { role: 'fuzz_all', scopeKind: 'grid', scopeCode: districtCode } });
    await t.platform.db.primary.updateTable('users').set({ must_change_password: 0 }).where('id', '=', userId).execute();
    cookie = await t.login('fuzzer');
    const grid = await t.platform.db.primary.selectFrom('grids').select('code').orderBy('code').limit(3).execute();
    const dept = await t.platform.db.primary.selectFrom('departments').select('code').limit(2).execute();
    knownIds = ['1', '2', '3', '17', ...grid.map((g) => g.code), ...dept.map((d) => d.code), 'admin', 'grid_worker'];
  });
  afterAll(async () => t?.close());

  /** Keeps the fuzzing user able to act: a case may disable it, lock it, or take its role away. */
  async function restoreFuzzer(): Promise<void> {
    const db = t.platform.db.primary;
    await db.updateTable('users').set({ status: 'active', locked_until: null, failed_logins: 0, must_change_password: 0 }).where('id', '=', userId).execute();
    const held = await db.selectFrom('role_assignments').select('id').where('user_id', '=', userId).where('role_code', '=', 'fuzz_all').executeTakeFirst();
    if (!held) {
      const admin = await t.login('admin');
      await t.request({ method: 'POST', url: '/api/admin/users/' + userId + '/assignments', cookie: admin, body: { role: 'fuzz_all', scopeKind: 'grid', scopeCode: districtCode } });
    }
    t.platform.authCache.invalidate();
    if ((await t.request({ url: '/api/auth/me', cookie })).statusCode !== 200) cookie = await t.login('fuzzer');
  }

  it('answers every generated request to every write route with less than 500', async () => {
    const doc = (await t.request({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
    const writes = t.routes.filter((r) => r.method !== 'GET' && !SKIPPED.has(`${r.method} ${r.url}`));
    expect(writes.length).toBeGreaterThan(40);
    const failures: string[] = [];
    let requests = 0;
    // Routes where some case got past validation into the handler's own checks or effects.
    const reachedHandler = new Set<string>();
    for (const route of writes) {
      const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      const pathParams = (op?.parameters ?? []).filter((p) => p.in === 'path');
      const queryParams = (op?.parameters ?? []).filter((p) => p.in === 'query');
      const json = op?.requestBody?.content['application/json']?.schema;
      const raw = op?.requestBody ? !json : route.url.endsWith('/import') || route.url === '/api/files' || route.url === '/api/residents/imports';
      const params = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, fc.oneof(fc.constantFrom(...knownIds), arbitraryFor(p.schema).map(text))])));
      const query = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, arbitraryFor(p.schema).map(text)])), { requiredKeys: [] });
      const body = raw
        ? fc.tuple(fc.constantFrom(...RAW_TYPES), fc.uint8Array({ maxLength: 2048 })).map(([type, bytes]) => ({ type, bytes }))
        : arbitraryFor(json).map((value) => ({ type: 'application/json', bytes: value === undefined ? undefined : JSON.stringify(value) }));
      await fc.assert(
        fc.asyncProperty(params, query, body, async (p, q, b) => {
          let url = route.url;
          for (const [name, value] of Object.entries(p)) url = url.replace(`:${name}`, encodeURIComponent(String(value)));
          const search = new URLSearchParams(q as Record<string, string>).toString();
          const res = await t.app.inject({
            method: route.method as 'POST',
            url: search ? `${url}?${search}` : url,
            headers: { cookie: `cg_session=${cookie}`, ...(b.bytes !== undefined ? { 'content-type': b.type } : {}) },
            ...(b.bytes !== undefined ? { payload: typeof b.bytes === 'string' ? b.bytes : Buffer.from(b.bytes) } : {}),
          });
          requests++;
          if (passedValidation(res.statusCode, res.body)) reachedHandler.add(`${route.method} ${route.url}`);
          if (res.statusCode >= 500) failures.push(`${route.method} ${url}?${search} ${String(b.bytes).slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 200)}`);
          return true;
        }),
        { numRuns: CASES_PER_ROUTE, seed: 20261203, endOnFailure: true },
      );
      await restoreFuzzer();
    }
    expect(failures, failures.slice(0, 10).join('\n')).toEqual([]);
    expect(requests).toBe(writes.length * CASES_PER_ROUTE);
    // A generator that stopped producing valid values would fuzz only the validator.
    const unreached = writes.map((r) => `${r.method} ${r.url}`).filter((r) => !reachedHandler.has(r));
    // 62 of 67 on 2026-12-03: the rest refuse most generated values by cross-field rules (date order) or are sign-in routes.
    expect(reachedHandler.size / writes.length, `not past validation: ${unreached.join(', ')}`).toBeGreaterThan(0.8);
  });
});
