/**
 * What several API nodes share through the database (docs/deployment.md):
 * request counters of the rate limits, and version marks of the caches each
 * node keeps in memory.
 */
export interface RateCounterTable {
  /** `<limit>|<key>|<window index>`: one row per limit, client and fixed window. */
  name: string;
  hits: number;
  /** When the row is of no more use (the end of the window after its own); the sweep deletes older ones. */
  expires_at: number;
}

export interface CacheVersionTable {
  /** The cache, e.g. `grid` (the point locator). */
  name: string;
  /** Bumped in the transaction of each change the cache depends on. */
  version: number;
}

export interface ClusterTables {
  rate_counters: RateCounterTable;
  cache_versions: CacheVersionTable;
}
