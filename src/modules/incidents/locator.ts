/**
 * Point → unit grid for intake. The service depends only on this port; the
 * production wiring (platform.ts) passes the grid module's GridLocatorService,
 * the in-memory Locator over the active unit grids, rebuilt after every grid
 * change. Tests may pass any function of a point.
 */
export interface GridLocatorPort {
  /** Code of the active unit grid containing a WGS84 point, or null. */
  locate(lng: number, lat: number): string | null;
  /** Optional: awaited before locate(), for locators that load lazily. */
  ready?(): Promise<void>;
}

/**
 * Point → the departments whose own grids (专业网格) contain it, for the
 * dispatch suggestion. Production wiring: the grid module's department grids.
 */
export interface TerritoryPort {
  coveringDepartments(lng: number, lat: number): Promise<string[]>;
}
