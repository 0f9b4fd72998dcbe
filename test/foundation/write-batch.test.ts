import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteBatcher } from '../../src/infra/db/write-batch.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

/** Group commit: jobs queued together commit together, and a failing job takes only itself back. */
const dept = (code: string) => ({ code, name: code, name_en: code, status: 'active' as const, created_at: 1, updated_at: 1 });

describe.each(DIALECTS)('write batcher on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  beforeAll(async () => {
    t = await openTestPlatform(dialect);
  });
  afterAll(async () => t?.close());

  it('isolates a failing job and commits the others', async () => {
    const db = t.platform.db;
    const batcher = new WriteBatcher(db.primary);
    const insert = (name: string) => batcher.run((tx) => tx.insertInto('departments').values(dept(name)).execute());
    const results = await Promise.allSettled([
      insert('a'),
      batcher.run(async (tx) => {
        await tx.insertInto('departments').values(dept('b')).execute();
        throw new Error('job b fails after writing');
      }),
      insert('a'), // duplicate key: fails alone
      insert('c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    const names = (await db.primary.selectFrom('departments').select('code as name').where('code', 'in', ['a', 'b', 'c']).orderBy('code').execute()).map((r) => r.name);
    expect(names).toEqual(['a', 'c']);
    expect(batcher.stats.batches).toBe(1);
    expect(batcher.stats.jobs).toBe(4);
    // A lone failing job rolls back its own transaction.
    await expect(batcher.run(async (tx) => {
      await tx.insertInto('departments').values(dept('d')).execute();
      await sql`select * from no_such_table`.execute(tx);
    })).rejects.toThrow();
    expect(await db.primary.selectFrom('departments').select('code').where('code', '=', 'd').executeTakeFirst()).toBeUndefined();
  });

  it('Db.write commits one statement durably, beside transactions, and a failing one writes nothing', async () => {
    const db = t.platform.db;
    const [written] = await Promise.all([
      db.write(async (k) => {
        await k.insertInto('departments').values(dept('w1')).execute();
        return 'w1';
      }),
      db.transaction((tx) => tx.insertInto('departments').values(dept('w2')).execute()),
    ]);
    expect(written).toBe('w1');
    await expect(db.write((k) => k.insertInto('departments').values([dept('w3'), dept('w1')]).execute())).rejects.toThrow();
    const names = (await db.primary.selectFrom('departments').select('code').where('code', 'in', ['w1', 'w2', 'w3']).orderBy('code').execute()).map((r) => r.code);
    expect(names).toEqual(['w1', 'w2']);
  });

  it('runs a batch without failures once, and re-runs it with savepoints when a job fails', async () => {
    const db = t.platform.db;
    const batcher = new WriteBatcher(db.primary);
    const runs = new Map<string, number>();
    const insert = (name: string, fail = false) =>
      batcher.run(async (tx) => {
        runs.set(name, (runs.get(name) ?? 0) + 1);
        await tx.insertInto('departments').values(dept(name)).execute();
        if (fail) throw new Error(`job ${name} fails`);
      });
    await Promise.all([insert('e'), insert('f'), insert('g')]);
    expect([...runs.values()]).toEqual([1, 1, 1]);
    runs.clear();
    const results = await Promise.allSettled([insert('h'), insert('i', true), insert('j')]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // 'j' never ran in the straight pass: it stopped at 'i'.
    expect(Object.fromEntries(runs)).toEqual({ h: 2, i: 2, j: 1 });
    const names = (await db.primary.selectFrom('departments').select('code').where('code', 'in', ['e', 'f', 'g', 'h', 'i', 'j']).orderBy('code').execute()).map((r) => r.code);
    expect(names).toEqual(['e', 'f', 'g', 'h', 'j']);
    expect(batcher.stats).toEqual({ batches: 2, jobs: 6 });
  });
});
