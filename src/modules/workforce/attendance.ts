/**
 * Clock-in/out (打卡) and attendance (考勤): a clock record is accepted only
 * inside or within the tolerance of one of the worker's grids; attendance is
 * computed on read from the rota, leave, clock records, patrols and the
 * cases the worker reported (rules/attendance.ts), so a late approval or a
 * rota change is reflected at once and nothing needs rebuilding.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import type { Principal } from '../../infra/auth/principal.js';
import { scopeFilter, type Scope } from '../../infra/auth/scope.js';
import { toIso } from '../../infra/db/values.js';
import { AppError } from '../../infra/http/errors.js';
import { isDuplicateKeyError } from '../../infra/idempotency/idempotency.js';
import { localYmd } from '../incidents/rules/calendar.js';
import { defaultRota, requireGrids, type WorkforceContext } from './context.js';
import { checkTime, microOf, type PatrolService, type Position } from './patrols.js';
import {
  addDay, addTotals, attendanceDay, emptyTotals, finishTotals, type AttendanceTotals, type ClockEntry, type DayAttendance, type PatrolEntry,
} from './rules/attendance.js';
import { dateWithin, dayStart, daysOfMonth, DAY_MS, todayYmd } from './rules/dates.js';
import { distanceToGeometryM, fromMicro } from './rules/geo.js';
import { formatHhmm, shiftOn, type Rota, type RotaException, type Shift } from './rules/rota.js';
import type { ClockRecordTable } from './tables.js';

export interface ClockView {
  id: string;
  kind: 'in' | 'out';
  at: string;
  gridCode: string;
  distanceM: number;
  receivedAt: string;
}

export interface MeView {
  userId: number;
  displayName: string;
  grids: { code: string; name: string; level: string }[];
  team: { id: number; name: string; communityCode: string; role: string; roleName: string } | null;
  clockToleranceM: number;
  onLeaveToday: boolean;
  shiftToday: { start: string; end: string } | null;
  clockedIn: { at: string } | null;
  activePatrol: { id: string; startedAt: string } | null;
}

/** A worker counted by attendance: a team member with an account, with names for the screens. */
export interface AttendanceWorker {
  userId: number;
  displayName: string;
  memberId: number;
  teamId: number;
  teamName: string;
  roleName: string;
  communityCode: string;
  communityName: string;
  streetCode: string;
  streetName: string;
  fromDate: string;
  toDate: string | null;
  rota: Rota;
}

export interface DayRow extends Omit<DayAttendance, 'shift' | 'firstIn' | 'lastOut'> {
  date: string;
  shift: { start: string; end: string } | null;
  firstIn: string | null;
  lastOut: string | null;
}

export interface WorkerDays {
  worker: AttendanceWorker;
  days: DayRow[];
  totals: AttendanceTotals;
}

export interface GroupTotals {
  code: string;
  name: string;
  workers: number;
  totals: AttendanceTotals;
}

export interface MonthReport {
  month: string;
  workers: (Omit<WorkerDays, 'days' | 'worker'> & { worker: Omit<AttendanceWorker, 'rota'> })[];
  communities: GroupTotals[];
  streets: GroupTotals[];
  total: AttendanceTotals;
}

type ClockRow = Selectable<ClockRecordTable>;

function clockView(r: ClockRow): ClockView {
  return {
    id: r.client_id, kind: r.kind, at: toIso(Number(r.at))!, gridCode: r.grid_code, distanceM: Number(r.distance_m), receivedAt: toIso(Number(r.received_at))!,
  };
}

const shiftText = (s: Shift | null) => (s ? { start: formatHhmm(s.start), end: formatHhmm(s.end) } : null);

function dayRow(date: string, d: DayAttendance): DayRow {
  return { ...d, date, shift: shiftText(d.shift), firstIn: toIso(d.firstIn), lastOut: toIso(d.lastOut) };
}

/** Users per IN list: far under both databases' parameter limits. */
const CHUNK = 500;

async function chunked<T>(ids: readonly number[], read: (part: number[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...(await read(ids.slice(i, i + CHUNK))));
  return out;
}

export class AttendanceService {
  constructor(
    private readonly ctx: WorkforceContext,
    private readonly patrols: PatrolService,
  ) {}

  private get db() {
    return this.ctx.db;
  }

  // ---- clock-in / clock-out ----------------------------------------------------

  /**
   * Records a clock-in or -out at a position inside (or within the
   * tolerance of) one of the worker's grids on that day; otherwise 422
   * CLOCK_OUTSIDE_GRID with how far and which grid is nearest.
   */
  async clock(principal: Principal, actor: AuditActor, input: { id: string; kind: 'in' | 'out'; at: number; position: Position }, now = Date.now()): Promise<{ status: 200 | 201; record: ClockView }> {
    const id = input.id.toLowerCase();
    checkTime(input.at, now);
    const pos = microOf(input.position);
    const replay = async () => {
      const r = await this.db.primary.selectFrom('clock_records').selectAll().where('client_id', '=', id).executeTakeFirst();
      if (!r) return null;
      const same = Number(r.user_id) === principal.userId && r.kind === input.kind && Number(r.at) === input.at && Number(r.lng_e6) === pos.lng && Number(r.lat_e6) === pos.lat;
      if (!same) throw new AppError(422, 'IDEMPOTENCY_MISMATCH', { id });
      return { status: 200 as const, record: clockView(r) };
    };
    const first = await replay();
    if (first) return first;
    const cal = await this.ctx.calendar();
    const grids = await requireGrids(this.ctx, this.db.primary, principal.userId, localYmd(cal, input.at));
    const settings = await this.ctx.settings();
    const lng = fromMicro(pos.lng);
    const lat = fromMicro(pos.lat);
    const located = this.ctx.locator.locate(lng, lat);
    // A grid "contains" the located unit grid when it is that grid or an ancestor (a community-level assignment).
    let gridCode = located !== null ? (grids.find((g) => located.startsWith(g.code))?.code ?? null) : null;
    let distanceM = 0;
    if (gridCode === null) {
      const shapes = await this.ctx.gridGeometries(this.db.primary, grids.map((g) => g.code));
      let best = { code: grids[0]!.code, d: Infinity };
      for (const g of grids) {
        const shape = shapes.get(g.code);
        if (!shape) continue;
        const d = distanceToGeometryM(shape, lng, lat);
        if (d < best.d) best = { code: g.code, d };
      }
      distanceM = Math.round(best.d);
      if (!(best.d <= settings.clockToleranceM)) {
        throw new AppError(422, 'CLOCK_OUTSIDE_GRID', { distanceM, toleranceM: settings.clockToleranceM, nearestGridCode: best.code });
      }
      gridCode = best.code;
    }
    const values = {
      client_id: id, user_id: principal.userId, kind: input.kind, at: input.at, lng_e6: pos.lng, lat_e6: pos.lat,
      accuracy_m: input.position.accuracyM === undefined ? null : Math.round(input.position.accuracyM), grid_code: gridCode, distance_m: distanceM, received_at: now,
    };
    try {
      const row = await this.db.transaction(async (tx) => {
        const result = await tx.insertInto('clock_records').values(values).executeTakeFirstOrThrow();
        await appendAudit(tx, actor, { action: `attendance.clock_${input.kind}`, objectType: 'clock_record', objectId: id, details: { at: toIso(input.at), gridCode, distanceM } }, now);
        return { ...values, id: Number(result.insertId) } as ClockRow;
      });
      this.db.noteWrite(principal.userId);
      return { status: 201, record: clockView(row) };
    } catch (err) {
      if (isDuplicateKeyError(err)) {
        const again = await replay();
        if (again) return again;
      }
      throw err;
    }
  }

  // ---- the worker's own context ---------------------------------------------------

  async me(principal: Principal, now = Date.now()): Promise<MeView> {
    const db = this.db.primary;
    const cal = await this.ctx.calendar();
    const today = todayYmd(cal, now);
    const grids = await requireGrids(this.ctx, db, principal.userId, today);
    const settings = await this.ctx.settings();
    const membership = await this.ctx.membershipOf(db, principal.userId, today);
    const exceptions = membership ? (await this.ctx.exceptionsOf(db, [membership.teamId], today, today)).get(membership.teamId) ?? [] : [];
    const rota = membership ? (membership.memberRota ?? membership.teamRota) : defaultRota(settings);
    const shift = shiftOn(today, rota, exceptions, cal, membership?.memberId ?? null);
    const leave = await db.selectFrom('leave_requests').select('id').where('user_id', '=', principal.userId).where('status', '=', 'approved')
      .where('from_date', '<=', today).where('to_date', '>=', today).executeTakeFirst();
    const from = dayStart(cal, today);
    const last = await db.selectFrom('clock_records').select(['kind', 'at']).where('user_id', '=', principal.userId)
      .where('at', '>=', from).where('at', '<', from + DAY_MS).orderBy('at', 'desc').executeTakeFirst();
    const active = await this.patrols.active(db, principal.userId);
    return {
      userId: principal.userId,
      displayName: principal.displayName,
      grids,
      team: membership
        ? { id: membership.teamId, name: membership.teamName, communityCode: membership.communityCode, role: membership.roleCode, roleName: membership.roleName }
        : null,
      clockToleranceM: settings.clockToleranceM,
      onLeaveToday: leave !== undefined,
      shiftToday: shiftText(shift),
      clockedIn: last && last.kind === 'in' ? { at: toIso(Number(last.at))! } : null,
      activePatrol: active ? { id: active.client_id, startedAt: toIso(Number(active.started_at))! } : null,
    };
  }

  // ---- attendance -------------------------------------------------------------------

  /**
   * Team members with an account in the caller's scope (and under `grid`,
   * a street or community code, when given) who were members at some time
   * between the two dates.
   */
  async workers(db: Kysely<Database>, scopes: readonly Scope[] | null, filter: { grid?: string | undefined; userId?: number | undefined }, from: string, to: string): Promise<AttendanceWorker[]> {
    if (scopes !== null && scopes.length === 0) return [];
    let q = db.selectFrom('team_members')
      .innerJoin('teams', 'teams.id', 'team_members.team_id')
      .innerJoin('users', 'users.id', 'team_members.user_id')
      .innerJoin('team_roles', 'team_roles.code', 'team_members.role_code')
      .select([
        'team_members.id as member_id', 'team_members.user_id', 'team_members.from_date', 'team_members.to_date', 'team_members.rota as member_rota',
        'teams.id as team_id', 'teams.name as team_name', 'teams.community_code', 'teams.rota as team_rota', 'users.display_name', 'team_roles.name as role_name',
      ])
      .where('team_members.from_date', '<=', to)
      .where((eb) => eb.or([eb('team_members.to_date', 'is', null), eb('team_members.to_date', '>=', from)]));
    if (scopes !== null) q = q.where((eb) => scopeFilter(eb, scopes, { grid: 'teams.community_code' }));
    if (filter.grid) q = q.where((eb) => scopeFilter(eb, [{ kind: 'grid', code: filter.grid! }], { grid: 'teams.community_code' }));
    if (filter.userId !== undefined) q = q.where('team_members.user_id', '=', filter.userId);
    const rows = await q.orderBy('teams.community_code').orderBy('team_members.id').execute();
    const codes = [...new Set(rows.flatMap((r) => [r.community_code, r.community_code.slice(0, 9)]))];
    const names = await this.gridNames(db, codes);
    const seen = new Set<number>();
    const out: AttendanceWorker[] = [];
    for (const r of rows) {
      const userId = Number(r.user_id);
      // A worker counted once (the first membership in the period).
      if (seen.has(userId)) continue;
      seen.add(userId);
      const teamRota = JSON.parse(r.team_rota) as Rota;
      out.push({
        userId, displayName: r.display_name, memberId: Number(r.member_id), teamId: Number(r.team_id), teamName: r.team_name, roleName: r.role_name,
        communityCode: r.community_code, communityName: names.get(r.community_code) ?? r.community_code,
        streetCode: r.community_code.slice(0, 9), streetName: names.get(r.community_code.slice(0, 9)) ?? r.community_code.slice(0, 9),
        fromDate: r.from_date, toDate: r.to_date, rota: r.member_rota ? (JSON.parse(r.member_rota) as Rota) : teamRota,
      });
    }
    return out;
  }

  private async gridNames(db: Kysely<Database>, codes: readonly string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows = await db.selectFrom('grids').select(['code', 'name']).where('code', 'in', [...codes]).execute();
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  /** Every worker's days between two dates (inclusive), each within the worker's membership. */
  async computeDays(db: Kysely<Database>, workers: readonly AttendanceWorker[], fromYmd: string, toYmd: string, now = Date.now()): Promise<WorkerDays[]> {
    const cal = await this.ctx.calendar();
    const settings = await this.ctx.settings();
    const from = dayStart(cal, fromYmd);
    const to = dayStart(cal, toYmd) + DAY_MS;
    const ids = workers.map((w) => w.userId);
    const clocks = await chunked(ids, (part) => db.selectFrom('clock_records').select(['user_id', 'kind', 'at'])
      .where('user_id', 'in', part).where('at', '>=', from).where('at', '<', to).execute());
    const patrols = await chunked(ids, (part) => db.selectFrom('patrols').select(['user_id', 'started_at', 'ended_at', 'last_point_at', 'distance_m'])
      .where('user_id', 'in', part).where('started_at', '>=', from).where('started_at', '<', to).execute());
    const cases = await chunked(ids, (part) => db.selectFrom('incidents').select(['reporter_user_id', 'reported_at'])
      .where('channel', '=', 'grid_worker').where('reported_at', '>=', from).where('reported_at', '<', to).where('reporter_user_id', 'in', part).execute());
    const leave = await chunked(ids, (part) => db.selectFrom('leave_requests').select(['user_id', 'from_date', 'to_date', 'status'])
      .where('user_id', 'in', part).where('status', 'in', ['approved', 'pending']).where('from_date', '<=', toYmd).where('to_date', '>=', fromYmd).execute());
    const exceptions = await this.ctx.exceptionsOf(db, [...new Set(workers.map((w) => w.teamId))], fromYmd, toYmd);

    const key = (userId: number, ymd: string) => `${userId}\u0000${ymd}`;
    const group = <T>(rows: readonly T[], user: (r: T) => number, at: (r: T) => number) => {
      const m = new Map<string, T[]>();
      for (const r of rows) {
        const k = key(user(r), localYmd(cal, at(r)));
        const list = m.get(k);
        if (list) list.push(r);
        else m.set(k, [r]);
      }
      return m;
    };
    const clocksBy = group(clocks, (r) => Number(r.user_id), (r) => Number(r.at));
    const patrolsBy = group(patrols, (r) => Number(r.user_id), (r) => Number(r.started_at));
    const casesBy = group(cases, (r) => Number(r.reporter_user_id), (r) => Number(r.reported_at));
    const leaveBy = new Map<number, typeof leave>();
    for (const l of leave) {
      const list = leaveBy.get(Number(l.user_id)) ?? [];
      list.push(l);
      leaveBy.set(Number(l.user_id), list);
    }
    const days: string[] = [];
    for (let d = from; d < to; d += DAY_MS) days.push(localYmd(cal, d));
    const rules = { lateGraceMinutes: settings.lateGraceMinutes, earlyLeaveGraceMinutes: settings.earlyLeaveGraceMinutes };
    return workers.map((w) => {
      const teamExceptions: RotaException[] = exceptions.get(w.teamId) ?? [];
      const own = leaveBy.get(w.userId) ?? [];
      const totals = emptyTotals();
      const out: DayRow[] = [];
      for (const ymd of days) {
        if (!dateWithin(ymd, w.fromDate, w.toDate)) continue;
        const covering = own.filter((l) => l.from_date <= ymd && l.to_date >= ymd);
        const leaveState = covering.some((l) => l.status === 'approved') ? 'approved' : covering.length > 0 ? 'pending' : null;
        const k = key(w.userId, ymd);
        const day = attendanceDay({
          dayStart: dayStart(cal, ymd),
          shift: shiftOn(ymd, w.rota, teamExceptions, cal, w.memberId),
          leave: leaveState,
          clocks: (clocksBy.get(k) ?? []).map((c): ClockEntry => ({ kind: c.kind, at: Number(c.at) })),
          patrols: (patrolsBy.get(k) ?? []).map((p): PatrolEntry => ({
            startedAt: Number(p.started_at), endedAt: p.ended_at === null ? null : Number(p.ended_at),
            lastPointAt: p.last_point_at === null ? null : Number(p.last_point_at), distanceM: Number(p.distance_m),
          })),
          casesReported: casesBy.get(k)?.length ?? 0,
          now,
        }, rules);
        addDay(totals, day);
        out.push(dayRow(ymd, day));
      }
      return { worker: w, days: out, totals: finishTotals(totals) };
    });
  }

  /** Every worker in scope on one day. */
  async day(principal: Principal, date: string, grid: string | undefined, now = Date.now()): Promise<{ date: string; rows: (DayRow & { worker: Omit<AttendanceWorker, 'rota'> })[]; counts: Record<string, number> }> {
    const workers = await this.workers(this.db.reader(principal.userId), principal.scopesFor('workforce.read'), { grid }, date, date);
    const computed = await this.computeDays(this.db.reader(principal.userId), workers, date, date, now);
    const rows = computed.flatMap((w) => w.days.map((d) => ({ ...d, worker: publicWorker(w.worker) })));
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.status] = (counts[r.status] ?? 0) + 1;
    return { date, rows, counts };
  }

  /** Month totals per worker, community and street, and overall. */
  async month(principal: Principal, month: string, grid: string | undefined, now = Date.now()): Promise<MonthReport & { detail: WorkerDays[] }> {
    const days = daysOfMonth(month);
    const workers = await this.workers(this.db.reader(principal.userId), principal.scopesFor('workforce.read'), { grid }, days[0]!, days[days.length - 1]!);
    const detail = await this.computeDays(this.db.reader(principal.userId), workers, days[0]!, days[days.length - 1]!, now);
    const groups = (pick: (w: AttendanceWorker) => { code: string; name: string }) => {
      const m = new Map<string, GroupTotals>();
      for (const w of detail) {
        const { code, name } = pick(w.worker);
        let g = m.get(code);
        if (!g) m.set(code, (g = { code, name, workers: 0, totals: emptyTotals() }));
        g.workers++;
        addTotals(g.totals, w.totals);
      }
      return [...m.values()].map((g) => ({ ...g, totals: finishTotals(g.totals) }));
    };
    const total = emptyTotals();
    for (const w of detail) addTotals(total, w.totals);
    return {
      month,
      workers: detail.map((w) => ({ worker: publicWorker(w.worker), totals: w.totals })),
      communities: groups((w) => ({ code: w.communityCode, name: w.communityName })),
      streets: groups((w) => ({ code: w.streetCode, name: w.streetName })),
      total: finishTotals(total),
      detail,
    };
  }

  /** One worker's month, day by day (the console calendar, and the worker's own view). */
  async workerMonth(principal: Principal, userId: number, month: string, own: boolean, now = Date.now()): Promise<{ month: string; worker: Omit<AttendanceWorker, 'rota'> | null; days: DayRow[]; totals: AttendanceTotals }> {
    if (!own) await this.ctx.assertWorkerVisible(principal, userId);
    const days = daysOfMonth(month);
    // A worker reading their own month needs no workforce.read: their own membership, unscoped.
    const workers = await this.workers(this.db.reader(principal.userId), own ? null : principal.scopesFor('workforce.read'), { userId }, days[0]!, days[days.length - 1]!);
    const w = workers[0];
    if (!w) return { month, worker: null, days: [], totals: finishTotals(emptyTotals()) };
    const [computed] = await this.computeDays(this.db.reader(principal.userId), [w], days[0]!, days[days.length - 1]!, now);
    return { month, worker: publicWorker(w), days: computed!.days, totals: computed!.totals };
  }

  /** Today's clock records of the caller (the app's home). */
  async ownClocks(principal: Principal, date: string): Promise<ClockView[]> {
    const cal = await this.ctx.calendar();
    const from = dayStart(cal, date);
    const rows = await this.db.reader(principal.userId).selectFrom('clock_records').selectAll().where('user_id', '=', principal.userId)
      .where('at', '>=', from).where('at', '<', from + DAY_MS).orderBy('at').execute();
    return rows.map(clockView);
  }
}

export function publicWorker(w: AttendanceWorker): Omit<AttendanceWorker, 'rota'> {
  const { rota: _rota, ...rest } = w;
  return rest;
}
