import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneAudit, verifyAuditChain } from '../../src/infra/audit/audit.js';
import { DIALECTS } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';

const run = promisify(execFile);

describe.each(DIALECTS)('audit log on %s', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await openTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('records permission changes with actor, ip and object, searchable by auditors only', async () => {
    const admin = await t.login('admin');
    const created = await t.request({ method: 'POST', url: '/api/admin/users', cookie: admin, body: { username: 'clerk', displayName: '文员' } });
    const id = created.json().user.id as number;
    await t.request({ method: 'POST', url: `/api/admin/users/${id}/assignments`, cookie: admin, body: { role: 'leader', scopeKind: 'department', scopeCode: 'D03' } });
    const auditor = await t.login('auditor');
    const res = await t.request({ url: `/api/audit?objectType=user&objectId=${id}`, cookie: auditor });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ action: string; username: string; ip: string; result: string; details: Record<string, unknown> }>;
    expect(items.map((i) => i.action)).toEqual(['permission.grant', 'user.create']);
    expect(items[0]).toMatchObject({ username: 'admin', result: 'success', details: { role: 'leader', scope: { kind: 'department', code: 'D03' } } });
    expect(items[0]!.ip).toBeTruthy();
    // Admins do not read the audit log (separation of duties).
    expect((await t.request({ url: '/api/audit', cookie: admin })).statusCode).toBe(403);
  });

  it('detects a deleted tail record through the chain head', async () => {
    const db = t.platform.db.primary;
    const last = await db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    await db.deleteFrom('audit_log').where('seq', '=', last.seq).execute();
    expect((await verifyAuditChain(db)).firstBroken).toEqual({ seq: Number(last.seq), reason: 'sequence_gap' });
    await db.insertInto('audit_log').values(last).execute();
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('prunes records past retention and keeps the rest verifiable', async () => {
    const db = t.platform.db.primary;
    const before = await db.selectFrom('audit_log').select(['seq', 'at']).orderBy('seq').execute();
    const third = before[2]!;
    // Prune as if 200 days had passed since the third record, with 200 days of retention.
    const removed = await pruneAudit(db, { userId: null, username: 'test', ip: null }, 200, Number(third.at) + 200 * 86_400_000 + 1);
    expect(removed).toBe(3);
    const left = await db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
    expect(Number(left[0]!.seq)).toBe(4);
    expect((await verifyAuditChain(db)).ok).toBe(true);
    await expect(pruneAudit(db, { userId: null, username: 'test', ip: null }, 30)).rejects.toThrow(/at least 180/);
  });

  it('verifies an intact chain and names the first record that was edited', async () => {
    expect((await verifyAuditChain(t.platform.db.primary)).ok).toBe(true);
    const victim = await t.platform.db.primary.selectFrom('audit_log').select(['seq']).where('seq', '=', 6).limit(1).executeTakeFirstOrThrow();
    await t.platform.db.primary.updateTable('audit_log').set({ ip: '10.9.9.9' }).where('seq', '=', victim.seq).execute();
    const result = await verifyAuditChain(t.platform.db.primary);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toEqual({ seq: Number(victim.seq), reason: 'hash_mismatch' });
  });

  it('`civicgrid audit verify` reports the broken record and exits non-zero', async () => {
    const env = { ...process.env, CIVICGRID_DB_URL: t.platform.config.dbUrl!, CIVICGRID_DATA_DIR: t.platform.config.dataDir, CIVICGRID_LOG_LEVEL: 'silent' };
    const err = await run('node', ['--import', 'tsx', 'src/cli.ts', 'audit', 'verify'], { env }).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toMatch(/BROKEN at record seq=6 \(hash_mismatch\)/);
  });

});
