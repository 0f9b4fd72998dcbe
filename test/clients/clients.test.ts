import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/database.js';
import { openDatabase } from '../../src/infra/db/database.js';
import { migrateToLatest } from '../../src/infra/db/migrator.js';
import { createTestDatabase, DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

describe.each(DIALECTS)('API clients on %s', (dialect) => {
  let t: TestApp;
  let admin: string;
  let street: string;

  beforeAll(async () => {
    t = await openTestApp(dialect);
    admin = await t.login('admin');
    street = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').executeTakeFirstOrThrow()).code;
  }, 120_000);
  afterAll(async () => t?.close());

  const create = (body: Record<string, unknown>, cookie = admin) => t.request({ method: 'POST', url: '/api/clients', cookie, body });
  const verify = (key: string | undefined) => t.request({ method: 'POST', url: '/api/share/residents/verify', headers: key ? { 'x-api-key': key } : {}, body: { idNumbers: ['123'] } });

  it('creates a client whose key is shown once and never listed', async () => {
    const res = await create({ name: '区人社局', scopes: ['share.residents.verify'], scopeCode: street, fields: ['found'], ratePerMinute: 100 });
    expect(res.statusCode, res.body).toBe(201);
    const { id, apiKey } = res.json() as { id: number; apiKey: string };
    const list = await t.request({ url: '/api/clients', cookie: admin });
    expect(list.statusCode).toBe(200);
    const row = (list.json().items as { id: number; keyPrefix: string; status: string }[]).find((c) => c.id === id)!;
    expect(row).toMatchObject({ status: 'active', scopes: ['share.residents.verify'], scopeCode: street });
    expect(apiKey).toContain(row.keyPrefix);
    expect(list.body).not.toContain(apiKey);
    expect(list.body).not.toContain('key_hash');
    expect((await verify(apiKey)).statusCode).toBe(200);
  });

  it('refuses bad input with a clear error', async () => {
    const unknownGrid = await create({ name: 'x', scopes: ['hotline.push'], scopeCode: '999999999999', ratePerMinute: 5 });
    expect(unknownGrid.statusCode).toBe(422);
    expect(unknownGrid.json().code).toBe('CLIENT_UNKNOWN_GRID');
    expect((await create({ name: 'x', scopes: ['nonsense'], scopeCode: street })).statusCode).toBe(400);
    expect((await create({ name: 'x', scopes: [], scopeCode: street })).statusCode).toBe(400);
    const count = await t.platform.db.primary.selectFrom('api_clients').select((eb) => eb.fn.countAll<number>().as('n')).where('name', '=', 'x').executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('is for administrators only', async () => {
    const operator = await t.login('operator');
    expect((await t.request({ url: '/api/clients', cookie: operator })).statusCode).toBe(403);
    expect((await create({ name: 'y', scopes: ['hotline.push'], scopeCode: street }, operator)).statusCode).toBe(403);
  });

  it('denies an interface outside the client\'s scopes, and past its rate', async () => {
    const hotline = (await create({ name: '12345 平台', scopes: ['hotline.push'], scopeCode: street, ratePerMinute: 2 })).json() as { apiKey: string };
    const denied = await verify(hotline.apiKey);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('CLIENT_SCOPE_DENIED');
    const limited = (await create({ name: '限流', scopes: ['share.residents.verify'], scopeCode: street, ratePerMinute: 2 })).json() as { apiKey: string };
    expect((await verify(limited.apiKey)).statusCode).toBe(200);
    expect((await verify(limited.apiKey)).statusCode).toBe(200);
    const third = await verify(limited.apiKey);
    expect(third.statusCode).toBe(429);
    expect(third.json().code).toBe('CLIENT_RATE_LIMITED');
  });

  it('rotates a key (the old one stops at once) and revokes for good, audited', async () => {
    const { id, apiKey } = (await create({ name: '轮换', scopes: ['share.residents.verify'], scopeCode: street, ratePerMinute: 100 })).json() as { id: number; apiKey: string };
    const rotated = await t.request({ method: 'POST', url: `/api/clients/${id}/rotate`, cookie: admin });
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json().apiKey as string;
    expect(next).not.toBe(apiKey);
    expect((await verify(apiKey)).statusCode).toBe(401);
    expect((await verify(next)).statusCode).toBe(200);
    const revoked = await t.request({ method: 'POST', url: `/api/clients/${id}/revoke`, cookie: admin });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    expect((await verify(next)).statusCode).toBe(401);
    expect((await t.request({ method: 'POST', url: `/api/clients/${id}/rotate`, cookie: admin })).statusCode).toBe(409);
    const again = await t.request({ method: 'POST', url: `/api/clients/${id}/revoke`, cookie: admin });
    expect(again.statusCode).toBe(200);
    const actions = await t.platform.db.primary.selectFrom('audit_log').select('action').where('object_type', '=', 'api_client').where('object_id', '=', String(id)).where('action', 'like', 'client.%').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(['client.create', 'client.rotate', 'client.revoke']);
    expect(JSON.stringify(await t.platform.db.primary.selectFrom('audit_log').select('details').where('object_type', '=', 'api_client').execute())).not.toContain(next);
    expect((await t.request({ method: 'POST', url: '/api/clients/999999/rotate', cookie: admin })).statusCode).toBe(404);
  });

  it('changes scopes and counts calls per day and scope', async () => {
    const { id, apiKey } = (await create({ name: '用量', scopes: ['hotline.push'], scopeCode: street, ratePerMinute: 100 })).json() as { id: number; apiKey: string };
    expect((await verify(apiKey)).statusCode).toBe(403);
    const put = await t.request({ method: 'PUT', url: `/api/clients/${id}`, cookie: admin, body: { name: '用量', scopes: ['hotline.push', 'share.residents.verify'], scopeCode: street, fields: ['found'], ratePerMinute: 100 } });
    expect(put.statusCode, put.body).toBe(200);
    for (let i = 0; i < 3; i++) expect((await verify(apiKey)).statusCode).toBe(200);
    const usage = await t.request({ url: `/api/clients/${id}/usage?days=7`, cookie: admin });
    expect(usage.json().items).toEqual([{ day: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), scope: 'share.residents.verify', calls: 3 }]);
    const listed = (await t.request({ url: '/api/clients', cookie: admin })).json().items.find((c: { id: number }) => c.id === id);
    expect(listed.lastUsedAt).toBeGreaterThan(0);
  });
});

describe.each(DIALECTS)('the API client registry migration on %s', (dialect) => {
  it('keeps the data-sharing keys handed out before it', async () => {
    const database = await createTestDatabase(dialect);
    const db = openDatabase<unknown>({ url: database.url });
    try {
      const before = Object.fromEntries(Object.entries(MIGRATIONS).filter(([name]) => name < '0063'));
      await migrateToLatest(db.primary, before);
      const legacy = db.primary as unknown as Kysely<{ share_clients: Record<string, unknown> }>;
      await legacy.insertInto('share_clients').values({ id: 7, name: '人社局', key_prefix: 'abcdefabcdef', key_hash: 'f'.repeat(64), scope_code: '3601', fields: '["found"]', rate_per_minute: 30, status: 'active', created_at: 1000 }).execute();
      await migrateToLatest(db.primary, MIGRATIONS);
      const moved = await (db.primary as unknown as Kysely<{ api_clients: { id: number; key_prefix: string; key_hash: string; scopes: string; rate_per_minute: number } }>)
        .selectFrom('api_clients').select(['id', 'key_prefix', 'key_hash', 'scopes', 'rate_per_minute']).execute();
      expect(moved).toEqual([{ id: 7, key_prefix: 'abcdefabcdef', key_hash: 'f'.repeat(64), scopes: '["share.residents.verify"]', rate_per_minute: 30 }]);
    } finally {
      await db.close();
      await database.drop();
    }
  }, 120_000);
});
