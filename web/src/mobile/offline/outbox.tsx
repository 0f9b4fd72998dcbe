import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useMobileAuth } from '../auth.js';
import { idbOutbox, persistStorage } from './db.js';
import { OutboxRunner } from './runner.js';
import { makeSender } from './senders.js';
import type { NewOutboxItem, OutboxItem } from './types.js';

interface OutboxApi {
  /** Every item on the phone, newest first. */
  items: OutboxItem[];
  /** The signed-in user's items not sent yet. */
  pendingCount: number;
  online: boolean;
  pausedForAuth: boolean;
  add(item: NewOutboxItem): Promise<OutboxItem>;
  resend(seq: number, edit?: (item: OutboxItem) => OutboxItem): Promise<void>;
  discard(seq: number): Promise<void>;
  /** Waits for an item to be sent or refused; after timeoutMs answers it as it is (still waiting). */
  settle(key: string, timeoutMs: number): Promise<OutboxItem | null>;
}

const Ctx = createContext<OutboxApi | null>(null);

/**
 * The one outbox of the app. The runner starts with the app and sends the signed-in user's items;
 * it resumes at once when the browser says the network is back (`online`) or the app comes back to
 * the foreground, and otherwise retries with a backoff.
 */
export function OutboxProvider({ children }: { children: ReactNode }) {
  const { me } = useMobileAuth();
  const userRef = useRef<number | null>(null);
  userRef.current = me?.id ?? null;
  const runner = useMemo(
    () =>
      new OutboxRunner({
        store: idbOutbox,
        send: makeSender(() => userRef.current),
        now: () => Date.now(),
        schedule: (ms, fn) => {
          const t = window.setTimeout(fn, ms);
          return () => window.clearTimeout(t);
        },
        // Two open copies of the app would both send (harmlessly: every write is deduplicated), so they take turns.
        exclusive: (fn) => (navigator.locks ? navigator.locks.request('civicgrid-m-outbox', fn) : fn()),
      }),
    [],
  );
  const [items, setItems] = useState<OutboxItem[]>([]);
  const [online, setOnline] = useState(() => navigator.onLine);
  const [pausedForAuth, setPausedForAuth] = useState(false);

  const refresh = useCallback(async () => {
    const all = await idbOutbox.all();
    setItems(all.sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0)));
    setPausedForAuth(runner.pausedForAuth);
  }, [runner]);

  useEffect(() => {
    void persistStorage();
    void runner.prune();
    return runner.subscribe(() => void refresh());
  }, [runner, refresh]);

  useEffect(() => {
    runner.setUser(me?.id ?? null);
    void refresh();
  }, [runner, me?.id, refresh]);

  useEffect(() => {
    const up = () => {
      setOnline(true);
      void runner.resume();
    };
    const down = () => setOnline(false);
    const visible = () => {
      if (document.visibilityState === 'visible' && navigator.onLine) void runner.resume();
    };
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    document.addEventListener('visibilitychange', visible);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
      document.removeEventListener('visibilitychange', visible);
    };
  }, [runner]);

  const add = useCallback(
    async (item: NewOutboxItem) => {
      const userId = userRef.current;
      if (userId === null) throw new Error('not signed in');
      return runner.add({
        ...item,
        photos: item.photos ?? [],
        userId,
        createdAt: Date.now(),
        state: 'waiting',
        attempts: 0,
        nextAttemptAt: 0,
        lastError: null,
        progress: {},
        result: null,
        sentAt: null,
      } as OutboxItem);
    },
    [runner],
  );

  const value = useMemo<OutboxApi>(() => {
    const userId = me?.id ?? null;
    return {
      items,
      pendingCount: items.filter((i) => i.userId === userId && (i.state === 'waiting' || i.state === 'sending')).length,
      online,
      pausedForAuth,
      add,
      resend: (seq, edit) => runner.resend(seq, edit),
      discard: (seq) => runner.discard(seq),
      settle: (key, timeoutMs) => runner.settle(key, timeoutMs),
    };
  }, [items, online, pausedForAuth, add, runner, me?.id]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useOutbox(): OutboxApi {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useOutbox outside OutboxProvider');
  return ctx;
}
