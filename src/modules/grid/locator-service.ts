/**
 * The point locator over the active unit grids, held in memory.
 *
 * Loaded at start and rebuilt in this process after every import or grid
 * change (GridService calls reload()). With several API nodes, another node's
 * import is not seen here until this node reloads: a multi-node deployment
 * should call reload() on a feed message (the live-update feed of DESIGN.md)
 * or on a short timer; `maxAgeMs` turns on such a timer-based reload.
 */
import type { AppDb } from '../../database.js';
import type { GridLevel } from './rules/codes.js';
import { toWgs84, type Crs } from './rules/coords.js';
import { Locator } from './rules/locator.js';
import type { GridGeometry } from './rules/types.js';

export interface GridRef {
  code: string;
  name: string;
}

export interface LocatedGrid {
  unit: GridRef;
  community: GridRef | null;
  street: GridRef | null;
  district: GridRef | null;
}

/** What the incidents module (and anyone else) needs: point → unit grid code. */
export interface GridLocatorPort {
  locate(lng: number, lat: number): string | null;
}

export class GridLocatorService implements GridLocatorPort {
  private locator = new Locator([]);
  private nodes = new Map<string, { name: string; level: GridLevel }>();
  private loadedAt = 0;
  private reloading: Promise<void> | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly maxAgeMs = 0,
  ) {}

  /** Unit grids indexed. */
  get size(): number {
    return this.locator.size;
  }

  async reload(): Promise<void> {
    const units = await this.db.primary
      .selectFrom('grids')
      .select(['code', 'geometry'])
      .where('level', '=', 'unit')
      .where('status', '=', 'active')
      .orderBy('code')
      .execute();
    const nodes = await this.db.primary.selectFrom('grids').select(['code', 'name', 'level']).where('status', '=', 'active').execute();
    // Build fully before swapping, so concurrent queries see the old or the new index, never half of one.
    const locator = new Locator(units.map((u) => ({ code: u.code, geometry: JSON.parse(u.geometry) as GridGeometry })));
    this.nodes = new Map(nodes.map((n) => [n.code, { name: n.name, level: n.level }]));
    this.locator = locator;
    this.loadedAt = Date.now();
  }

  /** Reloads when older than maxAgeMs (multi-node); a no-op when maxAgeMs is 0. */
  private maybeRefresh(): void {
    if (this.maxAgeMs <= 0 || this.reloading || Date.now() - this.loadedAt < this.maxAgeMs) return;
    this.reloading = this.reload().finally(() => {
      this.reloading = null;
    });
  }

  /** Code of the active unit grid containing a WGS84 point, or null. */
  locate(lng: number, lat: number): string | null {
    this.maybeRefresh();
    return this.locator.locate(lng, lat);
  }

  /** The unit grid and its ancestors with names, for a point in any supported CRS. */
  locateChain(lng: number, lat: number, crs: Crs = 'wgs84'): { wgs84: { lng: number; lat: number }; grid: LocatedGrid | null } {
    const [x, y] = toWgs84(lng, lat, crs);
    const wgs84 = { lng: x, lat: y };
    const chain = this.locator.locateChain(x, y);
    if (!chain) return { wgs84, grid: null };
    const ref = (code: string | undefined): GridRef | null => {
      if (code === undefined) return null;
      return { code, name: this.nodes.get(code)?.name ?? code };
    };
    const byLevel = new Map<GridLevel, string>();
    for (const a of chain.ancestors) {
      const level = this.nodes.get(a)?.level;
      if (level) byLevel.set(level, a);
    }
    return {
      wgs84,
      grid: {
        unit: ref(chain.unit)!,
        community: ref(byLevel.get('community')),
        street: ref(byLevel.get('street')),
        district: ref(byLevel.get('district')),
      },
    };
  }
}
