import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPlatform, type Platform } from '../../src/platform.js';
import { DIALECTS, testConfig } from '../support/db.js';
import { openTestApp, type TestApp } from '../support/http.js';
import { fixture } from './support.js';

/**
 * Department grids imported on one node reach the locators of another on the
 * same database: each node compares the table's stamp after its locators
 * have been in use for 5 s, and rebuilds them when it moved.
 */
describe.each(DIALECTS)('department grids across two nodes on %s', (dialect) => {
  let t: TestApp;
  let other: Platform;
  const west: [number, number] = [113.02, 28.1];
  const actor = { userId: null, username: 'test', ip: null };

  beforeAll(async () => {
    t = await openTestApp(dialect);
    // A second node on the same database and data directory.
    other = await openPlatform(testConfig({ url: t.platform.config.dbUrl!, dataDir: t.platform.config.dataDir, drop: async () => {} }));
  });
  afterEach(() => vi.useRealTimers());
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('sees an import made on the other node once its locators are 5 s old, and not before', async () => {
    const a = t.platform.grid.departments;
    const b = other.grid.departments;
    expect(await b.coveringDepartments(...west)).toEqual([]);

    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const report = await a.importFile('D01', fixture('department-valid'), { dryRun: false }, actor, null);
    expect(report.applied).toBe(true);
    // The importing node rebuilds at once; the other still uses what it read.
    expect(await a.coveringDepartments(...west)).toEqual(['D01']);
    expect(await b.coveringDepartments(...west)).toEqual([]);

    vi.setSystemTime(Date.now() + 5_001);
    expect(await b.coveringDepartments(...west)).toEqual(['D01']);

    // A re-import without W01 retires it: the other node notices that too.
    const file = fixture('department-valid');
    const withoutWest = { ...file, features: file.features.filter((f) => f.properties.code !== 'W01') };
    expect((await a.importFile('D01', withoutWest, { dryRun: false }, actor, null)).applied).toBe(true);
    expect(await a.coveringDepartments(...west)).toEqual([]);
    vi.setSystemTime(Date.now() + 5_001);
    expect(await b.coveringDepartments(...west)).toEqual([]);
  });
});
