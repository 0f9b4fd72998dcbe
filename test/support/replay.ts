import type { Transaction } from 'kysely';
import type { Database } from '../../src/database.js';
import type { Platform } from '../../src/platform.js';

const ROLLBACK = new Error('replayTransactions: rolling back the first run');

export interface Replay {
  /** How many callbacks have been run twice so far. */
  readonly count: number;
  /** Puts the platform's own `db.transaction` back. */
  restore(): void;
}

/**
 * Makes `platform.db.transaction(fn)` run `fn` once and roll it back, then
 * run it again for real: what the database layer may do to any callback
 * (a failed job in SQLite's group-commit batch, an InnoDB deadlock victim).
 * A callback that changes anything outside its transaction shows it twice.
 * Every service shares the platform's `db` object, so all of them see it.
 */
export function replayTransactions(platform: Platform): Replay {
  const db = platform.db;
  const own = db.transaction;
  const original = own.bind(db);
  let count = 0;
  db.transaction = async <T>(fn: (tx: Transaction<Database>) => Promise<T>): Promise<T> => {
    try {
      await original(async (tx) => {
        await fn(tx);
        throw ROLLBACK;
      });
    } catch (error) {
      if (error !== ROLLBACK) throw error;
    }
    count++;
    return original(fn);
  };
  return {
    get count() {
      return count;
    },
    restore() {
      db.transaction = own;
    },
  };
}
