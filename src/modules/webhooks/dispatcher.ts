/**
 * Sends the timeline's events to webhook subscriptions (docs/webhooks.md).
 *
 * Runs in the server process off the request path: woken by the live feed's
 * tail (each batch it reads) and by a poll; one node of several holds the
 * 'webhooks' lease and sends. The tail's batches are kept in a window of
 * recent rows, so subscriptions near the head read the events the live feed
 * already read instead of the database (a third of a millisecond of the
 * server's thread per report with 10 subscriptions; bench webhooks); one
 * further behind, a replay, or a gap reads the database. Each subscription has its own cursor in the
 * timeline (high-water mark and held gaps, as ADR 0008/0011) and at most one
 * request in flight: it reads the events after its cursor, sends those it
 * wants in order (a batch per request), and moves the cursor only once the
 * receiver answered 2xx. A failure keeps the cursor, so the same events are
 * sent again after a backoff; a failing or slow receiver holds up only its
 * own subscription, and at most `concurrency` requests are out at once.
 *
 * The positions reached and the log rows of successful requests are written
 * together every `flushMs` (one transaction for all subscriptions), so the
 * sending adds a few writes per second to the database whatever the rate; a
 * crash between an answer and the next flush sends those events again, which
 * the receiver's dedupe by event id absorbs. Failures are written at once.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppDb } from '../../database.js';
import type { FeedLogger } from '../../infra/feed/consumer.js';
import { admit, expireGaps, type LiveCursor, type LiveListener } from '../../infra/feed/tail.js';
import { FeedWindow } from '../../infra/feed/window.js';
import { fromJson, toJson } from '../../infra/db/values.js';
import { canSeeLiveEvent } from '../command/live.js';
import { acquireLease, releaseLease } from '../incidents/sweep.js';
import { backoffMs, type BackoffPolicy } from './rules/backoff.js';
import { subscriptionWants, type SubscriptionFilter } from './rules/match.js';
import type { WebhookSender } from './sender.js';
import type { WebhookService } from './service.js';
import type { WebhookEvent } from './source.js';

export const WEBHOOK_LEASE = 'webhooks';
/** How long the list of ready subscriptions is reused (a pause or replay takes effect within it). */
const READY_TTL_MS = 250;
/** How long one timeline read serves the other subscriptions. */
const SHARED_READ_MS = 100;

/** What the dispatcher needs of the live feed's tail. */
export interface DispatcherTail {
  subscribe(listener: LiveListener<WebhookEvent>): () => void;
  position(): LiveCursor | null;
}

export interface DispatcherOptions {
  backoff: BackoffPolicy;
  /** Failed attempts in a row before the subscription shows as failing. */
  failingAfter: number;
  /** Failed attempts in a row before it is paused. */
  pauseAfter: number;
  /** Requests out at once, over all subscriptions (default 8). */
  concurrency?: number;
  /** Most events in one request (default 100). */
  batchSize?: number;
  /** Shortest time between two rounds of one subscription that found its receiver caught up (default 200 ms). */
  minIntervalMs?: number;
  pollMs?: number;
  flushMs?: number;
  gapHoldMs?: number;
  leaseMs?: number;
  /** Delivery log rows older than this are deleted (default 14 days). */
  retentionMs?: number;
  logger?: FeedLogger;
}

interface Ready {
  id: number;
  status: 'active' | 'failing' | 'paused';
  failures: number;
  filter: SubscriptionFilter;
  generation: number;
}

interface Position extends LiveCursor {
  generation: number;
}

interface Pending {
  position: Position;
  succeeded: boolean;
  log: { event_ids: string; first_event_id: number; attempt: number; response_status: number | null; latency_ms: number; at: number }[];
}

export class WebhookDispatcher {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly positions = new Map<number, Position>();
  private readonly running = new Set<number>();
  private readonly lastRound = new Map<number, number>();
  private readonly pending = new Map<number, Pending>();
  /** After a failed attempt, not before this time (the ready list is cached and may not show the new next_attempt_at yet). */
  private readonly notBefore = new Map<number, number>();
  private readyCache: { at: number; rows: Ready[] } | null = null;
  /** Bumped by every failure written: a ready list read across it is not kept. */
  private readyVersion = 0;
  /** The last timeline read, shared by the subscriptions near the same position (they mostly are). */
  private lastRead: { fromHigh: number; rows: WebhookEvent[]; full: boolean; at: number } | null = null;
  /** The tail's recent rows (null without a tail). */
  private window: FeedWindow<WebhookEvent> | null = null;
  private leaseUntil = 0;
  private leaseCheckedAt = 0;
  private stopped = true;
  private pumping = false;
  private pumpAgain = false;
  private poll: NodeJS.Timeout | null = null;
  private flusher: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private lastPurge = 0;
  private unsubscribe: (() => void) | null = null;
  private wakeTimer: NodeJS.Timeout | null = null;
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly minInterval: number;
  private readonly hold: number;
  private readonly leaseMs: number;
  /** Requests sent, events delivered (2xx) and failed attempts since start, for the bench and tests. */
  readonly counts = { requests: 0, delivered: 0, failed: 0 };

  constructor(
    private readonly db: AppDb,
    private readonly service: WebhookService,
    private readonly sender: WebhookSender,
    private readonly options: DispatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.batchSize = options.batchSize ?? 100;
    this.minInterval = options.minIntervalMs ?? 200;
    this.hold = options.gapHoldMs ?? 60_000;
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  /** Starts sending; `tail` (the live feed's, started) hands it the events as they are committed. */
  start(tail?: DispatcherTail): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (tail) {
      const window = new FeedWindow<WebhookEvent>(tail.position()?.high ?? null);
      this.window = window;
      this.unsubscribe = tail.subscribe((rows) => {
        window.keep(rows);
        this.wake();
      });
    }
    this.poll = setInterval(() => this.wake(), this.options.pollMs ?? 1000);
    this.poll.unref();
    this.flusher = setInterval(() => void this.flush(), this.options.flushMs ?? 250);
    this.flusher.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.poll) clearInterval(this.poll);
    if (this.flusher) clearInterval(this.flusher);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    await this.flush();
    await releaseLease(this.db, WEBHOOK_LEASE, this.holder).catch(() => undefined);
  }

  /** Cheap, never throws: a round soon. */
  wake(): void {
    if (this.stopped || this.wakeTimer) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = null;
      void this.pump();
    }, 0);
    this.wakeTimer.unref();
  }

  private async holdsLease(now: number): Promise<boolean> {
    // Renewed at a third of its length: a node that died leaves it for at most leaseMs.
    if (now - this.leaseCheckedAt < this.leaseMs / 3 && now < this.leaseUntil) return true;
    const had = now < this.leaseUntil;
    this.leaseCheckedAt = now;
    const held = await acquireLease(this.db, WEBHOOK_LEASE, this.holder, this.leaseMs, now);
    this.leaseUntil = held ? now + this.leaseMs : 0;
    // Another node may have moved the cursors while this one did not hold the lease.
    if (held && !had) this.positions.clear();
    return held;
  }

  /** Starts a round for each ready subscription with nothing in flight, up to the concurrency. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const now = Date.now();
        if (this.stopped || !(await this.holdsLease(now))) return;
        await this.purge(now);
        let nextDue = Infinity;
        for (const sub of await this.ready(now)) {
          if (this.running.size >= this.concurrency) break;
          if (this.running.has(sub.id)) continue;
          const due = (this.lastRound.get(sub.id) ?? 0) + this.minInterval;
          if (due > now) {
            nextDue = Math.min(nextDue, due);
            continue;
          }
          this.running.add(sub.id);
          void this.round(sub).finally(() => {
            this.running.delete(sub.id);
            this.wake();
          });
        }
        if (nextDue < Infinity && !this.wakeTimer && !this.stopped) {
          this.wakeTimer = setTimeout(() => {
            this.wakeTimer = null;
            void this.pump();
          }, nextDue - now);
          this.wakeTimer.unref();
        }
      } while (this.pumpAgain && !this.stopped);
    } catch (err) {
      this.options.logger?.error({ err }, 'webhook dispatch round failed');
    } finally {
      this.pumping = false;
    }
  }

  private async ready(now: number): Promise<Ready[]> {
    // Read at most every READY_TTL_MS: rounds end and the tail wakes the pump many times a second under load.
    if (this.readyCache && now - this.readyCache.at < READY_TTL_MS) return this.readyCache.rows.filter((r) => (this.notBefore.get(r.id) ?? 0) <= now);
    const version = this.readyVersion;
    const rows = await this.db.primary.selectFrom('webhook_subscriptions as s')
      .innerJoin('api_clients as c', 'c.id', 's.client_id')
      .innerJoin('webhook_cursors as k', 'k.subscription_id', 's.id')
      .select(['s.id', 's.status', 's.failures', 's.event_types', 's.channels', 'c.scopes', 'c.scope_code', 'c.status as client_status', 'k.generation'])
      .where('s.status', '!=', 'paused').where('s.next_attempt_at', '<=', now).where('c.status', '=', 'active')
      .orderBy('s.id').execute();
    const ready: Ready[] = rows.filter((r) => fromJson<string[]>(r.scopes, []).includes('webhooks')).map((r) => ({
      id: r.id, status: r.status, failures: r.failures, generation: r.generation,
      filter: { eventTypes: fromJson<string[]>(r.event_types, []), channels: fromJson<string[]>(r.channels, []), scopes: [{ kind: 'grid', code: r.scope_code }] },
    }));
    if (version === this.readyVersion) this.readyCache = { at: now, rows: ready };
    return ready.filter((r) => (this.notBefore.get(r.id) ?? 0) <= now);
  }

  /**
   * Rows after `high`, at most `limit`: from the tail's window when it covers
   * `high`; else from the last read when it started at
   * or below `high`, is fresh and covers what is asked (a snapshot of that
   * moment: a row committed since is found by the next read, and an id
   * missing in it is held as a gap like any other), else from the database.
   */
  private async after(high: number, limit: number, now: number): Promise<{ rows: WebhookEvent[]; full: boolean }> {
    if (this.window?.covers(high)) return this.window.after(high, limit);
    const last = this.lastRead;
    if (last && last.fromHigh <= high && now - last.at < SHARED_READ_MS) {
      const tail = last.rows.filter((r) => r.id > high);
      // A full read says nothing about ids past its last row: only serve what it covered.
      if (!last.full || tail.length > 0) return { rows: tail.slice(0, limit), full: tail.length > limit || last.full };
    }
    const rows = await this.service.source.after(high, limit);
    this.lastRead = { fromHigh: high, rows, full: rows.length >= limit, at: now };
    return { rows, full: rows.length >= limit };
  }

  private async position(sub: Ready): Promise<Position> {
    const known = this.positions.get(sub.id);
    // A replay wrote a new generation: its position wins over the one in memory.
    if (known && known.generation === sub.generation) return known;
    const row = await this.db.primary.selectFrom('webhook_cursors').select(['high', 'gaps', 'generation']).where('subscription_id', '=', sub.id).executeTakeFirstOrThrow();
    const now = Date.now();
    const p: Position = { high: Number(row.high), gaps: fromJson<number[]>(row.gaps, []).map((id) => ({ id, holdUntil: now + this.hold })), generation: row.generation };
    this.positions.set(sub.id, p);
    this.pending.delete(sub.id);
    return p;
  }

  /** Sends what the subscription has not delivered, batch after batch, until it is caught up or a request fails. */
  private async round(sub: Ready): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        this.lastRound.set(sub.id, Date.now());
        const more = await this.step(sub);
        if (!more) return;
      }
    } catch (err) {
      this.options.logger?.error({ err, subscription: sub.id }, 'webhook delivery round failed');
    }
  }

  /** One request (or none, when nothing wanted is new); answers whether there may be more to send now. */
  private async step(sub: Ready): Promise<boolean> {
    const at = await this.position(sub);
    const now = Date.now();
    const cursor: LiveCursor = { high: at.high, gaps: at.gaps.map((g) => ({ ...g })) };
    expireGaps(cursor, now);
    const read = 500;
    const late = cursor.gaps.length > 0 ? await this.service.source.byIds(cursor.gaps.map((g) => g.id)) : [];
    const { rows: fresh, full: readFull } = await this.after(cursor.high, read, now);
    const rows = [...late, ...fresh].sort((a, b) => a.id - b.id);
    const batch: WebhookEvent[] = [];
    let full = false;
    for (const row of rows) {
      const wanted = subscriptionWants(sub.filter, row, canSeeLiveEvent);
      if (wanted && batch.length === this.batchSize) {
        full = true;
        break;
      }
      if (!admit(cursor, row.id, now, this.hold)) continue;
      if (wanted) batch.push(row);
    }
    const next: Position = { ...cursor, generation: at.generation };
    const more = full || readFull;
    if (batch.length === 0) {
      if (next.high !== at.high || next.gaps.length !== at.gaps.length) this.advance(sub.id, next, null);
      return more;
    }
    // The URL, the secrets and the state as they are now: the ready list may be a moment old, and a rotation or a pause must hold from the next request.
    const current = await this.db.primary.selectFrom('webhook_subscriptions').select(['url', 'secret', 'previous_secret', 'previous_until', 'status', 'failures']).where('id', '=', sub.id).executeTakeFirst();
    if (!current || current.status === 'paused') return false;
    const attempt = current.failures + 1;
    const { body, headers } = this.service.request({ id: sub.id, ...current }, batch, Date.now());
    this.counts.requests++;
    const result = await this.sender.send(current.url, body, { ...headers, 'civicgrid-attempt': String(attempt) });
    const ids = batch.map((e) => e.id);
    if (result.status !== null && result.status >= 200 && result.status < 300) {
      this.counts.delivered += batch.length;
      this.advance(sub.id, next, { event_ids: toJson(ids), first_event_id: ids[0]!, attempt, response_status: result.status, latency_ms: result.latencyMs, at: Date.now() });
      if (current.failures > 0 || current.status !== 'active') {
        // Back to normal at once (not at the next flush), so the console and the next round see it.
        await this.flush();
        sub.failures = 0;
        sub.status = 'active';
      }
      return true;
    }
    this.counts.failed++;
    await this.fail(sub, ids, attempt, result);
    return false;
  }

  private advance(id: number, position: Position, log: Pending['log'][number] | null): void {
    this.positions.set(id, position);
    const p = this.pending.get(id) ?? { position, succeeded: false, log: [] };
    p.position = position;
    if (log) {
      p.succeeded = true;
      p.log.push(log);
    }
    this.pending.set(id, p);
  }

  private async fail(sub: Ready, ids: number[], attempt: number, result: { status: number | null; latencyMs: number; error: string | null }): Promise<void> {
    const now = Date.now();
    const error = (result.error ?? `HTTP ${result.status}`).slice(0, 300);
    // Not before the pause, whatever a ready list read meanwhile says.
    this.notBefore.set(sub.id, now + backoffMs(attempt, this.options.backoff));
    await this.flush();
    const state = await this.db.transaction(async (tx) => {
      // The count in the database is the truth (a cached ready row may be a round old).
      const row = await tx.selectFrom('webhook_subscriptions').select(['failures', 'status']).where('id', '=', sub.id).executeTakeFirst();
      if (!row) return null;
      const failures = row.failures + 1;
      const status: Ready['status'] = row.status === 'paused' || failures >= this.options.pauseAfter ? 'paused' : failures >= this.options.failingAfter ? 'failing' : 'active';
      const nextAt = now + backoffMs(failures, this.options.backoff);
      await tx.insertInto('webhook_deliveries').values({
        subscription_id: sub.id, kind: 'live', event_ids: toJson(ids), first_event_id: ids[0]!, attempt, status: 'failed',
        response_status: result.status, latency_ms: result.latencyMs, error, at: now,
      }).execute();
      await tx.updateTable('webhook_subscriptions').set({ failures, status, last_error: error, next_attempt_at: nextAt, updated_at: now }).where('id', '=', sub.id).execute();
      return { failures, status, nextAt };
    });
    this.readyVersion++;
    this.readyCache = null;
    if (!state) return;
    this.notBefore.set(sub.id, state.nextAt);
    sub.failures = state.failures;
    sub.status = state.status;
    if (state.status === 'paused') this.options.logger?.warn({ subscription: sub.id, failures: state.failures }, 'webhook subscription paused after repeated failures');
  }

  /** Writes the positions reached and the successful requests' log, all subscriptions in one transaction. */
  flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = [...this.pending.entries()];
      this.pending.clear();
      const now = Date.now();
      try {
        await this.db.transaction(async (tx) => {
          for (const [id, p] of batch) {
            // A replay since (a new generation) wins: this older position is dropped.
            const moved = await tx.updateTable('webhook_cursors').set({ high: p.position.high, gaps: toJson(p.position.gaps.map((g) => g.id)), updated_at: now })
              .where('subscription_id', '=', id).where('generation', '=', p.position.generation).executeTakeFirst();
            if (Number(moved.numUpdatedRows) === 0) continue;
            if (p.log.length > 0) await tx.insertInto('webhook_deliveries').values(p.log.map((l) => ({ subscription_id: id, kind: 'live' as const, status: 'delivered' as const, error: null, ...l }))).execute();
            if (p.succeeded) await tx.updateTable('webhook_subscriptions').set({ status: 'active', failures: 0, last_error: null, last_success_at: now, next_attempt_at: 0 }).where('id', '=', id).where('status', '!=', 'paused').execute();
          }
        });
      } catch (err) {
        // The positions stay in memory and are written with the next flush; the log rows of this one are lost, not the events.
        for (const [id, p] of batch) if (!this.pending.has(id)) this.pending.set(id, { ...p, log: [] });
        this.options.logger?.error({ err }, 'writing webhook positions failed; retried at the next flush');
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async purge(now: number): Promise<void> {
    if (now - this.lastPurge < 600_000) return;
    this.lastPurge = now;
    const before = now - (this.options.retentionMs ?? 14 * 86_400_000);
    await this.db.primary.deleteFrom('webhook_deliveries').where('at', '<', before).execute();
  }
}

