import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/database.js';
import { RateCounters } from '../../src/infra/cluster/counters.js';
import { openDatabase, type Db } from '../../src/infra/db/database.js';
import { auditKeyringFrom, primaryDbUrl } from '../../src/infra/config.js';
import { bindAuditKeyring } from '../../src/infra/audit/audit.js';
import { ArchiveScheduler, DAILY_MARK } from '../../src/modules/archive/schedule.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import { GridLocatorService } from '../../src/modules/grid/locator-service.js';
import { DIALECTS, openTestPlatform, testConfig } from '../support/db.js';
import { loadDemoResidents } from '../../src/modules/basedata/demo/load.js';
import { openPlatform } from '../../src/platform.js';
import { randomBytes } from 'node:crypto';

/**
 * What two API nodes share through one database, each node here being its own
 * database handle (its own connections, its own in-memory state): the rate
 * counters, the grid locator's version mark, and the claim on the daily
 * archive run. test/nodes/two-nodes.test.ts runs the same through real
 * processes behind nginx.
 */
describe.each(DIALECTS)('state shared by API nodes on %s', (dialect) => {
  let t: Awaited<ReturnType<typeof openTestPlatform>>;
  let other: Db<Database>;

  beforeAll(async () => {
    t = await openTestPlatform(dialect);
    await loadDemo(t.platform, { scale: 0.2 });
    other = openDatabase<Database>({ url: primaryDbUrl(t.platform.config) });
    // As openPlatform does on every node: the audit chain's keys, shared by all nodes.
    bindAuditKeyring(other.primary, auditKeyringFrom(t.platform.config, { generate: false }).keyring);
  }, 120_000);
  afterAll(async () => {
    await other?.close();
    await t?.close();
  });

  it('counts one client\'s requests on both nodes together, window by window, and forgets ended windows', async () => {
    const a = new RateCounters(t.platform.db);
    const b = new RateCounters(other);
    const minute = 60_000;
    const start = 1_800_000_000_000 + 12_345;
    const counts: number[] = [];
    for (let i = 0; i < 6; i++) counts.push((await (i % 2 ? b : a).hit('test-limit', 'client-1', minute, start + i * 1000)).count);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await b.hit('test-limit', 'client-1', minute, start + 6000)).toEqual({ count: 7, resetMs: minute - 6000 });
    // Another key and another limit count apart.
    expect((await b.hit('test-limit', 'client-2', minute, start + 6000)).count).toBe(1);
    expect((await a.hit('other-limit', 'client-1', minute, start + 6000)).count).toBe(1);
    // The window opened at the first hit; the first hit after it opens a new one, on either node.
    expect((await a.hit('test-limit', 'client-1', minute, start + minute - 1)).count).toBe(8);
    expect(await b.hit('test-limit', 'client-1', minute, start + minute)).toEqual({ count: 1, resetMs: minute });
    expect((await a.hit('test-limit', 'client-1', minute, start + minute + 1)).count).toBe(2);
    // A key far longer than the column is hashed into it, and still counted as one.
    const long = 'x'.repeat(500);
    expect((await a.hit('test-limit', long, minute, start)).count).toBe(1);
    expect((await b.hit('test-limit', long, minute, start + 1)).count).toBe(2);
    // The sweep drops rows whose window has ended, and only those.
    expect(await a.purge(start + minute + 1)).toBe(1);
    expect(await b.purge(start + 2 * minute + 1)).toBe(3);
  });

  it('reloads the other node\'s locator when the grid changes, and only then', async () => {
    const mine = t.platform.grid.locator;
    const theirs = new GridLocatorService(other);
    await theirs.reload();
    expect(theirs.loadedVersion).toBe(mine.loadedVersion);
    expect(await theirs.refreshIfChanged()).toBe(false);
    const unit = await t.platform.db.primary.selectFrom('grids').select(['code', 'name', 'version', 'min_lng', 'min_lat', 'max_lng', 'max_lat'])
      .where('level', '=', 'unit').orderBy('code').executeTakeFirstOrThrow();
    let point: { lng: number; lat: number } | null = null;
    for (let i = 1; i < 20 && !point; i++) {
      for (let j = 1; j < 20 && !point; j++) {
        const p = { lng: unit.min_lng + ((unit.max_lng - unit.min_lng) * i) / 20, lat: unit.min_lat + ((unit.max_lat - unit.min_lat) * j) / 20 };
        if (theirs.locate(p.lng, p.lat) === unit.code) point = p;
      }
    }
    expect(point).not.toBeNull();
    // Attributes do not change what the locator shows: no reload.
    await t.platform.grid.update(null, { userId: null, username: 'test', ip: null }, unit.code, { version: unit.version, attributes: { note: 'x' } });
    expect(await theirs.refreshIfChanged()).toBe(false);
    await t.platform.grid.update(null, { userId: null, username: 'test', ip: null }, unit.code, { version: unit.version + 1, name: `${unit.name}（改）` });
    expect(theirs.locateChain(point!.lng, point!.lat).grid?.unit.name).toBe(unit.name);
    expect(await theirs.refreshIfChanged()).toBe(true);
    expect(theirs.locateChain(point!.lng, point!.lat).grid?.unit.name).toBe(`${unit.name}（改）`);
    expect(await theirs.refreshIfChanged()).toBe(false);
  });

  it('refuses to start a node whose field keys cannot read the stored residents', async () => {
    await loadDemoResidents(t.platform.db, t.platform.fieldCipher, { seed: 7, scale: 0.0001 });
    const key = () => randomBytes(32).toString('base64');
    // Other keys altogether: the stored value does not decrypt.
    await expect(openPlatform(testConfig(t.database, { fieldKeys: `k1:${key()}`, fieldHmacKey: key() })))
      .rejects.toThrow(/field keys of this node cannot read the residents/);
    // The right cipher key but another blind-index key: searches would find nothing.
    const own = t.platform.fieldCipher;
    const keys = own.keys.map((k) => `${k.id}:${k.key.toString('base64')}`).join(',');
    await expect(openPlatform(testConfig(t.database, { fieldKeys: keys, fieldHmacKey: key() })))
      .rejects.toThrow(/field HMAC key of this node does not match/);
    // The same keys: a second node starts.
    const second = await openPlatform(testConfig(t.database, { fieldKeys: keys, fieldHmacKey: own.hmacKey.toString('base64') }));
    await second.close();
  });

  it('runs the daily archive move on one node of two that look at once', async () => {
    const quiet = pino({ level: process.env.DEBUG_NODES ? 'debug' : 'silent' });
    const onA = new ArchiveScheduler(t.platform.db, t.platform.archive, quiet, 365);
    const onB = new ArchiveScheduler(other, t.platform.archive, quiet, 365);
    const now = Date.now();
    const ran = await Promise.all([onA.tick(now), onB.tick(now)]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    const audits = await t.platform.db.primary.selectFrom('audit_log').select('seq').where('action', '=', 'archive.move').execute();
    expect(audits).toHaveLength(1);
    const mark = await t.platform.db.primary.selectFrom('job_leases').select('expires_at').where('name', '=', DAILY_MARK).executeTakeFirstOrThrow();
    expect(Number(mark.expires_at)).toBe(now + 86_400_000);
  });
});
