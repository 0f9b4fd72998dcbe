import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { OutboxStore } from './runner.js';
import type { OutboxItem, TrackPoint } from './types.js';

/** A GET answer kept for offline use, per user. */
export interface CachedAnswer {
  /** `${userId} ${path}` */
  id: string;
  userId: number;
  path: string;
  data: unknown;
  savedAt: number;
}

/** A track point recorded during a patrol and not yet put in an outbox batch. */
export interface BufferedPoint extends TrackPoint {
  n?: number;
  patrolId: string;
}

interface AppSchema extends DBSchema {
  outbox: { key: number; value: OutboxItem; indexes: { key: string } };
  cache: { key: string; value: CachedAnswer; indexes: { userId: number } };
  track: { key: number; value: BufferedPoint; indexes: { patrolId: string } };
  kv: { key: string; value: unknown };
}

const DB_NAME = 'civicgrid-m';

let opened: Promise<IDBPDatabase<AppSchema>> | null = null;

/**
 * The app's IndexedDB: the outbox (photos as Blobs inside their items), cached answers, buffered
 * track points and a few settings. It survives closing the app and restarting the phone; the browser
 * keeps it unless storage is cleared (the app asks for persistent storage, see persistStorage).
 */
export function appDb(): Promise<IDBPDatabase<AppSchema>> {
  opened ??= openDB<AppSchema>(DB_NAME, 1, {
    upgrade(db) {
      const outbox = db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
      outbox.createIndex('key', 'key', { unique: true });
      db.createObjectStore('cache', { keyPath: 'id' }).createIndex('userId', 'userId');
      db.createObjectStore('track', { keyPath: 'n', autoIncrement: true }).createIndex('patrolId', 'patrolId');
      db.createObjectStore('kv');
    },
  });
  return opened;
}

export const idbOutbox: OutboxStore = {
  async all() {
    return (await appDb()).getAll('outbox');
  },
  async put(item) {
    return (await appDb()).put('outbox', item);
  },
  async delete(seq) {
    await (await appDb()).delete('outbox', seq);
  },
};

export async function kvGet<T>(key: string): Promise<T | undefined> {
  return (await (await appDb()).get('kv', key)) as T | undefined;
}

export async function kvSet(key: string, value: unknown): Promise<void> {
  await (await appDb()).put('kv', value, key);
}

export async function kvDelete(key: string): Promise<void> {
  await (await appDb()).delete('kv', key);
}

/** Asks the browser not to evict the app's storage under pressure (granted to installed apps). */
export async function persistStorage(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
