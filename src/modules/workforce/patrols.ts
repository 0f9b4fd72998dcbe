/**
 * Patrols (巡查) and their tracks: started, fed with GPS points and stopped
 * by the worker's phone, which may be offline for a while and retry
 * anything. Every write is keyed by the client's id: a repeat with the same
 * content answers the first result; points are keyed by (patrol, time).
 * The console reads one worker's day: the patrols, the track and the cases
 * the worker reported along it.
 */
import { CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { scopeFilter } from '../../infra/auth/scope.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { toIso } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import { toWgs84, type Crs } from '../grid/rules/coords.js';
import { requireGrids, type WorkforceContext } from './context.js';
import { dayStart, DAY_MS, todayYmd } from './rules/dates.js';
import { fromMicro, toMicro } from './rules/geo.js';
import { filterTrack, type TrackPoint, type TrackRules } from './rules/track.js';
import type { PatrolTable } from './tables.js';
import { localYmd } from '../incidents/rules/calendar.js';

export interface Position {
  lng: number;
  lat: number;
  accuracyM?: number | undefined;
  crs?: Crs | undefined;
}

export interface PatrolView {
  id: string;
  userId: number;
  startedAt: string;
  endedAt: string | null;
  distanceM: number;
  durationS: number | null;
  pointCount: number;
  endReason: 'worker' | 'auto' | null;
  gridCode: string;
}

export interface PointsResult {
  accepted: number;
  duplicates: number;
  /** Points whose time lies outside the patrol (before its start, after its end, or ahead of the server's clock). */
  outOfRange: number;
}

export interface TrackFeature {
  type: 'Feature';
  properties: { patrolId: string; startedAt: string; endedAt: string | null; distanceM: number; times: number[]; droppedPoints: number };
  geometry: { type: 'LineString'; coordinates: [number, number][] };
}

export interface DayTrack {
  userId: number;
  displayName: string;
  date: string;
  patrols: PatrolView[];
  track: { type: 'FeatureCollection'; features: TrackFeature[] };
  incidents: { id: number; code: string; lng: number; lat: number; reportedAt: string; categoryCode: string | null; status: string; description: string }[];
  clocks: { id: string; kind: 'in' | 'out'; at: string; lng: number; lat: number; gridCode: string; distanceM: number }[];
  gridCodes: string[];
}

type PatrolRow = Selectable<PatrolTable>;

/** How far a phone's clock may run ahead of the server's, and how old a retried write may be. */
export const FUTURE_SLACK_MS = 5 * 60_000;
export const MAX_AGE_MS = 72 * 3_600_000;

export function checkTime(at: number, now: number): void {
  if (!Number.isFinite(at) || at > now + FUTURE_SLACK_MS || at < now - MAX_AGE_MS) {
    throw new AppError(400, 'WORKFORCE_TIME_OUT_OF_RANGE', { at: Number.isFinite(at) ? new Date(at).toISOString() : null });
  }
}

/** A phone position in WGS84 microdegrees. */
export function microOf(p: Position): { lng: number; lat: number } {
  const [lng, lat] = toWgs84(p.lng, p.lat, p.crs ?? 'wgs84');
  return { lng: toMicro(lng), lat: toMicro(lat) };
}

export function patrolView(r: PatrolRow): PatrolView {
  const started = Number(r.started_at);
  const ended = r.ended_at === null ? null : Number(r.ended_at);
  return {
    id: r.client_id,
    userId: Number(r.user_id),
    startedAt: toIso(started)!,
    endedAt: toIso(ended),
    distanceM: Math.round(Number(r.distance_m)),
    durationS: ended === null ? null : Math.round((ended - started) / 1000),
    pointCount: Number(r.point_count),
    endReason: r.end_reason,
    gridCode: r.grid_code,
  };
}

const POINT_COLUMNS = ['patrol_id', 'at', 'lng_e6', 'lat_e6', 'accuracy_m', 'received_at'] as const;
// Run on every points batch: plain SQL common to both dialects (ADR 0001, "hot statements").
const EXISTING_AT = 'select at from track_points where patrol_id = ? and at >= ? and at <= ?';
const PATROL_BY_CLIENT_ID =
  'select id, client_id, user_id, grid_code, started_at, ended_at, end_reason, start_lng_e6, start_lat_e6, distance_m, point_count, last_point_at, received_at, stop_received_at, updated_at from patrols where client_id = ?';
const ENDED_AT = 'select ended_at from patrols where id = ?';
const COUNT_IN_WINDOW = 'select count(*) as n from track_points where patrol_id = ? and at >= ? and at <= ?';
const LAST_POINT = 'select max(at) as last from track_points where patrol_id = ?';

interface NewPoint {
  at: number;
  lng: number;
  lat: number;
  accuracy: number | null;
}

interface KnownPatrol {
  id: number;
  userId: number;
  startedAt: number;
  endedAt: number | null;
}

/**
 * Inserts the points not stored yet and answers which those were. A phone
 * sends each point once unless it retries, so the batch is inserted at once;
 * only when the unique key refuses it (the failed statement alone is undone,
 * on both databases) are the stored times looked up and the rest inserted.
 */
async function insertNew(db: Kysely<Database>, patrolId: number, points: readonly NewPoint[], receivedAt: number): Promise<NewPoint[]> {
  const k = db as unknown as Kysely<unknown>;
  const rowsOf = (list: readonly NewPoint[]) => list.map((c) => [patrolId, c.at, c.lng, c.lat, c.accuracy, receivedAt]);
  try {
    await bulkInsert(k, 'track_points', POINT_COLUMNS, rowsOf(points));
    return [...points];
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
  }
  let min = Infinity;
  let max = -Infinity;
  for (const c of points) {
    if (c.at < min) min = c.at;
    if (c.at > max) max = c.at;
  }
  const stored = await db.executeQuery<{ at: number | string }>(CompiledQuery.raw(EXISTING_AT, [patrolId, min, max]));
  const have = new Set(stored.rows.map((r) => Number(r.at)));
  const fresh = points.filter((c) => !have.has(c.at));
  if (fresh.length > 0) await bulkInsert(k, 'track_points', POINT_COLUMNS, rowsOf(fresh));
  return fresh;
}

/** The time of a patrol's last point (a running patrol's is not kept on its row). */
export async function lastPointOf(db: Kysely<Database>, patrolId: number): Promise<number | null> {
  const { rows } = await db.executeQuery<{ last: number | string | null }>(CompiledQuery.raw(LAST_POINT, [patrolId]));
  return rows[0]?.last == null ? null : Number(rows[0].last);
}

export class PatrolService {
  /** Patrols by client id: what never changes once set (see known()). */
  private readonly patrolCache = new Map<string, KnownPatrol>();

  constructor(private readonly ctx: WorkforceContext) {}

  private get db() {
    return this.ctx.db;
  }

  /** Starts a patrol; the same id with the same content answers the first result (status 200). */
  async start(principal: Principal, actor: AuditActor, input: { id: string; startedAt: number; position?: Position | undefined }, now = Date.now()): Promise<{ status: 200 | 201; patrol: PatrolView }> {
    const id = input.id.toLowerCase();
    checkTime(input.startedAt, now);
    const position = input.position ? microOf(input.position) : null;
    const same = (r: PatrolRow) =>
      Number(r.user_id) === principal.userId && Number(r.started_at) === input.startedAt &&
      (r.start_lng_e6 === null ? null : Number(r.start_lng_e6)) === (position?.lng ?? null) &&
      (r.start_lat_e6 === null ? null : Number(r.start_lat_e6)) === (position?.lat ?? null);
    const replay = async () => {
      const existing = await this.byClientId(this.db.primary, id);
      if (!existing) return null;
      if (!same(existing)) throw new AppError(422, 'IDEMPOTENCY_MISMATCH', { id });
      return { status: 200 as const, patrol: patrolView(existing) };
    };
    const first = await replay();
    if (first) return first;
    const cal = await this.ctx.calendar();
    const grids = await requireGrids(this.ctx, this.db.primary, principal.userId, localYmd(cal, input.startedAt));
    const settings = await this.ctx.settings();
    try {
      const row = await this.db.transaction(async (tx) => {
        // One start at a time per worker (the row lock of a no-op update; SQLite's write lock does it anyway).
        await tx.updateTable('users').set((eb) => ({ updated_at: eb.ref('updated_at') })).where('id', '=', principal.userId).execute();
        const open = await tx.selectFrom('patrols').selectAll().where('user_id', '=', principal.userId).where('ended_at', 'is', null).execute();
        for (const o of open) {
          if (Number(o.started_at) >= input.startedAt - settings.staleAfterHours * 3_600_000) {
            throw new AppError(409, 'PATROL_ALREADY_ACTIVE', { activePatrolId: o.client_id });
          }
          await this.close(tx, o, (await lastPointOf(tx, o.id)) ?? Number(o.started_at), 'auto', null, settings.track, now);
          await appendAudit(tx, actor, { action: 'patrol.autostop', objectType: 'patrol', objectId: o.client_id, details: { before: id } }, now);
        }
        const values = {
          client_id: id, user_id: principal.userId, grid_code: grids[0]!.code, started_at: input.startedAt, ended_at: null, end_reason: null,
          start_lng_e6: position?.lng ?? null, start_lat_e6: position?.lat ?? null, distance_m: 0, point_count: 0, last_point_at: null,
          received_at: now, stop_received_at: null, updated_at: now,
        };
        const result = await tx.insertInto('patrols').values(values).executeTakeFirstOrThrow();
        await appendAudit(tx, actor, { action: 'patrol.start', objectType: 'patrol', objectId: id, details: { startedAt: toIso(input.startedAt) } }, now);
        return { ...values, id: Number(result.insertId) } as PatrolRow;
      });
      this.db.noteWrite(principal.userId);
      return { status: 201, patrol: patrolView(row) };
    } catch (err) {
      // The same id committed by a concurrent retry: answer as a retry.
      if (isDuplicateKeyError(err)) {
        const again = await replay();
        if (again) return again;
      }
      throw err;
    }
  }

  /**
   * Adds points to one of the caller's patrols; points already there (same
   * time) are counted, not added. The points of a running patrol are one
   * write (a multi-row INSERT, group-committed on SQLite, autocommit on
   * MySQL); then the patrol is read again, and if it was stopped meanwhile
   * the points past its end are taken back and its distance measured again.
   * The stop counts the points once more after it commits (stop() below),
   * so of a batch and a stop that cross, one always sees the other.
   */
  async addPoints(principal: Principal, actor: AuditActor, clientId: string, points: readonly (Position & { at: number })[], now = Date.now()): Promise<PointsResult> {
    const id = clientId.toLowerCase();
    // One point per instant: the first of a batch wins, as a stored one would.
    const byAt = new Map<number, Position & { at: number }>();
    let duplicates = 0;
    for (const p of points) {
      if (byAt.has(p.at)) duplicates++;
      else byAt.set(p.at, p);
    }
    const candidates: NewPoint[] = [...byAt.values()].map((p) => {
      const m = microOf(p);
      return { at: p.at, lng: m.lng, lat: m.lat, accuracy: p.accuracyM === undefined ? null : Math.round(p.accuracyM) };
    });
    const patrol = await this.known(id);
    if (!patrol || patrol.userId !== principal.userId) throw notFound('patrol');
    const settings = await this.ctx.settings();
    const inWindow = (ended: number | null) =>
      candidates.filter((c) => c.at >= patrol.startedAt && c.at <= now + FUTURE_SLACK_MS && (ended === null || c.at <= ended));

    if (patrol.endedAt !== null) {
      // Late points of a stopped patrol: stored, measured and audited in one transaction.
      const ended = patrol.endedAt;
      const inRange = inWindow(ended);
      const outOfRange = candidates.length - inRange.length;
      if (inRange.length === 0) return { accepted: 0, duplicates, outOfRange };
      const fresh = await this.db.transaction(async (tx) => {
        const added = await insertNew(tx, patrol.id, inRange, now);
        if (added.length > 0) await this.lateChange(tx, actor, id, patrol, ended, added, settings.track, now);
        return added;
      });
      if (fresh.length > 0) this.db.noteWrite(principal.userId);
      return { accepted: fresh.length, duplicates: duplicates + inRange.length - fresh.length, outOfRange };
    }

    const inRange = inWindow(null);
    let outOfRange = candidates.length - inRange.length;
    if (inRange.length === 0) return { accepted: 0, duplicates, outOfRange };
    let fresh = await this.db.write((k) => insertNew(k, patrol.id, inRange, now));
    duplicates += inRange.length - fresh.length;
    if (fresh.length === 0) return { accepted: 0, duplicates, outOfRange };
    this.db.noteWrite(principal.userId);
    const row = await this.db.primary.executeQuery<{ ended_at: number | string | null }>(CompiledQuery.raw(ENDED_AT, [patrol.id]));
    const endedNow = row.rows[0]?.ended_at == null ? null : Number(row.rows[0].ended_at);
    if (endedNow !== null) {
      this.remember({ ...patrol, endedAt: endedNow }, id);
      const beyond = fresh.filter((c) => c.at > endedNow);
      const within = fresh.filter((c) => c.at <= endedNow);
      await this.db.transaction(async (tx) => {
        if (beyond.length > 0) await tx.deleteFrom('track_points').where('patrol_id', '=', patrol.id).where('at', '>', endedNow).execute();
        if (within.length > 0) await this.lateChange(tx, actor, id, patrol, endedNow, within, settings.track, now);
      });
      outOfRange += beyond.length;
      fresh = within;
    }
    return { accepted: fresh.length, duplicates, outOfRange };
  }

  /** Points added to a stopped patrol: its figures measured again, and the change audited. */
  private async lateChange(tx: Transaction<Database>, actor: AuditActor, clientId: string, patrol: KnownPatrol, ended: number, added: readonly NewPoint[], rules: TrackRules, now: number): Promise<void> {
    await this.recompute(tx, patrol.id, patrol.startedAt, ended, rules, now);
    await appendAudit(tx, actor, {
      action: 'patrol.points_late', objectType: 'patrol', objectId: clientId,
      details: { accepted: added.length, from: toIso(Math.min(...added.map((a) => a.at))), to: toIso(Math.max(...added.map((a) => a.at))) },
    }, now);
  }

  /** A patrol's fields that never change once set (id, worker, start; the end once stopped), kept in memory per node. */
  private async known(clientId: string): Promise<KnownPatrol | null> {
    // A running patrol may have been stopped since it was cached: addPoints reads its end again after writing.
    const cached = this.patrolCache.get(clientId);
    if (cached) return cached;
    const row = await this.byClientId(this.db.primary, clientId);
    if (!row) return null;
    const known: KnownPatrol = { id: row.id, userId: Number(row.user_id), startedAt: Number(row.started_at), endedAt: row.ended_at === null ? null : Number(row.ended_at) };
    this.remember(known, clientId);
    return known;
  }

  private remember(known: KnownPatrol, clientId: string): void {
    // Bounded: a day's patrols of a city fit many times over; beyond that it starts again.
    if (this.patrolCache.size >= 50_000) this.patrolCache.clear();
    this.patrolCache.set(clientId, known);
  }

  /** Stops a patrol; stopping again at the same time answers the same. */
  async stop(principal: Principal, actor: AuditActor, clientId: string, endedAt: number, now = Date.now()): Promise<PatrolView> {
    const id = clientId.toLowerCase();
    checkTime(endedAt, now);
    const settings = await this.ctx.settings();
    let row = await this.db.transaction(async (tx) => {
      const patrol = await this.ownPatrol(tx, principal, id);
      if (patrol.ended_at !== null) {
        if (Number(patrol.ended_at) === endedAt) return patrol;
        throw new AppError(409, 'PATROL_ALREADY_STOPPED', { endedAt: toIso(Number(patrol.ended_at)) });
      }
      if (endedAt < Number(patrol.started_at)) throw new AppError(422, 'PATROL_END_BEFORE_START', { startedAt: toIso(Number(patrol.started_at)) });
      const closed = await this.close(tx, patrol, endedAt, 'worker', now, settings.track, now);
      await appendAudit(tx, actor, {
        action: 'patrol.stop', objectType: 'patrol', objectId: id,
        details: { endedAt: toIso(endedAt), distanceM: Math.round(closed.distance_m), points: closed.point_count },
      }, now);
      return closed;
    });
    // A batch committed while the stop measured was not counted, and that batch read the patrol as
    // running: count once more now the stop is committed, and measure again if points came in between.
    const counted = await this.db.primary.executeQuery<{ n: number | string }>(CompiledQuery.raw(COUNT_IN_WINDOW, [row.id, Number(row.started_at), endedAt]));
    if (Number(counted.rows[0]?.n ?? 0) !== Number(row.point_count)) {
      row = await this.db.transaction(async (tx) => {
        await this.recompute(tx, row.id, Number(row.started_at), endedAt, settings.track, now);
        return tx.selectFrom('patrols').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      });
    }
    this.remember({ id: row.id, userId: Number(row.user_id), startedAt: Number(row.started_at), endedAt }, id);
    this.db.noteWrite(principal.userId);
    return patrolView(row);
  }

  private async byClientId(db: Kysely<Database>, clientId: string): Promise<PatrolRow | undefined> {
    // Every points batch looks its patrol up: plain SQL, no query building per call.
    const { rows } = await db.executeQuery<PatrolRow>(CompiledQuery.raw(PATROL_BY_CLIENT_ID, [clientId]));
    return rows[0];
  }

  /** The caller's own patrol; anyone else's reads as missing. */
  private async ownPatrol(db: Kysely<Database>, principal: Principal, clientId: string): Promise<PatrolRow> {
    const row = await this.byClientId(db, clientId);
    if (!row || Number(row.user_id) !== principal.userId) throw notFound('patrol');
    return row;
  }

  /** Ends a patrol at `endedAt` with its distance and point count computed from the points inside it. */
  private async close(tx: Transaction<Database>, patrol: PatrolRow, endedAt: number, reason: 'worker' | 'auto', stopReceivedAt: number | null, rules: TrackRules, now: number): Promise<PatrolRow> {
    const m = await this.measure(tx, patrol.id, Number(patrol.started_at), endedAt, rules);
    const patch = { ended_at: endedAt, end_reason: reason, distance_m: m.distance, point_count: m.count, last_point_at: m.last, stop_received_at: stopReceivedAt, updated_at: now };
    // Only a running patrol is stopped: of two stops that cross, the second finds it stopped (409; its retry gets the stop that won).
    const updated = await tx.updateTable('patrols').set(patch).where('id', '=', patrol.id).where('ended_at', 'is', null).executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw new AppError(409, 'PATROL_ALREADY_STOPPED', {});
    return { ...patrol, ...patch };
  }

  private async recompute(tx: Transaction<Database>, patrolId: number, startedAt: number, endedAt: number, rules: TrackRules, now: number): Promise<void> {
    const m = await this.measure(tx, patrolId, startedAt, endedAt, rules);
    await tx.updateTable('patrols').set({ distance_m: m.distance, point_count: m.count, last_point_at: m.last, updated_at: now }).where('id', '=', patrolId).execute();
  }

  /** Distance, point count and last point of a patrol's points within [from, to]. */
  private async measure(db: Kysely<Database>, patrolId: number, from: number, to: number, rules: TrackRules): Promise<{ distance: number; count: number; last: number | null }> {
    const list = (await readPoints(db, [patrolId], from, to)).get(patrolId) ?? [];
    return { distance: filterTrack(list, rules).distanceM, count: list.length, last: list[list.length - 1]?.at ?? null };
  }

  // ---- reads -----------------------------------------------------------------

  /** The patrols of one worker that overlap a local day (a patrol never stopped lasts to its last point). */
  private async patrolsOfDay(db: Kysely<Database>, userId: number, date: string): Promise<{ rows: PatrolRow[]; from: number; to: number }> {
    const cal = await this.ctx.calendar();
    const from = dayStart(cal, date);
    const to = from + DAY_MS;
    const settings = await this.ctx.settings();
    // A patrol overlapping the day started at most staleAfterHours (with slack) before it.
    const rows = await db.selectFrom('patrols').selectAll()
      .where('user_id', '=', userId)
      .where('started_at', '>=', from - (settings.staleAfterHours + 24) * 3_600_000)
      .where('started_at', '<', to)
      .orderBy('started_at')
      .execute();
    // A running patrol lasts to its newest point: it overlaps the day unless it started after it.
    return { rows: rows.filter((r) => r.ended_at === null || Number(r.ended_at) >= from), from, to };
  }

  /** Patrols of a day with their current figures (an active one measured from its points so far). */
  async listDay(principal: Principal, userId: number, date: string, own = false): Promise<PatrolView[]> {
    if (!own) await this.ctx.assertWorkerVisible(principal, userId);
    const db = this.db.reader(principal.userId);
    const { rows } = await this.patrolsOfDay(db, userId, date);
    const settings = await this.ctx.settings();
    const active = rows.filter((r) => r.ended_at === null);
    const points = await readPoints(db, active.map((r) => r.id), 0, Number.MAX_SAFE_INTEGER);
    return rows.map((r) => {
      if (r.ended_at !== null) return patrolView(r);
      const list = points.get(r.id) ?? [];
      return { ...patrolView(r), distanceM: Math.round(filterTrack(list, settings.track).distanceM), pointCount: list.length };
    });
  }

  /** One worker's day for the replay: patrols, the track (accepted points, per-vertex times), reported cases, clock records. */
  async dayTrack(principal: Principal, userId: number, date: string): Promise<DayTrack> {
    await this.ctx.assertWorkerVisible(principal, userId);
    const displayName = await this.ctx.displayName(userId);
    const db = this.db.reader(principal.userId);
    const settings = await this.ctx.settings();
    const { rows, from, to } = await this.patrolsOfDay(db, userId, date);
    const points = await readPoints(db, rows.map((r) => r.id), from, to - 1);
    const features: TrackFeature[] = [];
    const patrols: PatrolView[] = [];
    for (const r of rows) {
      const list = points.get(r.id) ?? [];
      const filtered = filterTrack(list, settings.track);
      const view = patrolView(r);
      patrols.push(r.ended_at === null ? { ...view, distanceM: Math.round(filtered.distanceM), pointCount: list.length } : view);
      const coordinates: [number, number][] = [];
      const times: number[] = [];
      list.forEach((p, i) => {
        if (!filtered.accepted[i]) return;
        coordinates.push([p.lng, p.lat]);
        times.push(p.at);
      });
      if (coordinates.length < 2) continue;
      features.push({
        type: 'Feature',
        properties: { patrolId: r.client_id, startedAt: view.startedAt, endedAt: view.endedAt, distanceM: Math.round(filtered.distanceM), times, droppedPoints: list.length - coordinates.length },
        geometry: { type: 'LineString', coordinates },
      });
    }
    const incidentScopes = principal.scopesFor('incidents.read');
    const incidents = incidentScopes.length === 0 ? [] : await db.selectFrom('incidents')
      .select(['id', 'code', 'lng', 'lat', 'reported_at', 'category_code', 'status', 'description'])
      .where('channel', '=', 'grid_worker')
      .where('reported_at', '>=', from)
      .where('reported_at', '<', to)
      .where('reporter_user_id', '=', userId)
      .where((eb) => scopeFilter(eb, incidentScopes, { grid: 'incidents.grid_code' }, { useGridIndex: false }))
      .orderBy('reported_at')
      .execute();
    const clocks = await db.selectFrom('clock_records').selectAll().where('user_id', '=', userId).where('at', '>=', from).where('at', '<', to).orderBy('at').execute();
    const cal = await this.ctx.calendar();
    const grids = await this.ctx.gridsOf(db, userId, date <= todayYmd(cal, Date.now()) ? date : todayYmd(cal, Date.now()));
    return {
      userId, displayName, date, patrols,
      track: { type: 'FeatureCollection', features },
      incidents: incidents
        .filter((i) => i.lng !== null && i.lat !== null)
        .map((i) => ({
          id: Number(i.id), code: i.code, lng: Number(i.lng), lat: Number(i.lat), reportedAt: toIso(Number(i.reported_at))!,
          categoryCode: i.category_code, status: i.status, description: i.description.slice(0, 120),
        })),
      clocks: clocks.map((c) => ({
        id: c.client_id, kind: c.kind, at: toIso(Number(c.at))!, lng: fromMicro(Number(c.lng_e6)), lat: fromMicro(Number(c.lat_e6)),
        gridCode: c.grid_code, distanceM: Number(c.distance_m),
      })),
      gridCodes: grids.map((g) => g.code),
    };
  }

  /** The caller's open patrol, if any. */
  async active(db: Kysely<Database>, userId: number): Promise<PatrolRow | undefined> {
    return db.selectFrom('patrols').selectAll().where('user_id', '=', userId).where('ended_at', 'is', null).orderBy('started_at', 'desc').executeTakeFirst();
  }
}

/** The points of some patrols within [from, to], by patrol, in time order, as WGS84 degrees. */
export async function readPoints(db: Kysely<Database>, patrolIds: readonly number[], from: number, to: number): Promise<Map<number, TrackPoint[]>> {
  const out = new Map<number, TrackPoint[]>();
  if (patrolIds.length === 0) return out;
  // A worker-day is thousands of rows: plain SQL over the primary key's order, no query building per call.
  const { rows } = await db.executeQuery<{ patrol_id: number; at: number | string; lng_e6: number; lat_e6: number; accuracy_m: number | null }>(CompiledQuery.raw(
    `select patrol_id, at, lng_e6, lat_e6, accuracy_m from track_points where patrol_id in (${patrolIds.map(() => '?').join(', ')}) and at >= ? and at <= ? order by patrol_id, at`,
    [...patrolIds, from, to],
  ));
  for (const r of rows) {
    const id = Number(r.patrol_id);
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push({ at: Number(r.at), lng: r.lng_e6 / 1e6, lat: r.lat_e6 / 1e6, accuracyM: r.accuracy_m });
  }
  return out;
}
