import { backoffMs, classify, expired, pending } from './rules.js';
import type { OutboxError, OutboxItem, OutboxResult } from './types.js';

/** Where items are kept (IndexedDB in the app, memory in tests). */
export interface OutboxStore {
  all(): Promise<OutboxItem[]>;
  /** Writes the item; a new one (no seq) gets the next seq, which is returned. */
  put(item: OutboxItem): Promise<number>;
  delete(seq: number): Promise<void>;
}

/**
 * Sends one item. Steps done on the way are written to `item.progress` (or its photos' hashes) and
 * saved with `save`, so a retry skips them. Throws an OutboxError on failure.
 */
export type Sender = (item: OutboxItem, save: () => Promise<void>) => Promise<OutboxResult>;

export interface RunnerDeps {
  store: OutboxStore;
  send: Sender;
  now(): number;
  /** Calls fn after ms; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void;
  /** Runs a pass so that no other copy of the app (another tab) runs one at the same time. */
  exclusive?<T>(fn: () => Promise<T>): Promise<T>;
}

export type Listener = () => void;

/**
 * Sends the signed-in user's outbox in order, one item at a time. A refused item is set aside with its
 * reason and the next one goes; a retry stops the pass (later items wait, so order holds) and comes back
 * after a backoff, or at once on `resume()` (the network came back); an ended session pauses everything
 * until `setUser` is called again after a sign-in. Items of another user are kept and left alone.
 */
export class OutboxRunner {
  private userId: number | null = null;
  private authPaused = false;
  private running: Promise<void> | null = null;
  private again = false;
  private cancelTimer: (() => void) | null = null;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly deps: RunnerDeps) {}

  /** The signed-in user (null: nobody). Signing in again lifts an auth pause. */
  setUser(userId: number | null): void {
    this.userId = userId;
    this.authPaused = false;
    this.kick();
  }

  get pausedForAuth(): boolean {
    return this.authPaused;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  async add(item: OutboxItem): Promise<OutboxItem> {
    const seq = await this.deps.store.put(item);
    const saved = { ...item, seq };
    this.changed();
    this.kick();
    return saved;
  }

  /** The network is back (or the app started): retry now instead of after the backoff. */
  async resume(): Promise<void> {
    if (this.userId === null) return;
    for (const item of pending(await this.deps.store.all(), this.userId)) {
      if (item.nextAttemptAt > 0) await this.deps.store.put({ ...item, nextAttemptAt: 0 });
    }
    return this.kick();
  }

  /** Sends a refused item again, optionally with an edited payload. */
  async resend(seq: number, edit?: (item: OutboxItem) => OutboxItem): Promise<void> {
    const item = (await this.deps.store.all()).find((i) => i.seq === seq);
    if (!item || item.state !== 'refused') return;
    const next = edit ? edit(item) : item;
    await this.deps.store.put({ ...next, state: 'waiting', attempts: 0, nextAttemptAt: 0, lastError: null });
    this.changed();
    this.kick();
  }

  /** Drops an item the user gave up on (only refused ones, or sent ones from the list). */
  async discard(seq: number): Promise<void> {
    const item = (await this.deps.store.all()).find((i) => i.seq === seq);
    if (!item || item.state === 'waiting' || item.state === 'sending') return;
    await this.deps.store.delete(seq);
    this.changed();
  }

  /** Drops sent items past their display time. */
  async prune(): Promise<void> {
    for (const item of expired(await this.deps.store.all(), this.deps.now())) await this.deps.store.delete(item.seq!);
    this.changed();
  }

  /** Starts a pass, or asks the running one to look again when it ends. */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await (this.deps.exclusive ? this.deps.exclusive(() => this.pass()) : this.pass());
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const userId = this.userId;
    if (userId === null || this.authPaused) return;
    const { store, now } = this.deps;
    for (const queued of pending(await store.all(), userId)) {
      const wait = queued.nextAttemptAt - now();
      if (wait > 0) {
        this.retryIn(wait);
        return;
      }
      let item: OutboxItem = { ...queued, state: 'sending' };
      await store.put(item);
      this.changed();
      const save = async () => {
        await store.put(item);
      };
      try {
        const result = await this.deps.send(item, save);
        item = { ...item, state: 'sent', result, sentAt: now(), lastError: null };
        await store.put(item);
        this.changed();
      } catch (err) {
        const error = asOutboxError(err);
        const verdict = classify(error);
        if (verdict === 'refused') {
          item = { ...item, state: 'refused', lastError: error };
          await store.put(item);
          this.changed();
          continue;
        }
        const attempts = item.attempts + 1;
        item = { ...item, state: 'waiting', attempts, lastError: error, nextAttemptAt: verdict === 'auth' ? 0 : now() + backoffMs(attempts) };
        await store.put(item);
        if (verdict === 'auth') this.authPaused = true;
        else this.retryIn(backoffMs(attempts));
        this.changed();
        return;
      }
    }
  }

  private retryIn(ms: number): void {
    this.cancelTimer?.();
    this.cancelTimer = this.deps.schedule(ms, () => {
      this.cancelTimer = null;
      void this.kick();
    });
  }

  /** Resolves when the item with this key is sent or refused, or after timeoutMs (still waiting). */
  async settle(key: string, timeoutMs: number): Promise<OutboxItem | null> {
    const find = async () => (await this.deps.store.all()).find((i) => i.key === key) ?? null;
    const done = (i: OutboxItem | null) => i !== null && (i.state === 'sent' || i.state === 'refused');
    const first = await find();
    if (done(first)) return first;
    return new Promise((resolve) => {
      let finished = false;
      const finish = (value: OutboxItem | null) => {
        if (finished) return;
        finished = true;
        unsubscribe();
        cancel();
        resolve(value);
      };
      const unsubscribe = this.subscribe(() => {
        void find().then((i) => {
          if (done(i)) finish(i);
        });
      });
      const cancel = this.deps.schedule(timeoutMs, () => void find().then(finish));
    });
  }
}

/** Any thrown value as the error the outbox records (an ApiError carries status, code and details). */
export function asOutboxError(err: unknown): OutboxError {
  if (err && typeof err === 'object' && 'status' in err && 'code' in err) {
    const e = err as { status: number; code: string; message?: string; details?: Record<string, unknown> };
    return { status: e.status, code: e.code, message: e.message ?? e.code, ...(e.details ? { details: e.details } : {}) };
  }
  return { status: 0, code: 'CLIENT_ERROR', message: err instanceof Error ? err.message : String(err) };
}
