/**
 * The daily move in the server process. Every node looks hourly; a run
 * starts when the last one finished a day ago or more (the `archive-daily`
 * row of job_leases holds when the next is due), and the `archive-move`
 * lease lets one node run at a time; the node whose conditional update
 * moves the mark runs the move, so it runs about once a day whichever nodes
 * are up.
 */
import type { Logger } from 'pino';
import type { AppDb } from '../../database.js';
import { auditAlone, SYSTEM_ACTOR } from '../../infra/audit/audit.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import { ArchiveBusyError, moveDueCases } from './move.js';
import type { ArchiveStore } from './store.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Marks the last finished daily run: its expires_at is when the next one is due. */
export const DAILY_MARK = 'archive-daily';

export class ArchiveScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly business: AppDb,
    private readonly archive: ArchiveStore,
    private readonly logger: Logger,
    private readonly olderThanDays: number,
    private readonly intervalMs = HOUR_MS,
  ) {}

  start(): void {
    if (this.timer || this.olderThanDays <= 0) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One check: runs the move when the last daily run is a day old or more. */
  async tick(now = Date.now()): Promise<boolean> {
    try {
      const mark = await this.business.primary.selectFrom('job_leases').select('expires_at').where('name', '=', DAILY_MARK).executeTakeFirst();
      if (mark && Number(mark.expires_at) > now) return false;
      // Claim the run (the node whose update finds the old mark moves); a failed run is tried again after an hour.
      const retryAt = now + this.intervalMs;
      if (mark) {
        const claimed = await this.business.primary.updateTable('job_leases').set({ expires_at: retryAt })
          .where('name', '=', DAILY_MARK).where('expires_at', '=', mark.expires_at).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return false;
      } else {
        try {
          await this.business.primary.insertInto('job_leases').values({ name: DAILY_MARK, holder: 'archive', expires_at: retryAt }).execute();
        } catch (err) {
          if (isDuplicateKeyError(err)) return false;
          throw err;
        }
      }
      const result = await moveDueCases(this.business, this.archive, { olderThanDays: this.olderThanDays, now });
      await auditAlone(this.business.primary, SYSTEM_ACTOR, { action: 'archive.move', objectType: 'archive', details: { ...result, scheduled: true } });
      const next = now + DAY_MS;
      await this.business.primary.updateTable('job_leases').set({ expires_at: next }).where('name', '=', DAILY_MARK).execute();
      if (result.moved > 0) this.logger.info({ moved: result.moved, events: result.events, batches: result.batches }, 'archive move done');
      return true;
    } catch (err) {
      if (err instanceof ArchiveBusyError) return false;
      this.logger.error({ err }, 'archive move failed');
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
