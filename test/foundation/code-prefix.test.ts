import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { tableOptions } from '../../src/infra/db/migrator.js';
import { codePrefix, scopeFilter } from '../../src/infra/auth/scope.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/db.js';

interface T {
  coded: { code: string; department: string | null };
}

/**
 * Scope and code filters are ranges, not LIKE: they must select exactly the
 * codes under a prefix on both databases, with or without the index.
 */
describe.each(DIALECTS)('code prefix ranges on %s', (dialect) => {
  let database: TestDatabase;
  let db: Db<T>;
  const codes = ['430111', '430111001', '430111001001', '430111001001001', '430111001009999', '430111002', '4301110019', '430112001', '43011', '430111009', '430111010'];

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    db = openDatabase<T>({ url: database.url });
    await tableOptions(db.dialect, db.primary.schema.createTable('coded').addColumn('code', 'varchar(20)', (c) => c.notNull()).addColumn('department', 'varchar(16)')).execute();
    await db.primary.schema.createIndex('coded_code').on('coded').column('code').execute();
    await db.primary.insertInto('coded').values(codes.map((code, i) => ({ code, department: i % 4 === 0 ? 'D01' : null }))).execute();
  });
  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  const under = async (prefix: string, useIndex?: boolean) =>
    (await db.primary.selectFrom('coded').select('code').where(() => codePrefix('code', prefix, useIndex === undefined ? {} : { useIndex })).orderBy('code').execute()).map((r) => r.code);

  it('selects exactly the codes that begin with the prefix', async () => {
    for (const prefix of ['430111', '430111001', '430111009', '4301110010', '43011', '9']) {
      const expected = codes.filter((c) => c.startsWith(prefix)).sort();
      expect(await under(prefix)).toEqual(expected);
      expect(await under(prefix, false)).toEqual(expected);
    }
  });

  it('refuses anything but digits', () => {
    expect(() => codePrefix('code', "43' or 1=1")).toThrow(/invalid code prefix/);
    expect(() => codePrefix('code', '4301%')).toThrow(/invalid code prefix/);
  });

  it('filters by grid scopes and department scopes, and no scope sees nothing', async () => {
    const visible = async (scopes: Parameters<typeof scopeFilter>[1]) =>
      (await db.primary.selectFrom('coded').select('code').where((eb) => scopeFilter(eb, scopes, { grid: 'code', department: 'department' })).orderBy('code').execute()).map((r) => r.code);
    expect(await visible([{ kind: 'grid', code: '430111001' }])).toEqual(codes.filter((c) => c.startsWith('430111001')).sort());
    expect(await visible([{ kind: 'department', code: 'D01' }])).toEqual(codes.filter((_, i) => i % 4 === 0).sort());
    expect(await visible([])).toEqual([]);
  });
});
