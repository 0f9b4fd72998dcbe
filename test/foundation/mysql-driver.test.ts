import { CompiledQuery, type Kysely } from 'kysely';
import { Connection } from 'mysql2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.js';
import { deferred } from '../../src/infra/db/mysql-driver.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

const dept = (code: string, updatedAt = 2) => ({ code, name: code, name_en: code, status: 'active' as const, created_at: 1, updated_at: updatedAt });

/** The commands mysql2 sends while `run` runs (each one round trip), as their SQL; a cached prepare sends nothing and is left out. */
async function commandsDuring(run: () => Promise<unknown>): Promise<string[]> {
  type Wire = { constructor: { statementKey(options: unknown): string }; _statements: { get(key: string): unknown } };
  type Command = { constructor: { name: string }; sql?: string; query?: string; options?: unknown };
  const proto = (Connection as unknown as { prototype: { addCommand(this: Wire, cmd: Command): unknown } }).prototype;
  const original = proto.addCommand;
  const seen: string[] = [];
  proto.addCommand = function (this: Wire, cmd: Command) {
    const cachedPrepare = cmd.constructor.name === 'Prepare' && this._statements.get(this.constructor.statementKey(cmd.options)) !== undefined;
    if (!cachedPrepare) seen.push(`${cmd.constructor.name}: ${cmd.sql ?? cmd.query ?? ''}`);
    return original.call(this, cmd);
  };
  try {
    await run();
  } finally {
    proto.addCommand = original;
  }
  return seen;
}

describe.each(DIALECTS)('deferred writes on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  let db: Kysely<Database>;
  beforeAll(async () => {
    t = await openTestPlatform(dialect);
    db = t.platform.db.primary;
  });
  afterAll(async () => t?.close());

  const codes = async (prefix: string) =>
    (await db.selectFrom('departments').select('code').where('code', 'like', `${prefix}%`).orderBy('code').execute()).map((r) => r.code);

  it('a deferred write is seen by the next statement of its transaction and commits with it', async () => {
    const seen = await t.platform.db.transaction(async (tx) => {
      await tx.executeQuery(deferred(tx.insertInto('departments').values(dept('DW1')).compile()));
      await tx.executeQuery(deferred(tx.updateTable('departments').set({ name: '改名' }).where('code', '=', 'DW1').compile()));
      return tx.selectFrom('departments').select('name').where('code', '=', 'DW1').executeTakeFirst();
    });
    expect(seen?.name).toBe('改名');
    expect(await codes('DW')).toEqual(['DW1']);
  });

  it('a deferred write that fails fails its transaction: nothing of it is committed and the caller gets the error', async () => {
    await db.insertInto('departments').values(dept('DF1')).execute();
    const failing = t.platform.db.transaction(async (tx) => {
      await tx.insertInto('departments').values(dept('DF2')).execute();
      // A duplicate primary key, held until the commit on MySQL.
      await tx.executeQuery(deferred(tx.insertInto('departments').values(dept('DF1')).compile()));
      await tx.executeQuery(deferred(tx.insertInto('departments').values(dept('DF3')).compile()));
    });
    await expect(failing).rejects.toSatisfy((e: { code?: string }) => /ER_DUP_ENTRY|SQLITE_CONSTRAINT/.test(String(e.code)));
    expect(await codes('DF')).toEqual(['DF1']);
  });

  it('a deferred write outside a transaction runs at once', async () => {
    await db.executeQuery(deferred(db.insertInto('departments').values(dept('DO1')).compile()));
    expect(await codes('DO')).toEqual(['DO1']);
  });
});

describe.skipIf(!DIALECTS.includes('mysql'))('the pipelined MySQL driver', () => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  let db: Kysely<Database>;
  beforeAll(async () => {
    t = await openTestPlatform('mysql');
    db = t.platform.db.primary;
  });
  afterAll(async () => t?.close());

  it('sends BEGIN with the first statement, deferred writes with the next one, and nothing for an empty transaction', async () => {
    await db.insertInto('departments').values(dept('RT0')).execute();
    const sent = await commandsDuring(() =>
      t.platform.db.transaction(async (tx) => {
        await tx.insertInto('departments').values(dept('RT1')).execute();
        await tx.executeQuery(deferred(CompiledQuery.raw('update departments set name = ? where code = ?', ['x', 'RT1'])));
        await tx.selectFrom('departments').select('name').where('code', '=', 'RT1').execute();
        await tx.executeQuery(deferred(CompiledQuery.raw('update departments set name = ? where code = ?', ['y', 'RT0'])));
      }),
    );
    expect(sent).toHaveLength(3);
    expect(sent[0]).toMatch(/^Query: begin;\ninsert into `departments`/);
    expect(sent[1]).toMatch(/^Query: update departments set name = 'x' where code = 'RT1';\nselect `name` from `departments`/);
    expect(sent[2]).toBe("Query: update departments set name = 'y' where code = 'RT0';\ncommit");
    expect((await db.selectFrom('departments').select(['code', 'name']).where('code', 'in', ['RT0', 'RT1']).orderBy('code').execute()).map((r) => r.name)).toEqual(['y', 'x']);
    expect(await commandsDuring(() => t.platform.db.transaction(async () => 1))).toEqual([]);
  });

  it('binds parameters of a statement sent alone as a prepared statement, numbers as they are', async () => {
    const big = 1_796_408_853_577;
    const sent = await commandsDuring(async () => {
      await db.insertInto('departments').values([dept('PB1', big), dept('PB2', -5), dept("PB'3", 0)]).execute();
    });
    expect(sent.some((s) => s.startsWith('Execute: insert into `departments`'))).toBe(true);
    const rows = await db.selectFrom('departments').select(['code', 'updated_at']).where('code', 'like', 'PB%').where('updated_at', '<', 2 ** 53).orderBy('code').limit(2).execute();
    expect(rows.map((r) => [r.code, Number(r.updated_at)])).toEqual([["PB'3", 0], ['PB1', big]]);
    const fraction = await db.selectFrom('departments').select('code').where('code', 'like', 'PB%').where('updated_at', '<', -4.5).execute();
    expect(fraction.map((r) => r.code)).toEqual(['PB2']);
  });
});
