import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { readAnchors, writeAnchor } from '../../src/infra/audit/anchors.js';
import { verifyAuditChain } from '../../src/infra/audit/audit.js';
import { auditHash } from '../../src/infra/audit/chain.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

const run = promisify(execFile);

/** Defects a hostile walk of the API found (issue 12), each with the test that failed before the fix. */
describe.each(DIALECTS)('hardening on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(dialect, { loginRateLimitPerMinute: 20, refusalAuditPerMinute: 10, auditAnchorMinutes: 0 });
  });
  afterAll(async () => t?.close());
  afterEach(() => {
    vi.useRealTimers();
  });

  const lastAudit = async (action: string) =>
    t.platform.db.primary.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('seq', 'desc').limit(1).executeTakeFirst();

  it('believes no X-Forwarded-For by default: the login limit holds and the audit log keeps the real address', async () => {
    let limited = 0;
    for (let i = 0; i < 25; i++) {
      const res = await t.app.inject({
        method: 'POST', url: '/api/auth/login', remoteAddress: '192.0.2.7',
        headers: { 'x-forwarded-for': `198.51.100.${i}` }, payload: { username: 'leader', password: `wrong-${i}` },
      });
      if (res.statusCode === 429) limited++;
    }
    expect(limited).toBe(5);
    const failure = await lastAudit('auth.login');
    expect(failure?.ip).toBe('192.0.2.7');
    await t.platform.db.primary.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('username', '=', 'leader').execute();
  });

  it('answers a locked account exactly like an unknown one, and keeps the lock', async () => {
    for (let i = 0; i < 5; i++) await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'handler', password: `bad-${i}` } });
    const locked = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'handler', password: 'Demo#2026' } });
    expect((await lastAudit('auth.login'))?.details).toContain('"locked"');
    const unknown = await t.request({ method: 'POST', url: '/api/auth/login', body: { username: 'no-such-user', password: 'Demo#2026' } });
    expect(locked.statusCode).toBe(401);
    expect({ status: locked.statusCode, body: locked.json() }).toEqual({ status: unknown.statusCode, body: unknown.json() });
    const user = await t.platform.db.primary.selectFrom('users').select('locked_until').where('username', '=', 'handler').executeTakeFirstOrThrow();
    expect(Number(user.locked_until)).toBeGreaterThan(Date.now());
    await t.platform.db.primary.updateTable('users').set({ failed_logins: 0, locked_until: null }).where('username', '=', 'handler').execute();
  });

  it('audits refused requests: a missing permission, another street\'s object, a cross-site write', async () => {
    const street = await t.login('street');
    const forbidden = await t.request({ url: '/api/admin/users', cookie: street });
    expect(forbidden.statusCode).toBe(403);
    expect(await lastAudit('access.refused')).toMatchObject({ username: 'street', result: 'failure' });
    expect(JSON.parse((await lastAudit('access.refused'))!.details)).toEqual({ method: 'GET', route: '/api/admin/users', status: 403, code: 'FORBIDDEN' });

    const streets = (await t.platform.db.primary.selectFrom('grids').select('code').where('level', '=', 'street').orderBy('code').execute()).map((g) => g.code);
    const own = await t.request({ url: `/api/grids/${streets[0]}`, cookie: street });
    expect(own.statusCode).toBe(200);
    const other = await t.request({ url: `/api/grids/${streets[1]}`, cookie: street });
    expect(other.statusCode).toBe(404);
    expect(JSON.parse((await lastAudit('access.refused'))!.details)).toEqual({ method: 'GET', route: '/api/grids/:code', status: 404, code: 'NOT_FOUND' });

    const csrf = await t.request({ method: 'PATCH', url: '/api/auth/me', cookie: street, body: { locale: 'en' }, headers: { origin: 'https://evil.example' } });
    expect(csrf.statusCode).toBe(403);
    expect(JSON.parse((await lastAudit('access.refused'))!.details)).toMatchObject({ method: 'PATCH', route: '/api/auth/me', code: 'CSRF_REJECTED' });
  });

  it('limits refusal records per client and minute, and counts what it held back into the next', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 120_000 });
    const worker = await t.login('worker');
    const count = async () => Number((await t.platform.db.primary.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n'))
      .where('action', '=', 'access.refused').where('username', '=', 'worker').executeTakeFirstOrThrow()).n);
    const before = await count();
    for (let i = 0; i < 15; i++) expect((await t.request({ url: '/api/admin/users', cookie: worker })).statusCode).toBe(403);
    expect(await count()).toBe(before + 10);
    vi.setSystemTime(Date.now() + 61_000);
    await t.request({ url: '/api/admin/users', cookie: worker });
    expect(JSON.parse((await lastAudit('access.refused'))!.details)).toMatchObject({ suppressedBefore: 5 });
  });

  it('links every record with the HMAC key, which a rewrite of the table cannot reproduce', async () => {
    const db = t.platform.db.primary;
    const rows = await db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.length).toBeGreaterThan(10);
    expect(new Set(rows.map((r) => r.key_id))).toEqual(new Set(['a1']));
    expect((await verifyAuditChain(db)).ok).toBe(true);
    // Someone with write access edits one record and re-links the rest the only way they can: unkeyed.
    const victim = rows[4]!;
    let prev = victim.prev_hash;
    for (const r of rows.slice(4)) {
      const edited = { ...r, ip: r.seq === victim.seq ? '203.0.113.9' : r.ip, prev_hash: prev, key_id: null };
      edited.hash = auditHash(prev, edited);
      await db.updateTable('audit_log').set({ ip: edited.ip, prev_hash: edited.prev_hash, hash: edited.hash, key_id: null }).where('seq', '=', r.seq).execute();
      prev = edited.hash;
    }
    await db.updateTable('audit_head').set({ hash: prev }).where('id', '=', 1).execute();
    expect((await verifyAuditChain(db)).firstBroken).toEqual({ seq: Number(victim.seq), reason: 'unkeyed_after_keyed' });
    for (const r of rows.slice(4)) {
      await db.updateTable('audit_log').set({ ip: r.ip, prev_hash: r.prev_hash, hash: r.hash, key_id: r.key_id }).where('seq', '=', r.seq).execute();
    }
    await db.updateTable('audit_head').set({ hash: rows.at(-1)!.hash }).where('id', '=', 1).execute();
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('catches the newest records cut off with the head through the signed anchors outside the database', async () => {
    const db = t.platform.db.primary;
    const dir = join(t.platform.config.dataDir, 'anchors-test');
    const env = {
      ...process.env, CIVICGRID_DB_URL: t.platform.config.dbUrl!, CIVICGRID_DATA_DIR: t.platform.config.dataDir,
      CIVICGRID_AUDIT_ANCHOR_DIR: dir, CIVICGRID_LOG_LEVEL: 'silent',
    };
    const anchored = await run('node', ['--import', 'tsx', 'src/cli.ts', 'audit', 'anchor'], { env });
    expect(anchored.stdout).toMatch(/anchored seq=\d+/);
    const [anchor] = readAnchors(dir);
    expect(await verifyAuditChain(db, readAnchors(dir))).toMatchObject({ ok: true, anchorsChecked: 1 });
    // The tail after record seq-3 is deleted and the head set back to it: the chain alone cannot tell.
    const keep = await db.selectFrom('audit_log').select(['seq', 'hash']).where('seq', '=', anchor!.seq - 3).executeTakeFirstOrThrow();
    const tail = await db.selectFrom('audit_log').selectAll().where('seq', '>', keep.seq).execute();
    await db.deleteFrom('audit_log').where('seq', '>', keep.seq).execute();
    await db.updateTable('audit_head').set({ seq: keep.seq, hash: keep.hash }).where('id', '=', 1).execute();
    expect((await verifyAuditChain(db)).ok).toBe(true);
    expect((await verifyAuditChain(db, readAnchors(dir))).firstBroken).toEqual({ seq: anchor!.seq, reason: 'anchor_mismatch' });
    const cli = await run('node', ['--import', 'tsx', 'src/cli.ts', 'audit', 'verify'], { env }).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(cli?.code).toBe(1);
    expect(cli?.stderr).toMatch(new RegExp(`BROKEN at record seq=${anchor!.seq} \\(anchor_mismatch\\)`));
    await db.insertInto('audit_log').values(tail).execute();
    await db.updateTable('audit_head').set({ seq: anchor!.seq, hash: anchor!.hash }).where('id', '=', 1).execute();
    expect((await verifyAuditChain(db, readAnchors(dir))).ok).toBe(true);

    // A forged anchor is refused rather than trusted.
    const file = join(dir, `audit-anchors-${anchor!.at.slice(0, 7)}.jsonl`);
    writeFileSync(file, `${readFileSync(file, 'utf8')}${JSON.stringify({ ...anchor, seq: anchor!.seq + 100 })}\n`);
    expect((await verifyAuditChain(db, readAnchors(dir))).firstBroken).toEqual({ seq: anchor!.seq + 100, reason: 'anchor_invalid' });
    // The server's own anchors: a new one only when the head moved.
    const second = await writeAnchor(db, join(t.platform.config.dataDir, 'anchors-2'), null);
    expect(second?.seq).toBe(anchor!.seq);
    expect(await writeAnchor(db, join(t.platform.config.dataDir, 'anchors-2'), second!.seq)).toBeNull();
  });
});

describe('hardening: trusted proxies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp('sqlite', { trustedProxies: '10.0.0.0/8' });
  });
  afterAll(async () => t?.close());

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    const login = (remoteAddress: string) => t.app.inject({
      method: 'POST', url: '/api/auth/login', remoteAddress, headers: { 'x-forwarded-for': '198.51.100.77' },
      payload: { username: 'leader', password: 'wrong' },
    });
    const ipOfLast = async () => (await t.platform.db.primary.selectFrom('audit_log').select('ip').where('action', '=', 'auth.login').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()).ip;
    await login('10.1.2.3');
    expect(await ipOfLast()).toBe('198.51.100.77');
    await login('192.0.2.50');
    expect(await ipOfLast()).toBe('192.0.2.50');
  });

  it('refuses a malformed proxy list at start', async () => {
    const { loadConfig } = await import('../../src/infra/config.js');
    expect(() => loadConfig({ CIVICGRID_TRUSTED_PROXIES: '10.0.0.1, not-an-ip' })).toThrow(/CIVICGRID_TRUSTED_PROXIES/);
    expect(loadConfig({ CIVICGRID_TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16' }).trustedProxies).toEqual(['10.0.0.1', '192.168.0.0/16']);
  });
});

describe.each(DIALECTS)('hardening: key files on %s', (dialect) => {
  it('refuses to start with new keys over data protected by lost ones, and generates them for a fresh database', async () => {
    const { openTestPlatform } = await import('../support/db.js');
    const { openPlatform } = await import('../../src/platform.js');
    const { loadDemo } = await import('../../src/modules/demo/load.js');
    const { rmSync, renameSync, existsSync } = await import('node:fs');
    const t = await openTestPlatform(dialect);
    try {
      const dir = t.platform.config.dataDir;
      expect(existsSync(join(dir, 'field-keys.json')) && existsSync(join(dir, 'audit-keys.json'))).toBe(true);
      await loadDemo(t.platform, { scale: 0.2, residentsScale: 0.001 });
      await t.platform.close();
      renameSync(join(dir, 'field-keys.json'), join(dir, 'field-keys.saved'));
      await expect(openPlatform(t.platform.config)).rejects.toThrow(/field key file .* is missing, but the database already holds data protected by it/);
      expect(existsSync(join(dir, 'field-keys.json'))).toBe(false);
      renameSync(join(dir, 'field-keys.saved'), join(dir, 'field-keys.json'));
      rmSync(join(dir, 'audit-keys.json'));
      await expect(openPlatform(t.platform.config)).rejects.toThrow(/audit key file .* is missing, but the database already holds data protected by it/);
      expect(existsSync(join(dir, 'audit-keys.json'))).toBe(false);
    } finally {
      await t.database.drop();
    }
  });
});
