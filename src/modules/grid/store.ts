import type { Kysely } from 'kysely';
import type { Database } from '../../database.js';
import { bumpGridVersion } from './locator-service.js';
import { bboxOf } from './rules/geometry.js';
import type { GridFeature } from './rules/types.js';

/** Inserts new grid nodes in batches (parents first, as given). */
export async function insertGrids(db: Kysely<Database>, features: readonly GridFeature[], now = Date.now()): Promise<void> {
  const BATCH = 200;
  for (let i = 0; i < features.length; i += BATCH) {
    const rows = features.slice(i, i + BATCH).map((f) => {
      const [minLng, minLat, maxLng, maxLat] = bboxOf(f.geometry);
      return {
        code: f.code,
        level: f.level,
        parent_code: f.parentCode,
        name: f.name,
        geometry: JSON.stringify(f.geometry),
        min_lng: minLng,
        min_lat: minLat,
        max_lng: maxLng,
        max_lat: maxLat,
        status: 'active' as const,
        attributes: '{}',
        created_at: now,
        updated_at: now,
        retired_at: null,
        version: 1,
      };
    });
    await db.insertInto('grids').values(rows).execute();
  }
  if (features.length > 0) await bumpGridVersion(db);
}

export async function countGrids(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('grids').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Grid features as an importable FeatureCollection (what `civicgrid grid export` writes). */
export function demoFeatureCollection(features: readonly GridFeature[]): { type: 'FeatureCollection'; features: unknown[] } {
  return {
    type: 'FeatureCollection',
    features: features.map((f) => ({
      type: 'Feature',
      properties: { code: f.code, name: f.name, level: f.level, parent: f.parentCode },
      geometry: f.geometry,
    })),
  };
}
