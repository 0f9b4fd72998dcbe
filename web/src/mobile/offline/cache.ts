import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../../shell/api.js';
import { appDb, type CachedAnswer } from './db.js';

/**
 * Network first, the last answer when there is no network: what the app needs offline (the user, the
 * worker's grids and their outlines, categories, tasks and their cases, visits due) is fetched when it
 * can be and kept in IndexedDB per user; offline, the kept answer is shown with its age.
 */
export interface Cached<T> {
  data: T;
  savedAt: number;
  /** From the cache because the network failed. */
  stale: boolean;
}

const idOf = (userId: number, path: string) => `${userId} ${path}`;

export async function readCached<T>(userId: number, path: string): Promise<Cached<T> | null> {
  const row = await (await appDb()).get('cache', idOf(userId, path));
  return row ? { data: row.data as T, savedAt: row.savedAt, stale: true } : null;
}

export async function writeCached(userId: number, path: string, data: unknown, savedAt = Date.now()): Promise<void> {
  const row: CachedAnswer = { id: idOf(userId, path), userId, path, data, savedAt };
  await (await appDb()).put('cache', row);
}

/**
 * Forgets what was kept for a user (on sign-out: the kept answers include residents' names and
 * addresses). The outbox is not touched: unsent work waits for the next sign-in.
 */
export async function forgetCached(userId: number): Promise<void> {
  const db = await appDb();
  const keys = await db.getAllKeysFromIndex('cache', 'userId', userId);
  const tx = db.transaction('cache', 'readwrite');
  await Promise.all(keys.map((k) => tx.store.delete(k)));
  await tx.done;
}

/** GETs path; on a network failure answers the kept copy (stale) or rethrows when there is none. */
export async function cachedGet<T>(userId: number, path: string): Promise<Cached<T>> {
  try {
    const data = await api.get<T>(path);
    const savedAt = Date.now();
    await writeCached(userId, path, data, savedAt);
    return { data, savedAt, stale: false };
  } catch (err) {
    if (err instanceof ApiError && err.status === 0) {
      const kept = await readCached<T>(userId, path);
      if (kept) return kept;
    }
    throw err;
  }
}

export interface CachedState<T> {
  value: Cached<T> | null;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/**
 * The cached GET as React state: shows the kept copy at once (so the page works offline and opens fast),
 * then the network's answer when it comes. `path` null waits.
 */
export function useCachedGet<T>(userId: number | null, path: string | null): CachedState<T> {
  const [value, setValue] = useState<Cached<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const shown = useRef<string | null>(null);

  useEffect(() => {
    if (userId === null || path === null) return;
    let live = true;
    const id = idOf(userId, path);
    if (shown.current !== id) {
      shown.current = id;
      setValue(null);
    }
    setLoading(true);
    setError(null);
    void readCached<T>(userId, path).then((kept) => {
      if (live && kept) setValue((v) => v ?? kept);
    });
    cachedGet<T>(userId, path)
      .then((fresh) => live && setValue(fresh))
      .catch((err: unknown) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [userId, path, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { value, error, loading, reload };
}
