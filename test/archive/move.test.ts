import { spawn } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import { ArchiveBusyError, ARCHIVE_LEASE, moveDueCases } from '../../src/modules/archive/move.js';
import { ArchiveScheduler, DAILY_MARK } from '../../src/modules/archive/schedule.js';
import { acquireLease } from '../../src/modules/incidents/sweep.js';
import { documentTokens } from '../../src/modules/incidents/search-index.js';
import type { Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform, type TestDatabase } from '../support/db.js';
import { archiveRows, businessRows, countOf, finalIds, loadCases, taskRows } from './fixture.js';

const OLDER_THAN = 30;

/** Nothing lost, nothing twice: every due case is in the archive, confirmed, exactly as it was, and gone from the business store; the others untouched. */
async function expectMoved(p: Platform, due: readonly number[], before: Awaited<ReturnType<typeof businessRows>>, others: readonly number[], othersBefore: Awaited<ReturnType<typeof businessRows>>) {
  const b = p.db.primary as unknown as Kysely<unknown>;
  const a = p.archive.db.primary as unknown as Kysely<unknown>;
  expect(await archiveRows(a, due)).toEqual(before);
  expect(await businessRows(b, due)).toEqual({ incidents: [], incident_events: [], incident_departments: [], incident_links: [], incident_files: [] });
  expect(await taskRows(b, due)).toBe(0);
  expect(await businessRows(b, others)).toEqual(othersBefore);
  // Exactly the due cases, once each, all confirmed.
  const archived = await sql<{ id: number; moved: number }>`select id, moved from archive_incidents order by id`.execute(a);
  expect(archived.rows.map((r) => Number(r.id))).toEqual([...due].sort((x, y) => x - y));
  expect(archived.rows.every((r) => Number(r.moved) === 1)).toBe(true);
  expect(await countOf(a, 'archive_incident_events')).toBe(before.incident_events!.length);
  // The text index lost the moved cases; the archive holds their tokens as the index made them.
  expect(await countOf(b, 'incident_search')).toBe(others.length);
  const tokens = await sql<{ id: number; code: string; description: string; address: string | null; grid_code: string; tokens: string }>`select id, code, description, address, grid_code, tokens from archive_incidents`.execute(a);
  for (const t of tokens.rows) expect(t.tokens).toBe(documentTokens({ id: Number(t.id), code: t.code, description: t.description, address: t.address, gridCode: t.grid_code }));
}

describe.each(DIALECTS)('archive move (%s)', (dialect) => {
  let p: Platform;
  let database: TestDatabase;
  let close: () => Promise<void>;
  let b: Kysely<unknown>;

  beforeAll(async () => {
    const t = await openTestPlatform(dialect);
    p = t.platform;
    database = t.database;
    close = t.close;
    b = p.db.primary as unknown as Kysely<unknown>;
  });
  afterAll(async () => close?.());

  async function fresh(n: number, seed: number) {
    const a = p.archive.db.primary as unknown as Kysely<unknown>;
    await p.archive.ensureReady();
    for (const t of ['incidents', 'incident_events', 'incident_departments', 'incident_links', 'incident_files', 'incident_search', 'job_leases']) await sql`delete from ${sql.table(t)}`.execute(b);
    for (const t of ['archive_incidents', 'archive_incident_events', 'archive_incident_departments', 'archive_incident_links', 'archive_incident_files']) await sql`delete from ${sql.table(t)}`.execute(a);
    const ids = await loadCases(p, n, seed);
    const due = await finalIds(b);
    const others = ids.filter((id) => !due.includes(id));
    return { ids, due, others, before: await businessRows(b, due), othersBefore: await businessRows(b, others) };
  }

  it('moves closed, rejected and merged cases past the age with every row, in batches, and leaves the rest', async () => {
    const { due, others, before, othersBefore } = await fresh(120, 1);
    expect(due.length).toBeGreaterThan(30);
    expect(others.length).toBeGreaterThan(10);
    expect(before.incident_links!.length).toBeGreaterThan(0);
    // Nothing is old enough at a cutoff before the fixture's dates.
    const none = await moveDueCases(p.db, p.archive, { olderThanDays: 3650, batch: 7 });
    expect(none.moved).toBe(0);
    const result = await moveDueCases(p.db, p.archive, { olderThanDays: OLDER_THAN, batch: 7 });
    expect(result.moved).toBe(due.length);
    expect(result.batches).toBe(Math.ceil(due.length / 7));
    expect(result.events).toBe(before.incident_events!.length);
    await expectMoved(p, due, before, others, othersBefore);
    // A second run finds nothing to do.
    expect((await moveDueCases(p.db, p.archive, { olderThanDays: OLDER_THAN, batch: 7 })).moved).toBe(0);
  });

  it('a run failing between the archive commit and the business delete resumes with nothing lost or doubled', async () => {
    const { due, others, before, othersBefore } = await fresh(90, 2);
    let batches = 0;
    await expect(moveDueCases(p.db, p.archive, {
      olderThanDays: OLDER_THAN, batch: 5,
      afterCopy: async () => {
        if (++batches === 3) throw new Error('injected crash after the archive commit');
      },
    })).rejects.toThrow('injected crash');
    const a = p.archive.db.primary as unknown as Kysely<unknown>;
    // Two batches moved, the third copied but unconfirmed and still in the business store.
    expect(await countOf(a, 'archive_incidents', sql`moved = 1`)).toBe(10);
    expect(await countOf(a, 'archive_incidents', sql`moved = 0`)).toBe(5);
    // Searches and lists never show the unconfirmed copies.
    const result = await moveDueCases(p.db, p.archive, { olderThanDays: OLDER_THAN, batch: 5 });
    expect(result.moved).toBe(due.length - 10);
    await expectMoved(p, due, before, others, othersBefore);
  });

  it('settles copies left by a run stopped after the business delete, and drops copies of cases changed meanwhile', async () => {
    const { due, others, before, othersBefore } = await fresh(60, 3);
    const changed = due[1]!;
    const result = await moveDueCases(p.db, p.archive, {
      olderThanDays: OLDER_THAN, batch: 4,
      afterCopy: async (ids) => {
        // An action lands on a copied case before the delete: it must stay in the business store.
        if (ids.includes(changed)) await sql`update incidents set version = version + 1 where id = ${changed}`.execute(b);
      },
    });
    expect(result.kept).toBe(1);
    expect(result.moved).toBe(due.length - 1);
    const a = p.archive.db.primary as unknown as Kysely<unknown>;
    expect(await countOf(a, 'archive_incidents', sql`id = ${changed}`)).toBe(0);
    expect(await countOf(b, 'incidents', sql`id = ${changed}`)).toBe(1);
    // As if a run died after deleting a batch but before confirming it.
    const unconfirmed = due.filter((id) => id !== changed).slice(0, 6);
    await sql`update archive_incidents set moved = 0 where id in (${sql.join(unconfirmed)})`.execute(a);
    const again = await moveDueCases(p.db, p.archive, { olderThanDays: OLDER_THAN, batch: 4 });
    expect(again.settled).toEqual({ confirmed: 6, dropped: 0 });
    // The changed case is due again (still closed, unchanged since): it moves now.
    expect(again.moved).toBe(1);
    await expectMoved(p, due, { ...before, incidents: (await archiveRows(a, due)).incidents! }, others, othersBefore);
  });

  it('one run at a time: a held lease refuses a second run', async () => {
    await fresh(10, 4);
    expect(await acquireLease(p.db, ARCHIVE_LEASE, 'another-node', 60_000)).toBe(true);
    await expect(moveDueCases(p.db, p.archive, { olderThanDays: OLDER_THAN })).rejects.toBeInstanceOf(ArchiveBusyError);
    await sql`delete from job_leases`.execute(b);
  });

  it('the server runs the move once a day, audited', async () => {
    const { due } = await fresh(30, 6);
    const scheduler = new ArchiveScheduler(p.db, p.archive, pino({ level: 'silent' }), OLDER_THAN);
    const now = Date.now();
    expect(await scheduler.tick(now)).toBe(true);
    expect(await countOf(b, 'incidents', sql`status in ('closed', 'rejected', 'merged')`)).toBe(0);
    expect(await countOf(p.archive.db.primary as unknown as Kysely<unknown>, 'archive_incidents')).toBe(due.length);
    // Not again within the day, again after it.
    expect(await scheduler.tick(now + 3_600_000)).toBe(false);
    expect(await scheduler.tick(now + 86_400_000 + 1)).toBe(true);
    const audit = await p.db.primary.selectFrom('audit_log').select('details').where('action', '=', 'archive.move').execute();
    expect(audit.map((a) => (JSON.parse(a.details) as { moved: number }).moved)).toEqual([due.length, 0]);
    await sql`delete from job_leases where name = ${DAILY_MARK}`.execute(b);
  });

  it('`civicgrid archive move` killed with SIGKILL midway resumes with nothing lost or doubled', async () => {
    const { due, others, before, othersBefore } = await fresh(200, 5);
    const env = { ...process.env, CIVICGRID_DB_URL: database.url, CIVICGRID_DATA_DIR: database.dataDir, CIVICGRID_LOG_LEVEL: 'silent' };
    const run = (kill: boolean) => new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
      const child = spawn('node', ['--import', 'tsx', 'src/cli.ts', 'archive', 'move', '--older-than', String(OLDER_THAN), '--batch', '3'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        const m = [...out.matchAll(/in (\d+) batches/g)].pop();
        // Killed a moment after its fourth batch: somewhere inside the fifth or sixth.
        if (kill && m && Number(m[1]) >= 4 && child.exitCode === null) setTimeout(() => child.kill('SIGKILL'), 3);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code, signal) => resolve({ code, signal, out }));
    });
    const killed = await run(true);
    expect(killed.signal, killed.out).toBe('SIGKILL');
    const movedSoFar = await countOf(b, 'incidents') ;
    expect(movedSoFar).toBeGreaterThan(others.length);
    // The dead run's lease lapses after its time; here it is taken away at once.
    await sql`delete from job_leases`.execute(b);
    const resumed = await run(false);
    expect(resumed.code, resumed.out).toBe(0);
    await expectMoved(p, due, before, others, othersBefore);
    // Audited: one record per completed run, with its counts.
    const audit = await p.db.primary.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'archive.move').execute();
    expect(audit.length).toBeGreaterThanOrEqual(1);
  }, 120_000);
});
