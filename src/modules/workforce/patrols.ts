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
  properties: { patrolId: string; startedAt: string; endedAt: string | null; distanceM: number; times: string[]; droppedPoints: number };
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
const BUMP_POINTS =
  'update patrols set point_count = point_count + ?, last_point_at = case when last_point_at is null or last_point_at < ? then ? else last_point_at end, updated_at = ? where id = ?';

export class PatrolService {
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
          await this.close(tx, o, Number(o.last_point_at ?? o.started_at), 'auto', null, settings.track, now);
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

  /** Adds points to one of the caller's patrols; points already there (same time) are counted, not added. */
  async addPoints(principal: Principal, actor: AuditActor, clientId: string, points: readonly (Position & { at: number })[], now = Date.now()): Promise<PointsResult> {
    const id = clientId.toLowerCase();
    // One point per instant: the first of a batch wins, as a stored one would.
    const byAt = new Map<number, Position & { at: number }>();
    let duplicates = 0;
    for (const p of points) {
      if (byAt.has(p.at)) duplicates++;
      else byAt.set(p.at, p);
    }
    const candidates = [...byAt.values()].map((p) => {
      const m = microOf(p);
      return { at: p.at, lng: m.lng, lat: m.lat, accuracy: p.accuracyM === undefined ? null : Math.round(p.accuracyM) };
    });
    const settings = await this.ctx.settings();
    const run = () => this.db.transaction(async (tx) => {
      const patrol = await this.ownPatrol(tx, principal, id);
      const started = Number(patrol.started_at);
      const ended = patrol.ended_at === null ? null : Number(patrol.ended_at);
      const inRange = candidates.filter((c) => c.at >= started && c.at <= now + FUTURE_SLACK_MS && (ended === null || c.at <= ended));
      const outOfRange = candidates.length - inRange.length;
      if (inRange.length === 0) return { accepted: 0, duplicates, outOfRange };
      let min = Infinity;
      let max = -Infinity;
      for (const c of inRange) {
        if (c.at < min) min = c.at;
        if (c.at > max) max = c.at;
      }
      const stored = await tx.executeQuery<{ at: number | string }>(CompiledQuery.raw(EXISTING_AT, [patrol.id, min, max]));
      const have = new Set(stored.rows.map((r) => Number(r.at)));
      const fresh = inRange.filter((c) => !have.has(c.at));
      const result = { accepted: fresh.length, duplicates: duplicates + inRange.length - fresh.length, outOfRange };
      if (fresh.length === 0) return result;
      await bulkInsert(tx as unknown as Kysely<unknown>, 'track_points', POINT_COLUMNS, fresh.map((c) => [patrol.id, c.at, c.lng, c.lat, c.accuracy, now]));
      await tx.executeQuery(CompiledQuery.raw(BUMP_POINTS, [fresh.length, max, max, now, patrol.id]));
      // Late points of a stopped patrol change its distance.
      if (ended !== null) await this.recompute(tx, patrol.id, started, ended, settings.track, now);
      await appendAudit(tx, actor, {
        action: 'patrol.points', objectType: 'patrol', objectId: id,
        details: { accepted: fresh.length, from: toIso(min), to: toIso(max) },
      }, now);
      return result;
    });
    let result: PointsResult;
    try {
      result = await run();
    } catch (err) {
      // The same points committed by a concurrent retry: once more, and they read as duplicates.
      if (!isDuplicateKeyError(err)) throw err;
      result = await run();
    }
    if (result.accepted > 0) this.db.noteWrite(principal.userId);
    return result;
  }

  /** Stops a patrol; stopping again at the same time answers the same. */
  async stop(principal: Principal, actor: AuditActor, clientId: string, endedAt: number, now = Date.now()): Promise<PatrolView> {
    const id = clientId.toLowerCase();
    checkTime(endedAt, now);
    const settings = await this.ctx.settings();
    const row = await this.db.transaction(async (tx) => {
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
    this.db.noteWrite(principal.userId);
    return patrolView(row);
  }

  private async byClientId(db: Kysely<Database>, clientId: string): Promise<PatrolRow | undefined> {
    return db.selectFrom('patrols').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  }

  /** The caller's own patrol; anyone else's reads as missing. */
  private async ownPatrol(db: Kysely<Database>, principal: Principal, clientId: string): Promise<PatrolRow> {
    const row = await this.byClientId(db, clientId);
    if (!row || Number(row.user_id) !== principal.userId) throw notFound('patrol');
    return row;
  }

  /** Ends a patrol at `endedAt` with its distance and point count computed from the points inside it. */
  private async close(tx: Transaction<Database>, patrol: PatrolRow, endedAt: number, reason: 'worker' | 'auto', stopReceivedAt: number | null, rules: TrackRules, now: number): Promise<PatrolRow> {
    const { distance, count } = await this.measure(tx, patrol.id, Number(patrol.started_at), endedAt, rules);
    const patch = { ended_at: endedAt, end_reason: reason, distance_m: distance, point_count: count, stop_received_at: stopReceivedAt, updated_at: now };
    await tx.updateTable('patrols').set(patch).where('id', '=', patrol.id).execute();
    return { ...patrol, ...patch };
  }

  private async recompute(tx: Transaction<Database>, patrolId: number, startedAt: number, endedAt: number, rules: TrackRules, now: number): Promise<void> {
    const { distance, count } = await this.measure(tx, patrolId, startedAt, endedAt, rules);
    await tx.updateTable('patrols').set({ distance_m: distance, point_count: count, updated_at: now }).where('id', '=', patrolId).execute();
  }

  private async measure(db: Kysely<Database>, patrolId: number, from: number, to: number, rules: TrackRules): Promise<{ distance: number; count: number }> {
    const points = await readPoints(db, [patrolId], from, to);
    return { distance: filterTrack(points.get(patrolId) ?? [], rules).distanceM, count: points.get(patrolId)?.length ?? 0 };
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
    return { rows: rows.filter((r) => Number(r.ended_at ?? r.last_point_at ?? r.started_at) >= from), from, to };
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
      const times: string[] = [];
      list.forEach((p, i) => {
        if (!filtered.accepted[i]) return;
        coordinates.push([p.lng, p.lat]);
        times.push(new Date(p.at).toISOString());
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
  const rows = await db.selectFrom('track_points')
    .select(['patrol_id', 'at', 'lng_e6', 'lat_e6', 'accuracy_m'])
    .where('patrol_id', 'in', [...patrolIds])
    .where('at', '>=', from)
    .where('at', '<=', to)
    .orderBy('patrol_id')
    .orderBy('at')
    .execute();
  for (const r of rows) {
    const id = Number(r.patrol_id);
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push({ at: Number(r.at), lng: fromMicro(Number(r.lng_e6)), lat: fromMicro(Number(r.lat_e6)), accuracyM: r.accuracy_m === null ? null : Number(r.accuracy_m) });
  }
  return out;
}
