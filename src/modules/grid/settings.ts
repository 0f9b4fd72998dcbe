/**
 * Grid settings. They are read from the environment here (not src/infra/config.ts,
 * which another part owns) and validated at start like every other setting:
 *
 *   CIVICGRID_MAP_TILE_URL          raster tile URL template ({z}/{x}/{y}), e.g. Tianditu with tk= (docs/grid-map.md); unset = plain background
 *   CIVICGRID_MAP_TILE_ATTRIBUTION  attribution shown on the map for that source
 *   CIVICGRID_GRID_OVERLAP_M2       default sibling overlap tolerance of imports (m², default 1)
 *   CIVICGRID_GRID_GAP_M2           default gap tolerance of imports (m², default 1)
 */
import { z } from 'zod';
import { ConfigError } from '../../infra/config.js';
import { DEFAULT_TOLERANCES, type Tolerances } from './importer.js';

export interface GridSettings {
  tileUrl: string | null;
  tileAttribution: string | null;
  tolerances: Tolerances;
}

const schema = z.object({
  CIVICGRID_MAP_TILE_URL: z
    .string()
    .refine((u) => /^https?:\/\//.test(u) && ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'must be an http(s) URL template with {z}, {x} and {y}')
    .optional(),
  CIVICGRID_MAP_TILE_ATTRIBUTION: z.string().max(200).optional(),
  CIVICGRID_GRID_OVERLAP_M2: z.coerce.number().min(0).optional(),
  CIVICGRID_GRID_GAP_M2: z.coerce.number().min(0).optional(),
});

export function gridSettingsFrom(env: NodeJS.ProcessEnv = process.env): GridSettings {
  const picked = Object.fromEntries(Object.keys(schema.shape).filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]));
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`).join('\n')}`);
  }
  const v = parsed.data;
  return {
    tileUrl: v.CIVICGRID_MAP_TILE_URL ?? null,
    tileAttribution: v.CIVICGRID_MAP_TILE_ATTRIBUTION ?? null,
    tolerances: {
      overlapM2: v.CIVICGRID_GRID_OVERLAP_M2 ?? DEFAULT_TOLERANCES.overlapM2,
      gapM2: v.CIVICGRID_GRID_GAP_M2 ?? DEFAULT_TOLERANCES.gapM2,
    },
  };
}
