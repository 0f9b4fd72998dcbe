/**
 * The daily retraining in the server process. Every node looks hourly; the
 * `suggest-daily` row of job_leases holds when the next run is due, and the
 * node that moves it forward (a conditional update) trains, so one node
 * trains about once a day whichever nodes are up.
 */
import type { Logger } from 'pino';
import type { AppDb } from '../../../database.js';
import { SYSTEM_ACTOR } from '../../../infra/audit/audit.js';
import type { SuggesterService } from './service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
export const SUGGEST_DAILY_MARK = 'suggest-daily';

export class SuggesterScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly db: AppDb, private readonly suggester: SuggesterService, private readonly logger: Logger, private readonly intervalMs = HOUR_MS) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.tick().finally(() => (this.running = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One check: trains when the last daily run is a day old or more; true when this node trained. */
  async tick(now = Date.now()): Promise<boolean> {
    try {
      const mark = await this.db.primary.selectFrom('job_leases').select('expires_at').where('name', '=', SUGGEST_DAILY_MARK).executeTakeFirst();
      if (mark && Number(mark.expires_at) > now) return false;
      const next = now + DAY_MS;
      if (mark) {
        // Claim the run: of several nodes, the one whose update finds the old mark trains.
        const claimed = await this.db.primary.updateTable('job_leases').set({ expires_at: next })
          .where('name', '=', SUGGEST_DAILY_MARK).where('expires_at', '=', mark.expires_at).executeTakeFirst();
        if (Number(claimed.numUpdatedRows) !== 1) return false;
      } else {
        try {
          await this.db.primary.insertInto('job_leases').values({ name: SUGGEST_DAILY_MARK, holder: 'suggester', expires_at: next }).execute();
        } catch {
          return false; // Another node inserted it first.
        }
      }
      const r = await this.suggester.train(SYSTEM_ACTOR, 'schedule', now);
      if (r) this.logger.info({ samples: r.samples, labels: r.labels, ms: r.ms }, 'category suggester retrained');
      return r !== null;
    } catch (err) {
      this.logger.error({ err }, 'retraining the category suggester failed');
      return false;
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }
}
