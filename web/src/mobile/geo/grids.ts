import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../shell/api.js';
import { useCachedGet, type Cached } from '../offline/cache.js';
import { locateIn, type GridCollection } from './geometry.js';
import type { Fix } from './position.js';

/** The unit grids the worker may see (their scope), kept for offline use. */
export const MY_UNIT_GRIDS = '/api/grids/geojson?level=unit';
export const MAP_SETTINGS = '/api/grids/map-settings';

export function useMyGrids(userId: number | null): Cached<GridCollection> | null {
  return useCachedGet<GridCollection>(userId, MY_UNIT_GRIDS).value;
}

export type Located =
  | { inside: true; code: string; name: string; offline: boolean }
  | { inside: false; message: string | null; offline: boolean };

interface LocateAnswer {
  inside: boolean;
  unit?: { code: string; name: string };
  message?: string;
}

/** Point in polygon over the kept outlines: the offline locator. */
export function locateOffline(grids: GridCollection | null, lng: number, lat: number): Located {
  const hit = grids ? locateIn(grids, lng, lat) : null;
  if (!hit) return { inside: false, message: null, offline: true };
  return { inside: true, code: String(hit.properties.code ?? ''), name: String(hit.properties.name ?? ''), offline: true };
}

/**
 * The unit grid of a fix: the server's locator when online (it also says when the point lies outside
 * the worker's scope), else the kept outlines. Refreshed when the fix moves by about 10 m.
 */
export function useLocate(fix: Fix | null, grids: GridCollection | null, online: boolean): Located | null {
  const [located, setLocated] = useState<Located | null>(null);
  const lng = fix ? Math.round(fix.lng * 1e4) / 1e4 : null;
  const lat = fix ? Math.round(fix.lat * 1e4) / 1e4 : null;
  // The rounded position decides when to ask again; the exact one is what is asked.
  const exactRef = useRef<Fix | null>(fix);
  exactRef.current = fix;
  useEffect(() => {
    const exact = exactRef.current;
    if (lng === null || lat === null || !exact) {
      setLocated(null);
      return;
    }
    let live = true;
    if (!online) {
      setLocated(locateOffline(grids, exact.lng, exact.lat));
      return;
    }
    api
      .get<LocateAnswer>('/api/grids/locate', { lng: exact.lng, lat: exact.lat })
      .then((r) => {
        if (!live) return;
        setLocated(r.inside && r.unit ? { inside: true, code: r.unit.code, name: r.unit.name, offline: false } : { inside: false, message: r.message ?? null, offline: false });
      })
      .catch((err: unknown) => {
        if (live && err instanceof ApiError && err.status === 0) setLocated(locateOffline(grids, exact.lng, exact.lat));
      });
    return () => {
      live = false;
    };
  }, [lng, lat, online, grids]);
  return located;
}
