import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

/**
 * Reads that may lag go to the replica; a user who has just written reads
 * from the primary for the read-your-writes window.
 */
describe.runIf(process.env.CIVICGRID_TEST_MYSQL_URL)('replica routing on mysql', () => {
  let primary: TestDatabase;
  let replica: TestDatabase;
  let db: Db<{ marker: { which: string } }>;

  beforeAll(async () => {
    primary = await createTestDatabase('mysql');
    replica = await createTestDatabase('mysql');
    db = openDatabase({ url: primary.url, replicaUrl: replica.url, readYourWritesSeconds: 5 });
    for (const [url, which] of [[primary.url, 'primary'], [replica.url, 'replica']] as const) {
      const d = openDatabase<{ marker: { which: string } }>({ url });
      await d.primary.schema.createTable('marker').addColumn('which', 'varchar(16)').execute();
      await d.primary.insertInto('marker').values({ which }).execute();
      await d.close();
    }
  });
  afterAll(async () => {
    await db?.close();
    await primary?.drop();
    await replica?.drop();
  });

  const readFrom = async (userId?: number) =>
    (await db.reader(userId).selectFrom('marker').select('which').executeTakeFirstOrThrow()).which;

  it('sends lag-tolerant reads to the replica and keeps a writer on the primary for the window', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    expect(await readFrom()).toBe('replica');
    expect(await readFrom(7)).toBe('replica');
    db.noteWrite(7);
    expect(await readFrom(7)).toBe('primary');
    expect(await readFrom(8)).toBe('replica');
    vi.setSystemTime(Date.now() + 6000);
    expect(await readFrom(7)).toBe('replica');
    vi.useRealTimers();
  });
});

describe('replica routing on sqlite', () => {
  it('has no replica: every read is on the primary, and a replica URL is refused', () => {
    const db = openDatabase({ url: 'sqlite::memory:' });
    expect(db.reader(1)).toBe(db.primary);
    expect(() => openDatabase({ url: 'sqlite::memory:', replicaUrl: 'mysql://x@127.0.0.1/y' })).toThrow(/replica needs a MySQL primary/);
    void db.close();
  });
});
