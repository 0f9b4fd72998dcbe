/**
 * The statistics store (统计库, docs/adr/0009-statistics-store.md): rollups
 * kept from the incident timeline by a feed consumer whose cursor lives in
 * the store and moves in the same transaction as the rollups, and rebuilt
 * from the timeline on demand. It is its own database: nothing it does can
 * fail or hold up a write of the business store.
 */
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import type { AppDb } from '../../database.js';
import { openDatabase, type Db } from '../../infra/db/database.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { migrateToLatest } from '../../infra/db/migrator.js';
import { fromJson, toJson } from '../../infra/db/values.js';
import { FeedConsumer, type FeedLogger, type FeedSource } from '../../infra/feed/consumer.js';
import { PARKED_HIGH, saveCursor, touchCursor, type Gap } from '../../infra/feed/cursor.js';
import type { WorkCalendar } from '../incidents/rules/calendar.js';
import { STATS_MIGRATIONS, STATS_MIGRATION_TABLES } from './migrations.js';
import { GRID_CODE_LENGTH } from '../grid/rules/codes.js';
import { applyEvent, caseFacts, ROLLUP_DIMENSIONS, ROLLUP_MEASURES, RollupDelta, WORKER_DIMENSIONS, WORKER_MEASURES, WorkerDelta, zeroMeasures, type WorkerKey, type WorkerMeasures, type CaseTrack, type Measures, type RollupKey, type TimelineEvent } from './rules/rollup.js';
import type { StatsTables } from './tables.js';

export const STATS_CONSUMER = 'statistics';

/** An incident_events row with its incident's grid, as the consumer reads it. */
export interface TimelineRow {
  id: number;
  incident_id: number;
  seq: number;
  action: string;
  to_status: string;
  data: string;
  at: number;
  grid_code: string;
  actor_user_id: number | null;
}

const COLUMNS = 'e.id, e.incident_id, e.seq, e.action, e.to_status, e.data, e.at, i.grid_code, e.actor_user_id';
const FROM = 'from incident_events e join incidents i on i.id = e.incident_id';

function toEvent(r: TimelineRow): TimelineEvent {
  return {
    incidentId: Number(r.incident_id), seq: Number(r.seq), action: r.action, toStatus: r.to_status,
    data: fromJson<Record<string, unknown>>(r.data, {}), at: Number(r.at), gridCode: r.grid_code,
    actorId: r.actor_user_id == null ? null : Number(r.actor_user_id),
  };
}

function normalize(rows: TimelineRow[]): TimelineRow[] {
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

/** The timeline with each event's unit grid (fixed at intake), read from the primary (a replica may lag past the cursor). */
export function timelineSource(primary: Kysely<unknown>): FeedSource<TimelineRow> {
  return {
    async after(afterId, limit) {
      return normalize((await primary.executeQuery<TimelineRow>(CompiledQuery.raw(`select ${COLUMNS} ${FROM} where e.id > ? order by e.id limit ${Number(limit)}`, [afterId]))).rows);
    },
    async byIds(ids) {
      const out: TimelineRow[] = [];
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        out.push(...normalize((await primary.executeQuery<TimelineRow>(CompiledQuery.raw(`select ${COLUMNS} ${FROM} where e.id in (${chunk.map(() => '?').join(', ')}) order by e.id`, [...chunk]))).rows));
      }
      return out;
    },
  };
}

/** The timeline of cases moved out of the business store (the archive module answers), for a rebuild. */
export interface ArchivedTimeline {
  maxIncidentId(): Promise<number>;
  /** Events of incidents in (fromId, toId], by incident and seq. */
  timeline(fromId: number, toId: number): Promise<TimelineRow[]>;
}

export interface StatisticsOptions {
  url: string;
  calendar: () => Promise<WorkCalendar>;
  logger?: FeedLogger;
  gapHoldMs?: number;
  batchSize?: number;
  /** Feed latency traded for fewer passes (FeedConsumerOptions.minIntervalMs); default 200 ms. */
  minIntervalMs?: number;
  /** Archived cases' timelines, which a rebuild counts too (docs/archive.md). */
  archived?: ArchivedTimeline;
  /** Rollup keys a rebuild holds in memory before it writes them out (default 200,000; tests use a few). */
  rebuildFlushKeys?: number;
}

export class StatisticsStore {
  readonly db: Db<StatsTables>;
  readonly consumer: FeedConsumer<TimelineRow, StatsTables>;
  private ready: Promise<void> | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly business: AppDb, private readonly options: StatisticsOptions) {
    // A small pool of its own: a stalled statistics server never holds the primary's connections.
    // Rebuildable, and its cursor rolls back with its rollups: a crash may lose its last commits, never make them disagree.
    this.db = openDatabase<StatsTables>({ url: options.url, poolSize: 4, durability: 'normal' });
    const source = timelineSource(business.primary as unknown as Kysely<unknown>);
    this.consumer = new FeedConsumer<TimelineRow, StatsTables>({
      name: STATS_CONSUMER,
      source,
      store: {
        // Migrations before the first pass reads its cursor (lazily, retried after a failure): a store that is down at boot does not stop the platform.
        transaction: async (fn) => {
          await this.ensureReady();
          return this.db.transaction(fn);
        },
      },
      apply: (tx, rows) => this.applyRows(tx, rows),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.gapHoldMs !== undefined ? { gapHoldMs: options.gapHoldMs } : {}),
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      // Under load, commits are taken a few hundred at a time rather than one pass per report.
      minIntervalMs: options.minIntervalMs ?? 200,
    });
  }

  /** Applies the store's migrations once (again after a failure). */
  ensureReady(): Promise<void> {
    this.ready ??= migrateToLatest(this.db.primary as never, STATS_MIGRATIONS, STATS_MIGRATION_TABLES).then(
      () => undefined,
      (err: unknown) => {
        this.ready = null;
        throw err;
      },
    );
    return this.ready;
  }

  /** Follows the timeline: woken by every commit of this node, polling for other nodes. */
  start(): void {
    this.unsubscribe ??= this.business.onCommit(() => this.consumer.wake());
    this.consumer.start();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.consumer.stop();
  }

  /** Catches up with the timeline now (tests, the CLI). */
  async catchUp(): Promise<void> {
    await this.ensureReady();
    await this.consumer.drain();
  }

  async close(): Promise<void> {
    this.stop();
    await this.db.close();
  }

  /** One batch of events: fold each case's new events, move its contribution between rollup rows, in the consumer's transaction. */
  private async applyRows(tx: Transaction<StatsTables>, rows: readonly TimelineRow[]): Promise<void> {
    const cal = await this.options.calendar();
    const byCase = new Map<number, TimelineEvent[]>();
    for (const r of rows) {
      const e = toEvent(r);
      const list = byCase.get(e.incidentId);
      if (list) list.push(e);
      else byCase.set(e.incidentId, [e]);
    }
    const ids = [...byCase.keys()];
    const before = new Map<number, CaseTrack>();
    for (let i = 0; i < ids.length; i += 500) {
      const found = await tx.selectFrom('stat_cases').select(['incident_id', 'track']).where('incident_id', 'in', ids.slice(i, i + 500)).execute();
      for (const f of found) before.set(Number(f.incident_id), fromJson<CaseTrack>(f.track, null as never));
    }
    const delta = new RollupDelta();
    const workers = new WorkerDelta();
    const inserts: unknown[][] = [];
    for (const [id, events] of byCase) {
      events.sort((a, b) => a.seq - b.seq);
      const old = before.get(id) ?? null;
      let track = old;
      for (const e of events) track = applyEvent(track, e, cal);
      if (!track || track === old) continue;
      delta.move(old, track);
      workers.move(old, track);
      if (old) await tx.updateTable('stat_cases').set({ last_seq: track.lastSeq, track: toJson(track), ...caseFacts(track) }).where('incident_id', '=', id).execute();
      else inserts.push(caseRow(track));
    }
    await bulkInsert(tx as unknown as Kysely<unknown>, 'stat_cases', CASE_COLUMNS, inserts);
    await applyDelta(tx, delta);
    await addTo(tx, 'stat_worker_daily', WORKER_DIMENSIONS, WORKER_MEASURES, workers.changes());
  }

  /**
   * Recomputes every rollup from the timeline (`civicgrid stats rebuild`):
   * folds each case's events in memory, in incident id order, and replaces
   * the store's contents (the fine and worker sums written in parts, each
   * added to what the parts before it wrote, so memory stays bounded at any
   * number of cases); the cursor is set to the last event read, with the
   * ids just below it that are not visible yet held as gaps. Safe to run
   * again; the consumer must not run meanwhile (stop the server, or it is
   * stopped here when this process runs it).
   */
  async rebuild(onProgress?: (done: number, total: number) => void): Promise<{ cases: number; events: number; rows: number }> {
    await this.ensureReady();
    await this.consumer.halt();
    // Consumers of other nodes (or a server beside this command) must not apply batches to a half-rebuilt store: the cursor
    // is parked first (after the passes holding its row lock commit), so their passes find nothing until it is set below.
    // An interrupted rebuild leaves it parked: the statistics stay still until the rebuild is run again.
    await this.db.transaction(async (tx) => {
      await touchCursor(tx, STATS_CONSUMER, Date.now());
      await saveCursor(tx, STATS_CONSUMER, { high: PARKED_HIGH, gaps: [] }, Date.now());
    });
    const primary = this.business.primary;
    const cal = await this.options.calendar();
    const top = await primary.selectFrom('incident_events').select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
    const high = Number(top?.m ?? 0);
    const last = await primary.selectFrom('incidents').select(sql<number | null>`max(id)`.as('m')).executeTakeFirst();
    const archived = this.options.archived;
    const maxIncident = Math.max(Number(last?.m ?? 0), archived ? await archived.maxIncidentId() : 0);
    await this.db.transaction(async (tx) => {
      await tx.deleteFrom('stat_cases').execute();
      await tx.deleteFrom('stat_daily').execute();
      for (const c of COARSE) await tx.deleteFrom(c.table).execute();
      await tx.deleteFrom('stat_worker_daily').execute();
    });
    // The fine and worker sums go out in parts (at 5 M cases they would not fit in the heap), added to what earlier parts
    // wrote; the coarse sums, a few rows a day, stay in memory and go out at the end.
    const flushKeys = this.options.rebuildFlushKeys ?? 200_000;
    let totals = new RollupDelta();
    let workerTotals = new WorkerDelta();
    const coarse = COARSE.map((): CoarseSums => new Map());
    let cases = 0;
    let events = 0;
    const seen = new Set<number>();
    const CHUNK = 5000;
    for (let from = 0; from < maxIncident; from += CHUNK) {
      const rows = (await primary.executeQuery<TimelineRow>(CompiledQuery.raw(
        `select ${COLUMNS} ${FROM} where e.incident_id > ? and e.incident_id <= ? and e.id <= ? order by e.incident_id, e.seq`,
        [from, from + CHUNK, high],
      ))).rows;
      if (archived) mergeArchived(rows, await archived.timeline(from, from + CHUNK));
      const tracks: CaseTrack[] = [];
      let track: CaseTrack | null = null;
      for (const r of rows) {
        const e = toEvent(r);
        if (high - Number(r.id) < GAP_WINDOW) seen.add(Number(r.id));
        if (track && track.incidentId !== e.incidentId) {
          tracks.push(track);
          track = null;
        }
        track = applyEvent(track, e, cal);
        events++;
      }
      if (track) tracks.push(track);
      for (const t of tracks) {
        totals.move(null, t);
        workerTotals.move(null, t);
        if (totals.byKey.size + workerTotals.byKey.size >= flushKeys) {
          const [fine, workers] = [totals.changes(), workerTotals.changes()];
          COARSE.forEach((c, i) => summedBy(c, fine, coarse[i]));
          await this.db.transaction((tx) => writeTotals(tx, fine, workers));
          totals = new RollupDelta();
          workerTotals = new WorkerDelta();
        }
      }
      cases += tracks.length;
      await this.db.write((db) => bulkInsert(db as unknown as Kysely<unknown>, 'stat_cases', CASE_COLUMNS, tracks.map(caseRow)));
      onProgress?.(Math.min(from + CHUNK, maxIncident), maxIncident);
    }
    const now = Date.now();
    // Ids just below the top not visible now may be commits in flight (MySQL): the consumer looks for them as it does for its own gaps.
    const gaps: Gap[] = [];
    for (let id = Math.max(1, high - GAP_WINDOW + 1); id < high; id++) if (!seen.has(id)) gaps.push({ id, holdUntil: now + (this.options.gapHoldMs ?? 60_000) });
    const [fine, workers] = [totals.changes(), workerTotals.changes()];
    COARSE.forEach((c, i) => summedBy(c, fine, coarse[i]));
    const rollupRows = await this.db.transaction(async (tx) => {
      await writeTotals(tx, fine, workers);
      for (const [i, c] of COARSE.entries()) {
        await bulkInsert(tx as unknown as Kysely<unknown>, c.table, [...dimensionsOf(c), ...ROLLUP_MEASURES], [...coarse[i]!.values()].map((e) => [...dimensionsOf(c).map((d) => e.key[d]), ...ROLLUP_MEASURES.map((m) => e.measures[m])]));
      }
      await saveCursor(tx, STATS_CONSUMER, { high, gaps }, now);
      return Number((await tx.selectFrom('stat_daily').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    });
    // The in-memory cursor of this process's consumer is stale now.
    this.consumer.forget();
    return { cases, events, rows: rollupRows };
  }
}

/**
 * Adds archived cases' events to a chunk of business rows, in incident and
 * seq order. A case found in both (a move cut short before it confirmed) is
 * read from the business store only, so it counts once.
 */
function mergeArchived(rows: TimelineRow[], archivedRows: readonly TimelineRow[]): void {
  if (archivedRows.length === 0) return;
  const inBusiness = new Set(rows.map((r) => Number(r.incident_id)));
  for (const r of archivedRows) if (!inBusiness.has(Number(r.incident_id))) rows.push(r);
  rows.sort((a, b) => Number(a.incident_id) - Number(b.incident_id) || Number(a.seq) - Number(b.seq));
}

/** Ids below the top of a rebuild that may still be in flight. */
const GAP_WINDOW = 1000;

const CASE_COLUMNS = ['incident_id', 'last_seq', 'track', 'day', 'grid_code', 'department_code', 'flags'] as const;

function caseRow(t: CaseTrack): unknown[] {
  const f = caseFacts(t);
  return [t.incidentId, t.lastSeq, toJson(t), f.day, f.grid_code, f.department_code, f.flags];
}

/**
 * The coarse rollups: the fine one summed per street and per district (the
 * unit grid code's first 9 and 6 digits) with the department, so district
 * and street questions read a few rows a day.
 */
const COARSE = [
  { table: 'stat_street_daily', column: 'street_code', length: GRID_CODE_LENGTH.street },
  { table: 'stat_district_daily', column: 'district_code', length: GRID_CODE_LENGTH.district },
] as const;
type Coarse = (typeof COARSE)[number];
type CoarseKey = { day: string; department_code: string } & Record<string, string>;
const dimensionsOf = (c: Coarse) => ['day', c.column, 'department_code'] as const;

type CoarseSums = Map<string, { key: CoarseKey; measures: Measures }>;

/** Adds fine keys' measures to their coarse keys' sums in `out`, which it returns. */
function summedBy(c: Coarse, entries: readonly { key: RollupKey; measures: Measures }[], out: CoarseSums = new Map()): CoarseSums {
  for (const e of entries) {
    const key: CoarseKey = { day: e.key.day, [c.column]: e.key.grid_code.slice(0, c.length), department_code: e.key.department_code };
    const text = dimensionsOf(c).map((d) => key[d]).join('\u0000');
    let acc = out.get(text);
    if (!acc) out.set(text, (acc = { key, measures: zeroMeasures() }));
    for (const m of ROLLUP_MEASURES) acc.measures[m] += e.measures[m];
  }
  return out;
}

/**
 * A rebuild's part: the fine and worker sums added to the rows earlier parts
 * wrote. Nothing else: a transaction re-run after a deadlock runs it again.
 */
async function writeTotals(
  tx: Transaction<StatsTables>, fine: readonly { key: RollupKey; measures: Measures }[], workers: readonly { key: WorkerKey; measures: WorkerMeasures }[],
): Promise<void> {
  await addTo(tx, 'stat_daily', ROLLUP_DIMENSIONS, ROLLUP_MEASURES, fine);
  await addTo(tx, 'stat_worker_daily', WORKER_DIMENSIONS, WORKER_MEASURES, workers);
}

/** Adds each key's change to its rollup rows, creating a row the first time (update first, then insert: ADR 0001). */
async function applyDelta(tx: Transaction<StatsTables>, delta: RollupDelta): Promise<void> {
  const changes = delta.changes();
  await addTo(tx, 'stat_daily', ROLLUP_DIMENSIONS, ROLLUP_MEASURES, changes);
  for (const c of COARSE) await addTo(tx, c.table, dimensionsOf(c), ROLLUP_MEASURES, [...summedBy(c, changes).values()].filter((e) => ROLLUP_MEASURES.some((m) => e.measures[m] !== 0)));
}

async function addTo<K extends Record<string, string>, M extends string>(
  tx: Transaction<StatsTables>,
  table: 'stat_daily' | Coarse['table'] | 'stat_worker_daily',
  dimensions: readonly (keyof K & string)[],
  measureNames: readonly M[],
  changes: readonly { key: K; measures: Record<M, number> }[],
): Promise<void> {
  if (changes.length === 0) return;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const k = tx as unknown as Kysely<any>;
  const text = (key: Record<string, unknown>) => dimensions.map((d) => String(key[d])).join('\u0000');
  // Which keys have a row already: one read per batch (narrowed by day and the second dimension), not one UPDATE per new key.
  const existing = new Set<string>();
  const days = [...new Set(changes.map((c) => c.key.day!))];
  const second = dimensions[1]!;
  const seconds = [...new Set(changes.map((c) => c.key[second]!))];
  for (let i = 0; i < seconds.length; i += 500) {
    const rows = await k.selectFrom(table).select([...dimensions]).where('day', 'in', days).where(sql.ref(second), 'in', seconds.slice(i, i + 500)).execute();
    for (const r of rows as Record<string, unknown>[]) existing.add(text(r));
  }
  const inserts: unknown[][] = [];
  for (const { key, measures } of changes) {
    if (!existing.has(text(key))) {
      inserts.push([...dimensions.map((d) => key[d]), ...measureNames.map((m) => measures[m])]);
      continue;
    }
    const set = Object.fromEntries(measureNames.filter((m) => measures[m] !== 0).map((m) => [m, sql`${sql.ref(m)} + ${measures[m]}`]));
    let q = k.updateTable(table).set(set);
    for (const d of dimensions) q = q.where(sql.ref(d), '=', String(key[d]));
    await q.execute();
  }
  await bulkInsert(k as Kysely<unknown>, table, [...dimensions, ...measureNames], inserts);
}
