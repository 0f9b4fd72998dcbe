/**
 * The clock sweep runs inside the server process. With several nodes, the
 * one holding the 'incident-sweep' lease row runs it; the lease lasts three
 * intervals, so a dead node's lease lapses and another takes over.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AppDb } from '../../database.js';
import { RateCounters } from '../../infra/cluster/counters.js';
import { purgeIdempotencyKeys } from '../../infra/idempotency/idempotency.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import type { IncidentService } from './service.js';

export const SWEEP_LEASE = 'incident-sweep';
/** Retried creates come within minutes; a day is generous. */
const IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000;

/** Takes or renews a named lease; true when this holder has it until now + ttlMs. */
export async function acquireLease(db: AppDb, name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
  const renewed = await db.primary
    .updateTable('job_leases')
    .set({ holder, expires_at: now + ttlMs })
    .where('name', '=', name)
    .where((eb) => eb.or([eb('holder', '=', holder), eb('expires_at', '<', now)]))
    .executeTakeFirst();
  if (Number(renewed.numUpdatedRows) > 0) return true;
  try {
    await db.primary.insertInto('job_leases').values({ name, holder, expires_at: now + ttlMs }).execute();
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

export async function releaseLease(db: AppDb, name: string, holder: string): Promise<void> {
  await db.primary.deleteFrom('job_leases').where('name', '=', name).where('holder', '=', holder).execute();
}

export class SweepScheduler {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly db: AppDb,
    private readonly incidents: IncidentService,
    private readonly logger: Logger,
    private readonly intervalMs = 60_000,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One round, if this node holds the lease: warnings, then expired idempotency keys and rate-limit counters. */
  async tick(now = Date.now()): Promise<{ ran: boolean; checked: number; changed: number }> {
    try {
      if (!(await acquireLease(this.db, SWEEP_LEASE, this.holder, this.intervalMs * 3, now))) return { ran: false, checked: 0, changed: 0 };
      const result = await this.incidents.sweepWarnings(now);
      await purgeIdempotencyKeys(this.db.primary, IDEMPOTENCY_RETENTION_MS, now);
      await new RateCounters(this.db).purge(now);
      if (result.changed > 0) this.logger.info(result, 'incident warnings swept');
      return { ran: true, ...result };
    } catch (err) {
      this.logger.error({ err }, 'incident sweep failed');
      return { ran: false, checked: 0, changed: 0 };
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
    await releaseLease(this.db, SWEEP_LEASE, this.holder).catch(() => undefined);
  }
}
