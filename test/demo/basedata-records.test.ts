import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoRecords } from '../../src/modules/basedata/demo/records.js';
import { loadDemo } from '../../src/modules/demo/load.js';
import type { Platform } from '../../src/platform.js';
import { DIALECTS, openTestPlatform } from '../support/db.js';

type Opened = Awaited<ReturnType<typeof openTestPlatform>>;
const actor = { userId: null, username: 'demo', ip: null };
const SEED = 5;

/** Every generated row without its timestamps, in id order: equal fingerprints mean equal data. */
async function fingerprint(p: Platform): Promise<string> {
  const db = p.db.primary;
  const parts = [
    await db.selectFrom('buildings').select(['id', 'grid_code', 'name', 'address', 'lng', 'lat', 'floors']).orderBy('id').execute(),
    await db.selectFrom('entrances').select(['id', 'building_id', 'name']).orderBy('id').execute(),
    await db.selectFrom('dwellings').select(['id', 'building_id', 'entrance_id', 'room_no', 'address', 'area', 'dwelling_use', 'ownership']).orderBy('id').execute(),
    await db.selectFrom('places').select(['id', 'grid_code', 'name', 'type', 'lng', 'lat']).orderBy('id').execute(),
    await db.selectFrom('components').select(['id', 'grid_code', 'class_code', 'lng', 'lat', 'status']).orderBy('id').execute(),
    await db.selectFrom('organizations').select(['id', 'grid_code', 'name', 'credit_code']).orderBy('id').execute(),
  ];
  return JSON.stringify(parts);
}

describe.each(DIALECTS)('demo base data records on %s', (dialect) => {
  let a: Opened;
  let b: Opened;

  beforeAll(async () => {
    a = await openTestPlatform(dialect);
    b = await openTestPlatform(dialect);
    for (const o of [a, b]) await loadDemo(o.platform, { scale: 0.05, seed: SEED });
    // a: interrupted after 7 grids in batches of 3, then resumed; b: in one go.
    const first = await loadDemoRecords(a.platform.db, actor, { seed: SEED, batchGrids: 3, stopAfterGrids: 7 });
    expect(first.grids).toBe(7);
    const rest = await loadDemoRecords(a.platform.db, actor, { seed: SEED, batchGrids: 3 });
    expect(rest.skipped).toBe(false);
    await loadDemoRecords(b.platform.db, actor, { seed: SEED });
  }, 300_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('gives every unit grid several buildings, and places and components', async () => {
    const db = a.platform.db.primary;
    const units = await db.selectFrom('grids').select('code').where('level', '=', 'unit').execute();
    const perGrid = await db.selectFrom('buildings').select(['grid_code', (eb) => eb.fn.countAll().as('n')]).groupBy('grid_code').execute();
    expect(perGrid).toHaveLength(units.length);
    for (const g of perGrid) expect(Number(g.n)).toBeGreaterThanOrEqual(2);
    const places = await db.selectFrom('places').select((eb) => eb.fn.count('grid_code').distinct().as('n')).executeTakeFirstOrThrow();
    expect(Number(places.n)).toBe(units.length);
    const components = await db.selectFrom('components').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    expect(Number(components.n)).toBeGreaterThanOrEqual(3 * units.length);
  });

  it('writes the same rows whether interrupted and resumed or loaded in one go', async () => {
    expect(await fingerprint(a.platform)).toBe(await fingerprint(b.platform));
  });

  it('does nothing once finished and refuses another seed', async () => {
    expect((await loadDemoRecords(a.platform.db, actor, { seed: SEED })).skipped).toBe(true);
    await expect(loadDemoRecords(a.platform.db, actor, { seed: SEED + 1 })).rejects.toThrow(/seed/);
  });

  it('is found through the API like any record: a building with dwellings in entrances', async () => {
    const db = a.platform.db.primary;
    const building = await db.selectFrom('buildings').select(['id', 'address']).orderBy('id').executeTakeFirstOrThrow();
    const rooms = await db.selectFrom('dwellings').select(['address', 'entrance_id']).where('building_id', '=', building.id).execute();
    expect(rooms.length).toBeGreaterThan(0);
    for (const r of rooms) {
      expect(r.entrance_id).not.toBeNull();
      expect(r.address.startsWith(building.address)).toBe(true);
    }
  });
});
