/**
 * What several API nodes share through the database (docs/deployment.md):
 * request counters of the rate limits, and version marks of the caches each
 * node keeps in memory.
 */
export interface RateCounterTable {
  /** `<limit>|<key>`: one row per limit and client (long keys hashed). */
  name: string;
  /** Hits in the current window. */
  hits: number;
  /** When the current window ends (it opened at the first hit); the sweep deletes rows past it. */
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
