/**
 * Delivers the cascade outbox (docs/cascade.md): one node of several holds
 * the 'cascade' lease and sends; each link's messages go in sequence, the
 * next only after the previous was acknowledged (2xx). A failure keeps the
 * message for a retry after a backoff (doubled per attempt, with jitter); a
 * refusal for good (4xx other than 408/409/429) marks it failed, and a case
 * the other platform refuses to take comes back to this centre. Messages are
 * durable rows: a restart of either platform resumes where it stopped, and the
 * addressee's sequence check absorbs a message sent again after a lost answer.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppDb } from '../../database.js';
import type { FeedLogger } from '../../infra/feed/consumer.js';
import { fromJson } from '../../infra/db/values.js';
import { acquireLease, releaseLease } from '../incidents/sweep.js';
import type { IncidentService } from '../incidents/service.js';
import { backoffMs, type BackoffPolicy } from '../webhooks/rules/backoff.js';
import { returnedByPeer } from './rules/transitions.js';
import type { CascadeService } from './service.js';

export const CASCADE_LEASE = 'cascade';
/** Messages looked at per round (the first pending one of each link among them is sent). */
const ROUND_ROWS = 200;
/** Requests out at once. */
const CONCURRENCY = 8;

export interface CascadeSenderOptions {
  timeoutMs: number;
  backoff: BackoffPolicy;
  pollMs: number;
  leaseMs?: number;
  userAgent: string;
  logger?: FeedLogger;
}

interface OutboxRow {
  id: number;
  link_id: number;
  seq: number;
  kind: 'case' | 'status' | 'result' | 'return';
  payload: string;
  attempts: number;
  next_attempt_at: number;
}

/** Whether an HTTP answer means "never, whatever the retries". */
function refusedForGood(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 409 && status !== 429;
}

export class CascadeSender {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = true;
  private readonly leaseMs: number;
  /** Attempts made and messages delivered since start (tests and logs). */
  readonly counts = { attempts: 0, delivered: 0, failed: 0 };

  constructor(
    private readonly db: AppDb,
    private readonly cascade: CascadeService,
    private readonly incidents: IncidentService,
    private readonly options: CascadeSenderOptions,
  ) {
    this.leaseMs = options.leaseMs ?? 30_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.poll = setInterval(() => this.wake(), this.options.pollMs);
    this.poll.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await releaseLease(this.db, CASCADE_LEASE, this.holder).catch(() => undefined);
  }

  /** Cheap, never throws: a round soon. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.rounds().finally(() => {
        this.running = null;
      });
    }, 0);
    this.timer.unref();
  }

  private async rounds(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.round();
      } catch (err) {
        this.options.logger?.error({ err }, 'a cascade delivery round failed');
      }
    } while (this.again && !this.stopped);
  }

  /** One pass: the first pending message of each link, if due, sent; returns when they are answered. */
  async round(now = Date.now()): Promise<void> {
    if (this.stopped || !(await acquireLease(this.db, CASCADE_LEASE, this.holder, this.leaseMs, now))) return;
    const rows = await this.db.primary.selectFrom('cascade_outbox').select(['id', 'link_id', 'seq', 'kind', 'payload', 'attempts', 'next_attempt_at'])
      .where('state', '=', 'pending').orderBy('id').limit(ROUND_ROWS).execute() as OutboxRow[];
    const firstOfLink = new Map<number, OutboxRow>();
    for (const r of rows) if (!firstOfLink.has(r.link_id)) firstOfLink.set(r.link_id, r);
    const due = [...firstOfLink.values()].filter((r) => Number(r.next_attempt_at) <= now);
    for (let i = 0; i < due.length; i += CONCURRENCY) {
      const results = await Promise.all(due.slice(i, i + CONCURRENCY).map((r) => this.deliver(r)));
      // A delivered message may have a successor ready at once.
      if (results.some(Boolean)) this.again = true;
    }
  }

  /** Sends one message; true when it was acknowledged. */
  private async deliver(row: OutboxRow): Promise<boolean> {
    const link = await this.db.primary.selectFrom('cascade_links').innerJoin('cascade_peers', 'cascade_peers.id', 'cascade_links.peer_id')
      .select(['cascade_links.id', 'cascade_links.incident_id', 'cascade_links.peer_code', 'cascade_peers.base_url', 'cascade_peers.key_cipher', 'cascade_peers.status as peer_state'])
      .where('cascade_links.id', '=', row.link_id).executeTakeFirst();
    if (!link || link.peer_state !== 'active') return false;
    const payload = fromJson<Record<string, unknown>>(row.payload, {});
    const url = row.kind === 'case'
      ? `${link.base_url}/api/cascade/cases`
      : `${link.base_url}/api/cascade/cases/${encodeURIComponent(String(payload.to))}/events`;
    const { to: _to, ...body } = payload;
    this.counts.attempts++;
    let status: number | null = null;
    let answer: unknown = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': this.cascade.peerKey(link.key_cipher), 'user-agent': this.options.userAgent, 'accept-language': 'zh-CN' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = res.status;
      const text = await res.text();
      answer = text ? JSON.parse(text) as unknown : null;
      if (!res.ok) error = `HTTP ${res.status}${answer && typeof answer === 'object' && 'code' in answer ? ` ${String((answer as { code: unknown }).code)}` : ''}`;
    } catch (err) {
      error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    }
    const now = Date.now();
    if (status !== null && status >= 200 && status < 300) {
      const ack = (answer ?? {}) as { code?: string; status?: string };
      await this.db.transaction(async (tx) => {
        await tx.updateTable('cascade_outbox').set({ state: 'delivered', delivered_at: now, attempts: row.attempts + 1, last_error: null }).where('id', '=', row.id).execute();
        if (row.kind === 'case' && ack.code) {
          // The receiver's own code and status: the link shows them on the case page.
          await tx.updateTable('cascade_links').set({ peer_code: ack.code, peer_status: ack.status ?? null, status: 'linked', last_error: null, updated_at: now })
            .where('id', '=', link.id).where('status', '=', 'pending').execute();
        } else {
          await tx.updateTable('cascade_links').set({ last_error: null, updated_at: now }).where('id', '=', link.id).execute();
        }
      });
      this.counts.delivered++;
      return true;
    }
    const reason = (error ?? 'no answer').slice(0, 500);
    if (status !== null && refusedForGood(status)) {
      this.counts.failed++;
      this.options.logger?.warn({ outboxId: row.id, linkId: link.id, status }, 'the other platform refused a cascade message');
      await this.db.transaction(async (tx) => {
        await tx.updateTable('cascade_outbox').set({ state: 'failed', attempts: row.attempts + 1, last_error: reason }).where('id', '=', row.id).execute();
        await tx.updateTable('cascade_links').set({ status: 'failed', last_error: reason, updated_at: now }).where('id', '=', link.id).execute();
      });
      // A case the other platform will not take comes back here, with the reason on its timeline.
      if (row.kind === 'case') {
        await this.incidents.transition(link.incident_id, (state, _row, ref) => (state.cascadedAt != null ? returnedByPeer(state, now, ref.calendar, { code: null, reason: `对方平台拒收 / refused by the other platform: ${reason}` }) : null),
          { actor: { userId: null, username: 'system', ip: null }, audit: 'incident.cascade-return', details: { reason } });
      }
      return false;
    }
    const wait = backoffMs(row.attempts + 1, this.options.backoff);
    await this.db.primary.updateTable('cascade_outbox').set({ attempts: row.attempts + 1, next_attempt_at: now + wait, last_error: reason }).where('id', '=', row.id).execute();
    await this.db.primary.updateTable('cascade_links').set({ last_error: reason, updated_at: now }).where('id', '=', link.id).execute();
    return false;
  }
}
