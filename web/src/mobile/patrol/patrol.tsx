import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useMobileAuth } from '../auth.js';
import { fixOf, type Fix } from '../geo/position.js';
import { appDb, kvDelete, kvGet, kvSet, type BufferedPoint } from '../offline/db.js';
import { useOutbox } from '../offline/outbox.js';
import type { TrackPoint } from '../offline/types.js';
import { uuidv4 } from '../uuid.js';
import { batches, FLUSH_AT, FLUSH_EVERY_MS, takeFix, type LastPoint } from './track.js';

/** The patrol on this phone, kept in IndexedDB so it survives closing the app. */
export interface LocalPatrol {
  id: string;
  userId: number;
  startedAt: string;
  distanceM: number;
  pointCount: number;
  last: LastPoint | null;
}

interface PatrolApi {
  patrol: LocalPatrol | null;
  /** The last fix seen while patrolling. */
  fix: Fix | null;
  start(fix: Fix | null): Promise<void>;
  stop(): Promise<void>;
  /** Takes over a patrol the server has open that this phone does not know (started on another phone, or storage cleared). */
  adopt(server: { id: string; startedAt: string }): Promise<void>;
}

const KV_PATROL = 'patrol';
const Ctx = createContext<PatrolApi | null>(null);

/**
 * 巡查: while a patrol is on, the app follows the GPS (whatever tab is shown), keeps the points in
 * IndexedDB and moves them to the outbox in batches (every minute, at 50 points, when the app goes to
 * the background, and at the end), behind the patrol's start and before its stop, so the server gets
 * start → points → stop in order. A point is identified by (patrol, time): a batch sent twice is harmless.
 */
export function PatrolProvider({ children }: { children: ReactNode }) {
  const { me } = useMobileAuth();
  const outbox = useOutbox();
  const addRef = useRef(outbox.add);
  addRef.current = outbox.add;
  const [patrol, setPatrol] = useState<LocalPatrol | null>(null);
  const [fix, setFix] = useState<Fix | null>(null);
  const patrolRef = useRef<LocalPatrol | null>(null);
  patrolRef.current = patrol;

  useEffect(() => {
    void kvGet<LocalPatrol>(KV_PATROL).then((p) => setPatrol(p && p.userId === me?.id ? p : null));
  }, [me?.id]);

  /** Forgets the local patrol and its unsent points. */
  const forget = useCallback(async (patrolId: string) => {
    const db = await appDb();
    const keys = await db.getAllKeysFromIndex('track', 'patrolId', patrolId);
    const tx = db.transaction('track', 'readwrite');
    await Promise.all(keys.map((k) => tx.store.delete(k)));
    await tx.done;
    await kvDelete(KV_PATROL);
    patrolRef.current = null;
    setPatrol(null);
  }, []);

  // A start the server refused (another patrol is open, say) leaves nothing to record points for.
  const startRefused = patrol !== null && outbox.items.some((i) => i.kind === 'patrol-start' && i.key === patrol.id && i.state === 'refused');
  useEffect(() => {
    if (startRefused && patrol) void forget(patrol.id);
  }, [startRefused, patrol, forget]);

  /** Moves the buffered points of the patrol into outbox batches. */
  const flush = useCallback(async (patrolId: string) => {
    const db = await appDb();
    const buffered = (await db.getAllFromIndex('track', 'patrolId', patrolId)).sort((a, b) => (a.n ?? 0) - (b.n ?? 0));
    if (buffered.length === 0) return;
    for (const batch of batches(buffered)) {
      const points: TrackPoint[] = batch.map((p) => ({ at: p.at, lng: p.lng, lat: p.lat, ...(p.accuracyM !== undefined ? { accuracyM: p.accuracyM } : {}) }));
      await addRef.current({ kind: 'patrol-points', key: uuidv4(), payload: { patrolId, points } });
      // Deleted after the batch is queued: a crash in between sends some points twice, which the server ignores.
      const tx = db.transaction('track', 'readwrite');
      await Promise.all(batch.map((p) => tx.store.delete(p.n!)));
      await tx.done;
    }
  }, []);

  // Fixes are recorded one after the other: each reads the point the previous one kept.
  const chain = useRef<Promise<void>>(Promise.resolve());
  const record = useCallback((f: Fix): Promise<void> => {
    chain.current = chain.current.then(() => recordOne(f)).catch(() => undefined);
    return chain.current;
    // recordOne is stable for the life of the provider (it reads refs only).
  }, []);

  const recordOne = async (f: Fix) => {
    setFix(f);
    const p = patrolRef.current;
    if (!p) return;
    const { keep, addM } = takeFix(p.last, f);
    if (!keep) return;
    const point: BufferedPoint = { patrolId: p.id, at: new Date(f.at).toISOString(), lng: f.lng, lat: f.lat, accuracyM: f.accuracyM };
    const db = await appDb();
    await db.add('track', point);
    const next: LocalPatrol = { ...p, distanceM: p.distanceM + addM, pointCount: p.pointCount + 1, last: { lng: f.lng, lat: f.lat, at: f.at } };
    patrolRef.current = next;
    setPatrol(next);
    await kvSet(KV_PATROL, next);
    if ((await db.countFromIndex('track', 'patrolId', p.id)) >= FLUSH_AT) await flush(p.id);
  };

  const active = patrol !== null;
  const patrolId = patrol?.id ?? null;
  useEffect(() => {
    if (!active || patrolId === null || !('geolocation' in navigator)) return;
    const watch = navigator.geolocation.watchPosition((pos) => void record(fixOf(pos)), () => undefined, { enableHighAccuracy: true, maximumAge: 5_000, timeout: 30_000 });
    const timer = window.setInterval(() => void flush(patrolId), FLUSH_EVERY_MS);
    const hidden = () => {
      if (document.visibilityState === 'hidden') void flush(patrolId);
    };
    document.addEventListener('visibilitychange', hidden);
    // A screen that stays on keeps the browser's GPS running (where the Wake Lock API exists).
    let lock: WakeLockSentinel | null = null;
    void navigator.wakeLock?.request('screen').then((l) => (lock = l)).catch(() => undefined);
    return () => {
      navigator.geolocation.clearWatch(watch);
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', hidden);
      void lock?.release().catch(() => undefined);
    };
  }, [active, patrolId, record, flush]);

  const start = useCallback(async (f: Fix | null) => {
    if (!me || patrolRef.current) return;
    const p: LocalPatrol = { id: uuidv4(), userId: me.id, startedAt: new Date().toISOString(), distanceM: 0, pointCount: 0, last: null };
    await addRef.current({
      kind: 'patrol-start',
      key: p.id,
      payload: { id: p.id, startedAt: p.startedAt, ...(f ? { position: { lng: f.lng, lat: f.lat, accuracyM: f.accuracyM } } : {}) },
    });
    await kvSet(KV_PATROL, p);
    patrolRef.current = p;
    setPatrol(p);
    if (f) await record({ ...f, at: Math.max(f.at, Date.parse(p.startedAt)) });
  }, [me, record]);

  const stop = useCallback(async () => {
    const p = patrolRef.current;
    if (!p) return;
    await flush(p.id);
    await addRef.current({ kind: 'patrol-stop', key: uuidv4(), payload: { patrolId: p.id, endedAt: new Date().toISOString() } });
    await kvDelete(KV_PATROL);
    patrolRef.current = null;
    setPatrol(null);
  }, [flush]);

  const adopt = useCallback(async (server: { id: string; startedAt: string }) => {
    if (!me || patrolRef.current) return;
    const p: LocalPatrol = { id: server.id, userId: me.id, startedAt: server.startedAt, distanceM: 0, pointCount: 0, last: null };
    await kvSet(KV_PATROL, p);
    patrolRef.current = p;
    setPatrol(p);
  }, [me]);

  const value = useMemo<PatrolApi>(() => ({ patrol, fix, start, stop, adopt }), [patrol, fix, start, stop, adopt]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function usePatrol(): PatrolApi {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('usePatrol outside PatrolProvider');
  return ctx;
}
