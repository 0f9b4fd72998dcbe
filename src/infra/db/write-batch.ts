/**
 * Group commit for the embedded database. SQLite runs one write transaction
 * at a time and with synchronous=FULL each commit waits for the disk; under
 * concurrent load that wait, not the work, sets the pace. The batcher runs
 * the write transactions that queue up while one batch commits in one
 * transaction, and commits them together: each job keeps its own
 * all-or-nothing (when one throws, the batch is run again with each job in a
 * savepoint, the failing one is rolled back to it and only its caller sees
 * the error), and every caller is answered only after the shared commit is
 * durable, so a 2xx still means the change is on disk.
 *
 * MySQL needs none of this (a pool of connections, and InnoDB groups commits
 * itself): there run() is a plain transaction.
 *
 * `Db.transaction` goes through it on SQLite, so every module gets group
 * commit without knowing about it.
 */
import type { Kysely, Transaction } from 'kysely';

interface Job<DB> {
  fn: (tx: Transaction<DB>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

export class WriteBatcher<DB> {
  private queue: Job<DB>[] = [];
  private flushing = false;
  /** Batches committed and jobs run, for tests and benchmarks. */
  readonly stats = { batches: 0, jobs: 0 };

  constructor(
    private readonly db: Kysely<DB>,
    private readonly maxBatch = 128,
  ) {}

  run<T>(fn: (tx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      // Start on the next turn of the event loop, so the requests that are ready now join this batch.
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.runBatch(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async runBatch(batch: Job<DB>[]): Promise<void> {
    // Jobs seldom fail, so first run them all straight in the one transaction.
    // If one throws, its partial writes cannot be picked out: the whole batch
    // is rolled back and run again with each job inside its own savepoint.
    // (So a job may run twice; Db.transaction says what that asks of it.)
    let outcomes = await this.attempt(batch, false);
    if (outcomes === 'job failed') outcomes = await this.attempt(batch, true);
    if (outcomes === 'aborted' || outcomes === 'job failed') return;
    this.stats.batches++;
    this.stats.jobs += batch.length;
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  }

  /**
   * Runs the batch in one transaction. Without savepoints it gives up (rolls
   * back) at the first job that throws, unless that job is alone (then the
   * transaction is the job's own); with them, each failing job is rolled back
   * alone and the rest commit. A failure of the transaction itself
   * rejects every job ('aborted').
   */
  private async attempt(batch: Job<DB>[], savepoints: boolean): Promise<Outcome[] | 'job failed' | 'aborted'> {
    const outcomes: Outcome[] = [];
    let trx;
    try {
      trx = await this.db.startTransaction().execute();
    } catch (error) {
      for (const job of batch) job.reject(error);
      return 'aborted';
    }
    try {
      for (const job of batch) {
        if (!savepoints) {
          try {
            outcomes.push({ ok: true, value: await job.fn(trx) });
          } catch (error) {
            if (batch.length > 1) {
              await trx.rollback().execute();
              return 'job failed';
            }
            outcomes.push({ ok: false, error });
          }
          continue;
        }
        const sp = await trx.savepoint('job').execute();
        try {
          const value = await job.fn(sp);
          await sp.releaseSavepoint('job').execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await sp.rollbackToSavepoint('job').execute();
          await sp.releaseSavepoint('job').execute();
          outcomes.push({ ok: false, error });
        }
      }
      if (batch.length === 1 && !outcomes[0]!.ok) await trx.rollback().execute();
      else await trx.commit().execute();
    } catch (error) {
      await trx.rollback().execute().catch(() => undefined);
      for (const job of batch) job.reject(error);
      return 'aborted';
    }
    return outcomes;
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
