/**
 * The incident live feed (docs/adr/0011-live-feed.md): every committed
 * timeline event, with what a screen needs to draw it, to the browsers whose
 * viewer may read the incident. One tail per node; the broker only wakes the
 * other nodes' tails.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { AppDb } from '../../database.js';
import { departmentInScope, gridInScope, type Scope } from '../../infra/auth/scope.js';
import type { FeedLogger, FeedSource } from '../../infra/feed/consumer.js';
import { fromJson } from '../../infra/db/values.js';
import { admit, expireGaps, LiveTail, type LiveCursor } from '../../infra/feed/tail.js';
import type { LiveBroker } from '../../infra/feed/broker.js';

/** One timeline event as the live screens see it. */
export interface LiveIncidentEvent {
  id: number;
  incidentId: number;
  code: string;
  action: string;
  fromStatus: string | null;
  toStatus: string;
  at: number;
  gridCode: string;
  categoryCode: string | null;
  leadDepartmentCode: string | null;
  /** Lead, co-handling and called departments: who else may see the case. */
  departmentCodes: string[];
  warning: string;
  lng: number | null;
  lat: number | null;
  /** The intake channel and the sending system's own number: webhooks carry them, the screens do not. */
  channel: string;
  externalRef: string | null;
}

export const LIVE_TOPIC_INCIDENTS = 'incidents';

const COLUMNS = `e.id, e.incident_id, e.action, e.from_status, e.to_status, e.at,
  i.code, i.grid_code, i.category_code, i.lead_department_code, i.co_handler_codes, i.warning, i.lng, i.lat, i.channel, i.external_ref`;
const FROM = 'from incident_events e join incidents i on i.id = e.incident_id';

interface Raw {
  id: number | string;
  incident_id: number | string;
  action: string;
  from_status: string | null;
  to_status: string;
  at: number | string;
  code: string;
  grid_code: string;
  category_code: string | null;
  lead_department_code: string | null;
  co_handler_codes: string;
  warning: string;
  lng: number | string | null;
  lat: number | string | null;
  channel: string;
  external_ref: string | null;
}

/** Reads the timeline by id, joined with the case (its current grid, departments, position). */
export function incidentEventSource(db: AppDb): FeedSource<LiveIncidentEvent> & { lastId(): Promise<number> } {
  const k = db.primary as unknown as Kysely<unknown>;
  const run = (text: string, params: readonly unknown[]) => k.executeQuery<Raw>(CompiledQuery.raw(text, [...params]));
  const shape = async (rows: Raw[]): Promise<LiveIncidentEvent[]> => {
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => Number(r.incident_id)))];
    const called = await run(`select incident_id, department_code from incident_departments where incident_id in (${ids.map(() => '?').join(', ')})`, ids);
    const byIncident = new Map<number, string[]>();
    for (const r of called.rows as unknown as { incident_id: number | string; department_code: string }[]) {
      const list = byIncident.get(Number(r.incident_id)) ?? [];
      list.push(r.department_code);
      byIncident.set(Number(r.incident_id), list);
    }
    return rows.map((r) => {
      const incidentId = Number(r.incident_id);
      const departments = new Set([...(r.lead_department_code ? [r.lead_department_code] : []), ...fromJson<string[]>(r.co_handler_codes, []), ...(byIncident.get(incidentId) ?? [])]);
      return {
        id: Number(r.id), incidentId, code: r.code, action: r.action, fromStatus: r.from_status, toStatus: r.to_status, at: Number(r.at),
        gridCode: r.grid_code, categoryCode: r.category_code, leadDepartmentCode: r.lead_department_code, departmentCodes: [...departments],
        warning: r.warning, lng: r.lng == null ? null : Number(r.lng), lat: r.lat == null ? null : Number(r.lat),
        channel: r.channel, externalRef: r.external_ref,
      };
    });
  };
  return {
    async after(afterId, limit) {
      return shape((await run(`select ${COLUMNS} ${FROM} where e.id > ? order by e.id limit ${Number(limit)}`, [afterId])).rows);
    },
    async byIds(ids) {
      const out: LiveIncidentEvent[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        out.push(...(await shape((await run(`select ${COLUMNS} ${FROM} where e.id in (${chunk.map(() => '?').join(', ')}) order by e.id`, chunk)).rows)));
      }
      return out;
    },
    async lastId() {
      const r = await run('select max(id) as m from incident_events', []);
      return Number((r.rows[0] as unknown as { m: number | string | null } | undefined)?.m ?? 0);
    },
  };
}

/** A notification as the live feed tells its user that one arrived (the bell then re-reads its count). */
export interface LiveNotice {
  id: number;
  userId: number;
  kind: string;
  incidentId: number;
  incidentCode: string;
}

/** Reads the notifications table by id (written by the timeline reader, the overdue sweep and field dispatch). */
export function noticeSource(db: AppDb): FeedSource<LiveNotice> & { lastId(): Promise<number> } {
  const k = db.primary as unknown as Kysely<unknown>;
  type NoticeRaw = { id: number | string; user_id: number | string; kind: string; incident_id: number | string; incident_code: string };
  const run = async (text: string, params: readonly unknown[]) => (await k.executeQuery<NoticeRaw>(CompiledQuery.raw(text, [...params]))).rows;
  const shape = (rows: NoticeRaw[]): LiveNotice[] => rows.map((r) => ({
    id: Number(r.id), userId: Number(r.user_id), kind: r.kind, incidentId: Number(r.incident_id), incidentCode: r.incident_code,
  }));
  const cols = 'select id, user_id, kind, incident_id, incident_code from notifications';
  return {
    async after(afterId, limit) {
      return shape(await run(`${cols} where id > ? order by id limit ${Number(limit)}`, [afterId]));
    },
    async byIds(ids) {
      const out: LiveNotice[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        out.push(...shape(await run(`${cols} where id in (${chunk.map(() => '?').join(', ')}) order by id`, chunk)));
      }
      return out;
    },
    async lastId() {
      const r = await run('select max(id) as m from notifications', []);
      return Number((r[0] as unknown as { m: number | string | null } | undefined)?.m ?? 0);
    },
  };
}

/** Whether a viewer with these incidents.read scopes may see the event's case (the incident service's rule, in memory). */
export function canSeeLiveEvent(scopes: readonly Scope[], e: Pick<LiveIncidentEvent, 'gridCode' | 'departmentCodes'>): boolean {
  return gridInScope(e.gridCode, scopes) || e.departmentCodes.some((d) => departmentInScope(d, scopes));
}

export interface LiveFeedOptions {
  db: AppDb;
  broker: LiveBroker;
  logger?: FeedLogger;
  pollMs?: number;
  gapHoldMs?: number;
}

/**
 * A client's stream: catches up from its cursor by reading the timeline,
 * then takes the tail's batches; the cursor decides what is new, so rows
 * seen by both are sent once.
 */
export interface LiveHandlers {
  send(event: LiveIncidentEvent, cursor: LiveCursor): void;
  /** The client was too far behind: it should reload what it shows; the stream goes on from `cursor`. */
  reset(cursor: LiveCursor): void;
  /** The catch-up failed (database down): the stream should end, and the client will retry. */
  fail(err: unknown): void;
  /** Caught up: from now on each tail batch is delivered as it comes; `cursor` is the subscription's own, moved by each. */
  caughtUp?(cursor: LiveCursor): void;
}

export interface LiveSubscription {
  close(): void;
}

/** Most rows a reconnecting client is sent to catch up; further behind, it is told to reload. */
export const MAX_CATCH_UP = 5000;

export class IncidentLiveFeed {
  readonly tail: LiveTail<LiveIncidentEvent>;
  /**
   * The notifications table's tail: a stream tells its own user of each new
   * notification (a field task is written with no timeline event, so the
   * incident events alone would not wake a grid worker's bell).
   */
  readonly notices: LiveTail<LiveNotice>;
  private readonly source: ReturnType<typeof incidentEventSource>;
  private unsubscribe: (() => void) | null = null;
  private notifyPending = false;

  constructor(private readonly options: LiveFeedOptions) {
    this.source = incidentEventSource(options.db);
    this.tail = new LiveTail<LiveIncidentEvent>({
      source: this.source,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.gapHoldMs !== undefined ? { gapHoldMs: options.gapHoldMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
    this.notices = new LiveTail<LiveNotice>({
      source: noticeSource(options.db),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.gapHoldMs !== undefined ? { gapHoldMs: options.gapHoldMs } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  async start(): Promise<void> {
    await this.tail.start();
    await this.notices.start();
    const { db, broker } = this.options;
    await broker.listen(LIVE_TOPIC_INCIDENTS, () => {
      this.tail.wake();
      this.notices.wake();
    });
    // Every local commit wakes the tails; other nodes are told once per tick, not once per commit.
    this.unsubscribe = db.onCommit(() => {
      this.tail.wake();
      this.notices.wake();
      if (broker.kind === 'none' || this.notifyPending) return;
      this.notifyPending = true;
      setImmediate(() => {
        this.notifyPending = false;
        broker.notify(LIVE_TOPIC_INCIDENTS);
      });
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.tail.stop();
    this.notices.stop();
  }

  /** Tells `send` of each notification written for `userId` from now on (no catch-up: the bell reads its count on connecting). */
  subscribeNotices(userId: number, send: (notice: LiveNotice) => void): LiveSubscription {
    const off = this.notices.subscribe((rows) => {
      for (const row of rows) if (row.userId === userId) send(row);
    });
    return { close: off };
  }

  /** The tail's position: where a client without a cursor starts. */
  async position(): Promise<LiveCursor> {
    return this.tail.position() ?? { high: await this.source.lastId(), gaps: [] };
  }

  /**
   * Streams the events after `from` (null: from now) to `send`, each with the
   * cursor to resume from after it, visible or not (the caller filters; the
   * cursor moves anyway).
   */
  subscribe(from: LiveCursor | null, on: LiveHandlers): LiveSubscription {
    const { send, reset, fail } = on;
    const hold = this.tail.holdMs;
    let cursor: LiveCursor | null = null;
    let buffered: LiveIncidentEvent[][] | null = [];
    let closed = false;
    const deliver = (rows: readonly LiveIncidentEvent[]) => {
      const now = Date.now();
      expireGaps(cursor!, now);
      for (const row of rows) if (admit(cursor!, row.id, now, hold)) send(row, cursor!);
    };
    const off = this.tail.subscribe((rows) => {
      if (closed) return;
      if (buffered) buffered.push([...rows]);
      else deliver(rows);
    });
    void (async () => {
      try {
        const here = await this.position();
        if (!from) {
          cursor = here;
        } else {
          cursor = { high: from.high, gaps: from.gaps.map((g) => ({ ...g })) };
          let sent = 0;
          const late = cursor.gaps.length > 0 ? await this.source.byIds(cursor.gaps.map((g) => g.id)) : [];
          if (!closed) deliver(late);
          for (;;) {
            if (closed) return;
            if (here.high - cursor.high > MAX_CATCH_UP || sent > MAX_CATCH_UP) {
              cursor = await this.position();
              reset(cursor);
              break;
            }
            const rows = await this.source.after(cursor.high, 500);
            if (closed) return;
            deliver(rows);
            sent += rows.length;
            if (rows.length < 500 || cursor.high >= here.high) break;
          }
        }
        const pending = buffered ?? [];
        buffered = null;
        for (const rows of pending) if (!closed) deliver(rows);
        if (!closed) on.caughtUp?.(cursor!);
      } catch (err) {
        this.options.logger?.error({ err }, 'live feed catch-up failed');
        closed = true;
        off();
        fail(err);
      }
    })();
    return {
      close() {
        closed = true;
        off();
      },
    };
  }
}
