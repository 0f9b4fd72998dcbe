/**
 * Dispatch from the map (docs/field-dispatch.md): the on-duty grid workers
 * nearest a case (rules/nearest.ts), and the field task that sends one of
 * them to verify or inspect it, shown on his phone and in his bell.
 */
import type { AppDb } from '../../database.js';
import type { AuditActor } from '../../infra/audit/audit.js';
import { appendAudit } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { scopeFilter } from '../../infra/auth/scope.js';
import { insertedId } from '../../infra/db/values.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import type { IncidentService } from '../incidents/service.js';
import type { DutyRoster } from '../workforce/duty.js';
import { NotificationService } from './notifications.js';
import { nearestWorkers, type NearWorker } from './rules/nearest.js';

/** Patrols started this long ago still give positions (a day's shift). */
export const PATROL_WINDOW_MS = 12 * 3_600_000;
/** A fix older than this does not say where the worker is now. */
export const FIX_MAX_AGE_MS = 2 * 3_600_000;
export const NEAREST_LIMIT_MAX = 50;
/** Statuses a case can be verified in; inspecting is open to every open case. */
const VERIFIABLE = ['replied', 'verifying'];

export interface Candidate extends NearWorker {
  gridName: string | null;
  /** A grid worker of the case's grid: may verify it (the state machine's grant). */
  canVerify: boolean;
}

export interface FieldTaskView {
  id: number;
  incidentId: number;
  incidentCode: string;
  incidentStatus: string;
  address: string | null;
  userId: number;
  userName: string | null;
  kind: 'verify' | 'inspect';
  status: 'open' | 'done' | 'cancelled';
  distanceM: number | null;
  note: string | null;
  createdAt: string;
}

const iso = (ms: number | string) => new Date(Number(ms)).toISOString();

export class FieldDispatch {
  constructor(private readonly db: AppDb, private readonly incidents: IncidentService, private readonly duty: DutyRoster) {}

  private async caseOf(principal: Principal, id: number) {
    if ((await this.incidents.visibleIds(principal, [id])).length === 0) throw notFound('incident');
    const row = await this.db.primary.selectFrom('incidents').select(['id', 'code', 'status', 'grid_code', 'lng', 'lat', 'is_open', 'state']).where('id', '=', id).executeTakeFirstOrThrow();
    return row;
  }

  /** The nearest on-duty workers in the caller's dispatch area, nearest first. */
  async nearest(principal: Principal, incidentId: number, limit: number, now = Date.now()) {
    const c = await this.caseOf(principal, incidentId);
    if (c.lng == null || c.lat == null) throw new AppError(422, 'FIELD_CASE_NO_POSITION', {});
    const candidates = await this.candidates(principal, c.grid_code, { lng: Number(c.lng), lat: Number(c.lat) }, limit, now);
    const open = await this.openTasks(incidentId);
    return {
      incident: { id: Number(c.id), code: c.code, status: c.status, lng: Number(c.lng), lat: Number(c.lat) },
      workers: candidates,
      openTasks: open,
    };
  }

  private async candidates(principal: Principal, caseGrid: string, point: { lng: number; lat: number }, limit: number, now: number): Promise<Candidate[]> {
    const scopes = principal.scopesFor('incidents.dispatch');
    const db = this.db.reader(principal.userId);
    const fixes = await db.selectFrom('patrols')
      .innerJoin('track_points', 'track_points.patrol_id', 'patrols.id')
      .innerJoin('users', 'users.id', 'patrols.user_id')
      .leftJoin('grids', 'grids.code', 'patrols.grid_code')
      .where('patrols.started_at', '>=', now - PATROL_WINDOW_MS)
      .where('users.status', '=', 'active')
      .where((eb) => scopeFilter(eb, scopes, { grid: 'patrols.grid_code' }))
      .where('track_points.at', '=', (eb) => eb.selectFrom('track_points as last').select((e) => e.fn.max('last.at').as('m')).whereRef('last.patrol_id', '=', 'patrols.id'))
      .select(['patrols.user_id', 'patrols.ended_at', 'users.display_name', 'grids.name as grid_name', 'track_points.at', 'track_points.lng_e6', 'track_points.lat_e6'])
      .execute();
    if (fixes.length === 0) return [];
    const userIds = [...new Set(fixes.map((f) => Number(f.user_id)))];
    const patrolling = new Set(fixes.filter((f) => f.ended_at == null).map((f) => Number(f.user_id)));
    const [onDuty, roles] = await Promise.all([
      this.duty.onDuty(db, userIds, patrolling, now),
      db.selectFrom('role_assignments').select(['user_id', 'scope_code']).where('user_id', 'in', userIds).where('role_code', '=', 'grid_worker').where('scope_kind', '=', 'grid').execute(),
    ]);
    const gridName = new Map(fixes.map((f) => [Number(f.user_id), f.grid_name ?? null]));
    const canVerify = new Set(roles.filter((r) => caseGrid.startsWith(r.scope_code)).map((r) => Number(r.user_id)));
    const near = nearestWorkers(point, fixes.map((f) => ({
      userId: Number(f.user_id), name: f.display_name, lng: Number(f.lng_e6) / 1e6, lat: Number(f.lat_e6) / 1e6, at: Number(f.at), onDuty: onDuty.has(Number(f.user_id)),
    })), { limit, maxAgeMs: FIX_MAX_AGE_MS, now });
    return near.map((w) => ({ ...w, gridName: gridName.get(w.userId) ?? null, canVerify: canVerify.has(w.userId) }));
  }

  private async openTasks(incidentId: number): Promise<FieldTaskView[]> {
    return this.views(await this.db.primary.selectFrom('field_tasks').selectAll().where('incident_id', '=', incidentId).where('status', '=', 'open').orderBy('id').execute());
  }

  /**
   * Sends a worker: to verify (the case must await verification, the worker
   * be a grid worker of its grid; an open verify task of the case is handed
   * over to him rather than doubled), or to inspect. The worker must be among
   * the on-duty workers the caller may send.
   */
  async send(principal: Principal, actor: AuditActor, incidentId: number, input: { userId: number; kind: 'verify' | 'inspect'; note?: string | undefined }, now = Date.now()): Promise<FieldTaskView> {
    const c = await this.caseOf(principal, incidentId);
    if (Number(c.is_open) !== 1) throw new AppError(409, 'FIELD_CASE_NOT_OPEN', { status: c.status });
    if (c.lng == null || c.lat == null) throw new AppError(422, 'FIELD_CASE_NO_POSITION', {});
    const worker = (await this.candidates(principal, c.grid_code, { lng: Number(c.lng), lat: Number(c.lat) }, 10_000, now)).find((w) => w.userId === input.userId);
    if (!worker) throw new AppError(422, 'FIELD_WORKER_NOT_ON_DUTY', { userId: input.userId });
    if (input.kind === 'verify') {
      if (!VERIFIABLE.includes(c.status)) throw new AppError(409, 'FIELD_CASE_NOT_VERIFIABLE', { status: c.status });
      if (!worker.canVerify) throw new AppError(422, 'FIELD_WORKER_CANNOT_VERIFY', { userId: input.userId });
      const verifyingBy = (JSON.parse(c.state) as { verifyingBy?: string | null }).verifyingBy ?? null;
      if (c.status === 'verifying' && verifyingBy !== null && verifyingBy !== String(input.userId)) {
        throw new AppError(409, 'FIELD_VERIFICATION_STARTED', { userId: Number(verifyingBy) });
      }
    }
    const id = await this.db.transaction(async (tx) => {
      const existing = await tx.selectFrom('field_tasks').select(['id', 'user_id']).where('incident_id', '=', incidentId).where('kind', '=', input.kind).where('status', '=', 'open').orderBy('id').executeTakeFirst();
      let taskId: number;
      if (existing) {
        taskId = Number(existing.id);
        await tx.updateTable('field_tasks').set({ user_id: input.userId, distance_m: worker.distanceM, note: input.note ?? null, updated_at: now }).where('id', '=', taskId).execute();
      } else {
        taskId = insertedId(await tx.insertInto('field_tasks').values({
          incident_id: incidentId, user_id: input.userId, kind: input.kind, status: 'open', distance_m: worker.distanceM, note: input.note ?? null,
          created_by: principal.userId, created_at: now, updated_at: now,
        }).executeTakeFirstOrThrow());
      }
      await NotificationService.tellFieldTask(tx, input.userId, incidentId, taskId, now);
      await appendAudit(tx, actor, {
        action: existing ? 'field_task.reassign' : 'field_task.create', objectType: 'incident', objectId: incidentId,
        details: { code: c.code, taskId, kind: input.kind, userId: input.userId, ...(existing ? { previousUserId: Number(existing.user_id) } : {}), distanceM: worker.distanceM },
      }, now);
      return taskId;
    });
    const row = await this.db.primary.selectFrom('field_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return (await this.views([row]))[0]!;
  }

  /** The caller's open field tasks (the phone's task list). */
  async mine(principal: Principal): Promise<FieldTaskView[]> {
    return this.views(await this.db.reader(principal.userId).selectFrom('field_tasks').selectAll().where('user_id', '=', principal.userId).where('status', '=', 'open').orderBy('id', 'desc').limit(200).execute());
  }

  /** The worker reports the task done (his own only; another's is not found). */
  async done(principal: Principal, actor: AuditActor, id: number, now = Date.now()): Promise<FieldTaskView> {
    const found = await this.db.transaction(async (tx) => {
      const row = await tx.selectFrom('field_tasks').select(['id', 'incident_id', 'status']).where('id', '=', id).where('user_id', '=', principal.userId).executeTakeFirst();
      if (!row) return false;
      if (row.status === 'open') {
        await tx.updateTable('field_tasks').set({ status: 'done', updated_at: now }).where('id', '=', id).execute();
        await appendAudit(tx, actor, { action: 'field_task.done', objectType: 'incident', objectId: Number(row.incident_id), details: { taskId: id } }, now);
      }
      return true;
    });
    if (!found) throw notFound('field_task');
    const row = await this.db.primary.selectFrom('field_tasks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return (await this.views([row]))[0]!;
  }

  private async views(rows: { id: number; incident_id: number; user_id: number; kind: 'verify' | 'inspect'; status: 'open' | 'done' | 'cancelled'; distance_m: number | null; note: string | null; created_at: number }[]): Promise<FieldTaskView[]> {
    if (rows.length === 0) return [];
    const r = this.db.primary;
    const [cases, users] = await Promise.all([
      r.selectFrom('incidents').select(['id', 'code', 'status', 'address']).where('id', 'in', [...new Set(rows.map((x) => Number(x.incident_id)))]).execute(),
      r.selectFrom('users').select(['id', 'display_name']).where('id', 'in', [...new Set(rows.map((x) => Number(x.user_id)))]).execute(),
    ]);
    const caseOf = new Map(cases.map((x) => [Number(x.id), x]));
    const nameOf = new Map(users.map((x) => [Number(x.id), x.display_name]));
    return rows.map((x) => {
      const c = caseOf.get(Number(x.incident_id));
      return {
        id: Number(x.id), incidentId: Number(x.incident_id), incidentCode: c?.code ?? '', incidentStatus: c?.status ?? '', address: c?.address ?? null,
        userId: Number(x.user_id), userName: nameOf.get(Number(x.user_id)) ?? null, kind: x.kind, status: x.status,
        distanceM: x.distance_m == null ? null : Number(x.distance_m), note: x.note, createdAt: iso(x.created_at),
      };
    });
  }
}

