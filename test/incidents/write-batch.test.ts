import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteBatcher } from '../../src/modules/incidents/write-batch.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

/** Group commit: jobs queued together commit together, and a failing job takes only itself back. */
describe.each(DIALECTS)('write batcher on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  beforeAll(async () => {
    t = await openTestPlatform(dialect);
  });
  afterAll(async () => t?.close());

  it('isolates a failing job and commits the others', async () => {
    const db = t.platform.db;
    const batcher = new WriteBatcher(db);
    const insert = (name: string) => batcher.run((tx) => tx.insertInto('job_leases').values({ name, holder: 'x', expires_at: 1 }).execute());
    const results = await Promise.allSettled([
      insert('a'),
      batcher.run(async (tx) => {
        await tx.insertInto('job_leases').values({ name: 'b', holder: 'x', expires_at: 1 }).execute();
        throw new Error('job b fails after writing');
      }),
      insert('a'), // duplicate key: fails alone
      insert('c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const names = (await db.primary.selectFrom('job_leases').select('name').orderBy('name').execute()).map((r) => r.name);
    expect(names).toEqual(['a', 'c']);
    if (dialect === 'sqlite') {
      expect(batcher.stats.batches).toBe(1);
      expect(batcher.stats.jobs).toBe(4);
    }
    // A lone failing job rolls back its own transaction.
    await expect(batcher.run(async (tx) => {
      await tx.insertInto('job_leases').values({ name: 'd', holder: 'x', expires_at: 1 }).execute();
      await sql`select * from no_such_table`.execute(tx);
    })).rejects.toThrow();
    expect(await db.primary.selectFrom('job_leases').select('name').where('name', '=', 'd').executeTakeFirst()).toBeUndefined();
  });
});
