/**
 * Notifications (the work portal's bell, docs/work-portal.md): a consumer of
 * the incident timeline (ADR 0008: its own cursor, in the same transaction as
 * the notifications it writes, so each event is told exactly once) turns the
 * events that hand someone work into rows per user; a sweep adds the cases
 * that ran past their deadline (the warning sweep writes no timeline event).
 * Browsers learn that something arrived from the live feed and re-read the count.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kysely, Transaction } from 'kysely';
import type { AppDb, Database } from '../../database.js';
import { FeedConsumer, tableSource, type FeedLogger } from '../../infra/feed/consumer.js';
import { saveCursor, type FeedCursorTables } from '../../infra/feed/cursor.js';
import { fromJson } from '../../infra/db/values.js';
import { notFound } from '../../infra/http/errors.js';
import { acquireLease, releaseLease } from '../incidents/sweep.js';
import { overdueRecipients, recipientsOf, resolveUsers, type NotificationKind, type PartFacts, type Recipients } from './rules/notify.js';

export const NOTIFICATIONS_CONSUMER = 'notifications';
/** The timeline actions that may tell someone (others are skipped without a read). */
const TOLD = new Set(['dispatch', 'escalate', 'urge', 'assign', 'return', 'verify-fail']);
/** How often the overdue sweep looks for deadlines just passed. */
export const OVERDUE_SWEEP_MS = 60_000;
/** With several API nodes, the holder of this lease sweeps for passed deadlines (the unique key keeps a notification once either way). */
export const OVERDUE_LEASE = 'notification-overdue';
/** At start, deadlines passed this long ago are still told (a node that was down catches up). */
const OVERDUE_LOOKBACK_MS = 24 * 3_600_000;

interface EventRow {
  id: number;
  incident_id: number | string;
  action: string;
  actor_user_id: number | string | null;
  data: string;
}

export interface NotificationView {
  id: number;
  kind: NotificationKind;
  incidentId: number;
  incidentCode: string;
  createdAt: string;
  readAt: string | null;
}

type Tx = Kysely<Database>;

/** Active users holding the handler role in each department. */
async function handlersOf(tx: Tx, codes: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (codes.length === 0) return out;
  const rows = await tx.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select(['role_assignments.scope_code', 'users.id'])
    .where('role_assignments.role_code', '=', 'handler').where('role_assignments.scope_kind', '=', 'department')
    .where('role_assignments.scope_code', 'in', [...new Set(codes)]).where('users.status', '=', 'active')
    .execute();
  for (const r of rows) {
    const list = out.get(r.scope_code) ?? [];
    list.push(Number(r.id));
    out.set(r.scope_code, list);
  }
  return out;
}

async function partsOf(tx: Tx, incidentIds: readonly number[]): Promise<Map<number, PartFacts[]>> {
  const out = new Map<number, PartFacts[]>();
  if (incidentIds.length === 0) return out;
  const rows = await tx.selectFrom('incident_tasks').select(['incident_id', 'department_code', 'status', 'assignee_user_id'])
    .where('incident_id', 'in', [...new Set(incidentIds)]).execute();
  for (const r of rows) {
    const list = out.get(Number(r.incident_id)) ?? [];
    list.push({ departmentCode: r.department_code, status: r.status, assigneeUserId: r.assignee_user_id == null ? null : Number(r.assignee_user_id) });
    out.set(Number(r.incident_id), list);
  }
  return out;
}

interface Pending {
  recipients: Recipients;
  actorUserId: number | null;
  incidentId: number;
  sourceKey: string;
}

/** Writes one row per user and source, skipping users already told from that source. */
async function tell(tx: Tx, pending: readonly Pending[], now: number): Promise<number> {
  if (pending.length === 0) return 0;
  const handlers = await handlersOf(tx, pending.flatMap((p) => p.recipients.departments));
  const codes = new Map((await tx.selectFrom('incidents').select(['id', 'code']).where('id', 'in', [...new Set(pending.map((p) => p.incidentId))]).execute())
    .map((r) => [Number(r.id), r.code]));
  let written = 0;
  for (const p of pending) {
    const users = resolveUsers(p.recipients, (c) => handlers.get(c) ?? [], p.actorUserId);
    const code = codes.get(p.incidentId);
    if (users.length === 0 || code === undefined) continue;
    const told = new Set((await tx.selectFrom('notifications').select('user_id').where('source_key', '=', p.sourceKey).where('user_id', 'in', users).execute()).map((r) => Number(r.user_id)));
    const rows = users.filter((u) => !told.has(u)).map((u) => ({
      user_id: u, kind: p.recipients.kind, incident_id: p.incidentId, incident_code: code, source_key: p.sourceKey, created_at: now, read_at: null,
    }));
    if (rows.length > 0) await tx.insertInto('notifications').values(rows).execute();
    written += rows.length;
  }
  return written;
}

export class NotificationService {
  readonly consumer: FeedConsumer<EventRow, Database>;
  private unsubscribe: (() => void) | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweptUntil: number | null = null;
  private readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(private readonly db: AppDb, private readonly logger?: FeedLogger) {
    this.consumer = new FeedConsumer<EventRow, Database>({
      name: NOTIFICATIONS_CONSUMER,
      source: tableSource<EventRow>(db.primary as unknown as Kysely<unknown>, 'incident_events', ['id', 'incident_id', 'action', 'actor_user_id', 'data']),
      store: db,
      apply: (tx, rows) => this.apply(tx, rows),
      ...(logger ? { logger } : {}),
      minIntervalMs: 100,
    });
  }

  /**
   * Follows the timeline (woken by this node's commits, polling for others')
   * and sweeps for deadlines passed. The first start begins at the timeline's
   * end: history (an upgrade, a demo load) tells nobody; it would bury the bell.
   */
  async start(): Promise<void> {
    await this.db.transaction(async (tx) => {
      const present = await (tx as unknown as Kysely<FeedCursorTables>).selectFrom('feed_cursors').select('name').where('name', '=', NOTIFICATIONS_CONSUMER).executeTakeFirst();
      if (present) return;
      const last = await tx.selectFrom('incident_events').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst();
      await saveCursor(tx, NOTIFICATIONS_CONSUMER, { high: Number(last?.m ?? 0), gaps: [] }, Date.now());
    });
    this.unsubscribe ??= this.db.onCommit(() => this.consumer.wake());
    this.consumer.start();
    if (!this.sweepTimer) {
      this.sweepTimer = setInterval(() => {
        acquireLease(this.db, OVERDUE_LEASE, this.holder, OVERDUE_SWEEP_MS * 3)
          .then((held) => (held ? this.sweepOverdue() : 0))
          .catch((err: unknown) => this.logger?.error({ err }, 'notification overdue sweep failed'));
      }, OVERDUE_SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.consumer.stop();
    if (this.sweepTimer) {
      clearInterval(this.sweepTimer);
      // Another node takes the sweep over at once rather than after the lease lapses.
      releaseLease(this.db, OVERDUE_LEASE, this.holder).catch(() => undefined);
    }
    this.sweepTimer = null;
  }

  /** Applies every timeline event committed so far (tests, benchmarks). */
  async catchUp(): Promise<void> {
    await this.consumer.drain();
  }

  private async apply(tx: Transaction<Database>, rows: readonly EventRow[]): Promise<void> {
    const relevant = rows.filter((r) => TOLD.has(r.action));
    if (relevant.length === 0) return;
    const parts = await partsOf(tx, relevant.map((r) => Number(r.incident_id)));
    const pending: Pending[] = [];
    for (const r of relevant) {
      const incidentId = Number(r.incident_id);
      let lastDispatcherUserId: number | null = null;
      if (r.action === 'return') {
        const d = await tx.selectFrom('incident_events').select('actor_user_id').where('incident_id', '=', incidentId).where('action', '=', 'dispatch')
          .where('id', '<', Number(r.id)).orderBy('id', 'desc').limit(1).executeTakeFirst();
        lastDispatcherUserId = d?.actor_user_id == null ? null : Number(d.actor_user_id);
      }
      const actorUserId = r.actor_user_id == null ? null : Number(r.actor_user_id);
      const recipients = recipientsOf({ action: r.action, actorUserId, data: fromJson<Record<string, unknown>>(r.data, {}) }, { parts: parts.get(incidentId) ?? [], lastDispatcherUserId });
      if (recipients) pending.push({ recipients, actorUserId, incidentId, sourceKey: `e:${r.id}` });
    }
    await tell(tx, pending, Date.now());
  }

  /**
   * Tells the holders of the open parts of cases whose deadline passed since
   * the last sweep (one notification per case and deadline: an extension's new
   * deadline tells again when it passes too).
   */
  async sweepOverdue(now = Date.now()): Promise<number> {
    const since = this.sweptUntil ?? now - OVERDUE_LOOKBACK_MS;
    const cases = await this.db.primary.selectFrom('incidents').select(['id', 'due_at'])
      .where('is_open', '=', 1).where('due_at', '>=', since).where('due_at', '<', now)
      .where('status', 'in', ['dispatched', 'handling']).orderBy('due_at').limit(5000).execute();
    let written = 0;
    if (cases.length > 0) {
      written = await this.db.transaction(async (tx) => {
        const parts = await partsOf(tx, cases.map((c) => Number(c.id)));
        const pending: Pending[] = [];
        for (const c of cases) {
          const recipients = overdueRecipients(parts.get(Number(c.id)) ?? []);
          if (recipients) pending.push({ recipients, actorUserId: null, incidentId: Number(c.id), sourceKey: `o:${c.id}:${c.due_at}` });
        }
        return tell(tx, pending, now);
      });
    }
    this.sweptUntil = cases.length === 5000 ? Number(cases[cases.length - 1]!.due_at) : now;
    return written;
  }

  /** A field task handed to a worker: told in the task's own transaction. */
  static async tellFieldTask(tx: Tx, userId: number, incidentId: number, taskId: number, now: number): Promise<void> {
    await tell(tx, [{ recipients: { kind: 'field_task', departments: [], users: [userId] }, actorUserId: null, incidentId, sourceKey: `f:${taskId}:${userId}` }], now);
  }

  async list(userId: number, options: { unreadOnly: boolean; limit: number }): Promise<{ unread: number; items: NotificationView[] }> {
    const r = this.db.reader(userId);
    let q = r.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (options.unreadOnly) q = q.where('read_at', 'is', null);
    const [rows, unread] = await Promise.all([
      q.orderBy('id', 'desc').limit(options.limit).execute(),
      this.unread(userId),
    ]);
    return {
      unread,
      items: rows.map((n) => ({
        id: Number(n.id), kind: n.kind, incidentId: Number(n.incident_id), incidentCode: n.incident_code,
        createdAt: new Date(Number(n.created_at)).toISOString(), readAt: n.read_at == null ? null : new Date(Number(n.read_at)).toISOString(),
      })),
    };
  }

  async unread(userId: number): Promise<number> {
    const row = await this.db.reader(userId).selectFrom('notifications').select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Marks one of the user's notifications read; another user's is not found. */
  async markRead(userId: number, id: number, now = Date.now()): Promise<void> {
    const found = await this.db.write(async (db) => {
      const row = await db.selectFrom('notifications').select(['id', 'read_at']).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
      if (row && row.read_at == null) await db.updateTable('notifications').set({ read_at: now }).where('id', '=', id).where('user_id', '=', userId).execute();
      return row !== undefined;
    });
    if (!found) throw notFound('notification');
  }

  /** Marks all the user's notifications (of one case, when given) read; answers how many changed. */
  async markAllRead(userId: number, incidentId?: number, now = Date.now()): Promise<number> {
    return this.db.write(async (db) => {
      let q = db.updateTable('notifications').set({ read_at: now }).where('user_id', '=', userId).where('read_at', 'is', null);
      if (incidentId !== undefined) q = q.where('incident_id', '=', incidentId);
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows);
    });
  }
}
