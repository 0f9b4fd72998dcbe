/**
 * The point locator over the active unit grids, held in memory.
 *
 * Loaded at start and rebuilt in this process after every import or grid
 * change (GridService calls reload()). Every grid write also bumps the
 * `grid` version mark in its transaction (bumpGridVersion), so another API
 * node, or the CLI, changing the grid is seen here by refreshIfChanged():
 * the server calls it every couple of seconds and on a broker message
 * (docs/deployment.md).
 */
import type { AnyKysely } from '../../infra/db/database.js';
import { bumpVersion, readVersion } from '../../infra/cluster/versions.js';
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

/** The version mark of the grid tree (infra/cluster/versions.ts). */
export const GRID_VERSION = 'grid';

/** Call inside the transaction of every change to the grids table. */
export function bumpGridVersion(tx: AnyKysely): Promise<void> {
  return bumpVersion(tx, GRID_VERSION);
}

export class GridLocatorService implements GridLocatorPort {
  private locator = new Locator([]);
  private nodes = new Map<string, { name: string; level: GridLevel }>();
  /** The grid version mark the index was built from (-1: not loaded). */
  private version = -1;
  private reloading: Promise<void> | null = null;
  /** Told after this node changed the grid and reloaded (the server rings the other nodes through the broker). */
  onChanged: (() => void) | null = null;

  constructor(private readonly db: AppDb) {}

  /** Unit grids indexed. */
  get size(): number {
    return this.locator.size;
  }

  /** The version mark the index was built from. */
  get loadedVersion(): number {
    return this.version;
  }

  /** Rebuilds the index after a change made on this node, and tells the other nodes. */
  async changed(): Promise<void> {
    await this.reload();
    this.onChanged?.();
  }

  async reload(): Promise<void> {
    // Read first: a change committed while the grids are read moves the mark past this one, so the next check reloads again.
    const version = await readVersion(this.db.primary, GRID_VERSION);
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
    this.version = version;
  }

  /**
   * Reloads when the grid's version mark moved since the index was built
   * (another node or a CLI import changed the grid); true when it did. Checks
   * run one at a time: a call during a reload waits for it.
   */
  async refreshIfChanged(): Promise<boolean> {
    if (this.reloading) {
      await this.reloading;
      return false;
    }
    const current = await readVersion(this.db.primary, GRID_VERSION);
    if (current === this.version || this.reloading) return false;
    this.reloading = this.reload().finally(() => {
      this.reloading = null;
    });
    await this.reloading;
    return true;
  }

  /** Code of the active unit grid containing a WGS84 point, or null. */
  locate(lng: number, lat: number): string | null {
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
