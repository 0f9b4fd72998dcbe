import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertRows } from '../../src/infra/db/insert.js';
import type { Database } from '../../src/database.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

const dept = (code: string, name = code) => ({ code, name, name_en: code, status: 'active' as const, created_at: 1, updated_at: 2 });

describe.each(DIALECTS)('insertRows on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  beforeAll(async () => {
    t = await openTestPlatform(dialect);
  });
  afterAll(async () => t?.close());

  it('inserts one row or several with the same columns, values bound as given', async () => {
    const db = t.platform.db.primary;
    const one = await insertRows<Database, 'departments'>(db, 'departments', [dept('IR1', '名称 `quoted`')]);
    expect(Number(one.numAffectedRows)).toBe(1);
    await insertRows<Database, 'departments'>(db, 'departments', [dept('IR2'), dept('IR3')]);
    const rows = await db.selectFrom('departments').select(['code', 'name', 'updated_at']).where('code', 'like', 'IR%').orderBy('code').execute();
    expect(rows.map((r) => [r.code, r.name, Number(r.updated_at)])).toEqual([['IR1', '名称 `quoted`', 2], ['IR2', 'IR2', 2], ['IR3', 'IR3', 2]]);
  });

  it('answers the generated id of an inserted row', async () => {
    const db = t.platform.db.primary;
    const result = await insertRows<Database, 'grid_history'>(db, 'grid_history', [{
      grid_code: 'IR', at: 1, user_id: null, username: 'insert-rows', change_kind: 'created', before_state: null, after_state: null, related: '[]', source: 'test',
    }]);
    const row = await db.selectFrom('grid_history').select('id').where('username', '=', 'insert-rows').executeTakeFirstOrThrow();
    expect(Number(result.insertId)).toBe(Number(row.id));
  });

  it('refuses rows whose columns differ, and an empty list, writing nothing', async () => {
    const db = t.platform.db.primary;
    const { name_en: _dropped, ...short } = dept('IR5');
    await expect(insertRows<Database, 'departments'>(db, 'departments', [dept('IR4'), short as ReturnType<typeof dept>])).rejects.toThrow(/differ in their columns/);
    await expect(insertRows<Database, 'departments'>(db, 'departments', [])).rejects.toThrow(/no rows/);
    expect(await db.selectFrom('departments').select('code').where('code', 'in', ['IR4', 'IR5']).execute()).toEqual([]);
  });
});
