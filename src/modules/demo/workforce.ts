/**
 * The demo's workforce: a "1+4" team per community (the community's
 * full-time patrol worker with an account, four part-time members without
 * one; in the first community the demo `worker` account is the part-time
 * grid worker), leave, and for the last month up to `until` every rostered
 * day's clock-in and clock-out and patrols with their GPS tracks, walking
 * inside the worker's grids and passing each case the worker reported
 * during a patrol at the time it was reported (tracks.ts).
 *
 * Deterministic for (seed, until, interval, mode): each worker-day has its
 * own random stream. Written with multi-row INSERTs in batches of days, the
 * last day written kept in `demo_progress` ('workforce'; its counters hold
 * patrols and track points) in the same transaction, so an interrupted load
 * resumes; one audit record per batch.
 */
import { sql, type Kysely } from 'kysely';
import type { AppDb } from '../../database.js';
import { appendAudit, type AuditActor } from '../../infra/audit/audit.js';
import { bulkInsert } from '../../infra/db/insert.js';
import { createRandom, type Random } from '../grid/demo/random.js';
import { Locator } from '../grid/rules/locator.js';
import type { GridGeometry } from '../grid/rules/types.js';
import { ReferenceData } from '../incidents/reference.js';
import { dayNumberFromYmd, isWorkingDay, localYmd, ymdFromDayNumber, type WorkCalendar } from '../incidents/rules/calendar.js';
import { defaultRota } from '../workforce/context.js';
import { dayStart } from '../workforce/rules/dates.js';
import { toMicro } from '../workforce/rules/geo.js';
import { shiftOn, type Rota } from '../workforce/rules/rota.js';
import { filterTrack } from '../workforce/rules/track.js';
import { readSettings } from '../workforce/settings.js';
import { personName } from './staff.js';
import { demoUuid, walkPatrol, type Anchor, type WalkArea } from './tracks.js';

/** Bumped when the output changes (a finished load with another version is left as it is). */
export const WORKFORCE_DEMO_VERSION = 1;

export interface WorkforceDemoOptions {
  seed: number;
  /** Last local day with activity ('YYYY-MM-DD'). */
  until: string;
  /** Days of activity ending with `until` (default: the month up to it). */
  days?: number;
  /** A phone fix every this many ms (10 s: the app's rate on patrol). */
  intervalMs?: number;
  /** 'patrols': a morning and an afternoon patrol; 'duty': one patrol from clock-in to clock-out (the benchmark's "on duty"). */
  mode?: 'patrols' | 'duty';
  /** Benchmarks: every calendar day is a working day. */
  everyDay?: boolean;
  onProgress?: (p: { daysDone: number; daysTotal: number; points: number }) => void;
}

export interface WorkforceDemoResult {
  teams: number;
  patrols: number;
  points: number;
  skipped: boolean;
  seconds: number;
}

interface DemoWorker {
  userId: number;
  communityCode: string;
  memberId: number;
  area: WalkArea;
}

const PART_TIME_ROLES = ['grid_leader', 'part_time_worker', 'police_assistant', 'building_head'] as const;
const LEAVE_REASONS: Record<string, string[]> = {
  annual: ['年休假', '回老家探亲'], sick: ['感冒发烧', '肠胃不适，医院就诊'], personal: ['孩子家长会', '办理个人事务'], compensatory: ['加班调休'], other: ['参加培训'],
};
const PATROL_COLUMNS = [
  'id', 'client_id', 'user_id', 'grid_code', 'started_at', 'ended_at', 'end_reason', 'start_lng_e6', 'start_lat_e6', 'distance_m', 'point_count',
  'last_point_at', 'received_at', 'stop_received_at', 'updated_at',
] as const;
const POINT_COLUMNS = ['patrol_id', 'at', 'lng_e6', 'lat_e6', 'accuracy_m', 'received_at'] as const;
const CLOCK_COLUMNS = ['client_id', 'user_id', 'kind', 'at', 'lng_e6', 'lat_e6', 'accuracy_m', 'grid_code', 'distance_m', 'received_at'] as const;
const MINUTE = 60_000;
/** Rows of track points gathered before a batch is written. */
const BATCH_POINTS = 400_000;

/** The area under a grid code (a community or one unit grid) for walks, through the unit grid locator. */
export function areaOf(locator: Locator, units: readonly { code: string; box: [number, number, number, number] }[], prefix: string): WalkArea {
  const own = units.filter((u) => u.code.startsWith(prefix));
  return {
    inside: (lng, lat) => locator.locate(lng, lat)?.startsWith(prefix) ?? false,
    randomPoint(rng: Random): [number, number] {
      for (let i = 0; i < 200; i++) {
        const u = rng.pick(own);
        const lng = rng.range(u.box[0], u.box[2]);
        const lat = rng.range(u.box[1], u.box[3]);
        if (locator.locate(lng, lat) === u.code) return [lng, lat];
      }
      const u = own[0]!;
      return [(u.box[0] + u.box[2]) / 2, (u.box[1] + u.box[3]) / 2];
    },
  };
}

/** Loads (or resumes) the demo workforce; does nothing when it is finished. Needs the grid and the staff. */
export async function loadDemoWorkforce(db: AppDb, actor: AuditActor, options: WorkforceDemoOptions): Promise<WorkforceDemoResult> {
  const t0 = Date.now();
  const intervalMs = options.intervalMs ?? 10_000;
  const mode = options.mode ?? 'patrols';
  const lastDay = dayNumberFromYmd(options.until);
  const firstDay = options.days !== undefined ? lastDay - options.days + 1 : monthBefore(lastDay);
  const params = JSON.stringify({ seed: options.seed, from: ymdFromDayNumber(firstDay), until: options.until, intervalMs, mode, everyDay: options.everyDay ?? false, version: WORKFORCE_DEMO_VERSION });
  const progress = await db.primary.selectFrom('demo_progress').selectAll().where('name', '=', 'workforce').executeTakeFirst();
  if (progress && (progress.params !== params || Number(progress.finished) === 1)) {
    // Loaded before (with these or other parameters): the demo keeps what it has.
    return { teams: 0, patrols: Number(progress.incidents), points: Number(progress.events), skipped: true, seconds: 0 };
  }
  const cal = (await new ReferenceData(db).get()).calendar;
  const calendar: WorkCalendar = options.everyDay ? { ...cal, weekendDays: new Set(), holidayDays: new Set() } : cal;
  const settingsRow = await db.primary.selectFrom('workforce_settings').select('settings').where('id', '=', 1).executeTakeFirst();
  const usual = defaultRota(readSettings(settingsRow?.settings));
  const rota: Rota = options.everyDay ? { weekly: usual.weekly.map(() => usual.weekly[1]!), followCalendar: false } : usual;
  const gridRows = await db.primary.selectFrom('grids').select(['code', 'level', 'name', 'parent_code', 'geometry', 'min_lng', 'min_lat', 'max_lng', 'max_lat']).where('status', '=', 'active').orderBy('code').execute();
  const unitRows = gridRows.filter((g) => g.level === 'unit');
  const locator = new Locator(unitRows.map((r) => ({ code: r.code, geometry: JSON.parse(r.geometry) as GridGeometry })));
  const units = unitRows.map((u) => ({ code: u.code, box: [Number(u.min_lng), Number(u.min_lat), Number(u.max_lng), Number(u.max_lat)] as [number, number, number, number] }));
  const fromYmd = ymdFromDayNumber(firstDay);

  const from = dayStart(cal, fromYmd);
  const to = dayStart(cal, options.until) + 86_400_000;
  const cases = await db.primary.selectFrom('incidents').select(['reporter_user_id', 'reported_at', 'lng', 'lat'])
    .where('channel', '=', 'grid_worker').where('reported_at', '>=', from).where('reported_at', '<', to).where('lng', 'is not', null).execute();
  const anchorsOf = new Map<string, Anchor[]>();
  for (const c of cases) {
    const key = `${c.reporter_user_id}:${localYmd(cal, Number(c.reported_at))}`;
    const list = anchorsOf.get(key) ?? [];
    list.push({ at: Number(c.reported_at), lng: Number(c.lng), lat: Number(c.lat) });
    anchorsOf.set(key, list);
  }
  let created = 0;
  if (!progress) {
    const busy = (userId: number, ymd: string) => anchorsOf.has(`${userId}:${ymd}`);
    created = await createTeams(db, actor, { seed: options.seed, fromYmd, untilYmd: options.until, rota, gridRows, calendar, busy });
    await db.primary.insertInto('demo_progress').values({ name: 'workforce', params, last_day: null, incidents: 0, events: 0, finished: 0, updated_at: Date.now() }).execute();
  }
  const members = await db.primary.selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['team_members.id', 'team_members.user_id', 'teams.community_code'])
    .where('team_members.user_id', 'is not', null)
    .where('team_members.to_date', 'is', null)
    .orderBy('team_members.id')
    .execute();
  const workerGrids = await db.primary.selectFrom('grid_workers').select(['user_id', 'grid_code']).where('to_date', 'is', null).where('user_id', 'in', members.length > 0 ? members.map((m) => m.user_id!) : [0]).execute();
  const workers: DemoWorker[] = members.map((m) => {
    const own = workerGrids.filter((g) => g.user_id === m.user_id).map((g) => g.grid_code);
    // One unit grid (the demo `worker`) or the whole community.
    const prefix = own.length === 1 ? own[0]! : m.community_code;
    return { userId: m.user_id!, communityCode: m.community_code, memberId: m.id, area: areaOf(locator, units, prefix) };
  });
  const leave = await db.primary.selectFrom('leave_requests').select(['user_id', 'from_date', 'to_date']).where('status', '=', 'approved').execute();
  const onLeave = (userId: number, ymd: string) => leave.some((l) => Number(l.user_id) === userId && l.from_date <= ymd && l.to_date >= ymd);

  const sqlite = db.dialect === 'sqlite';
  if (sqlite) {
    await sql`pragma synchronous = OFF`.execute(db.primary);
    await sql`pragma cache_size = -262144`.execute(db.primary);
  }
  let patrolCount = Number(progress?.incidents ?? 0);
  let pointCount = Number(progress?.events ?? 0);
  const startDay = progress?.last_day ? dayNumberFromYmd(progress.last_day) + 1 : firstDay;
  let nextPatrolId = Number((await db.primary.selectFrom('patrols').select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0) + 1;
  const daysTotal = lastDay - firstDay + 1;
  try {
    let batch = { patrols: [] as unknown[][], points: [] as unknown[][], clocks: [] as unknown[][], firstDay: '', lastDay: '' };
    const flush = async (finished: boolean) => {
      const b = batch;
      batch = { patrols: [], points: [], clocks: [], firstDay: '', lastDay: '' };
      await db.transaction(async (tx) => {
        const k = tx as unknown as Kysely<unknown>;
        await bulkInsert(k, 'patrols', PATROL_COLUMNS, b.patrols);
        await bulkInsert(k, 'track_points', POINT_COLUMNS, b.points);
        await bulkInsert(k, 'clock_records', CLOCK_COLUMNS, b.clocks);
        await tx.updateTable('demo_progress').set({
          ...(b.lastDay ? { last_day: b.lastDay } : {}), incidents: patrolCount + b.patrols.length, events: pointCount + b.points.length,
          finished: finished ? 1 : 0, updated_at: Date.now(),
        }).where('name', '=', 'workforce').execute();
        if (b.patrols.length > 0 || b.clocks.length > 0) {
          await appendAudit(tx, actor, { action: 'demo.workforce', details: { from: b.firstDay, to: b.lastDay, patrols: b.patrols.length, points: b.points.length, clocks: b.clocks.length } });
        }
      });
      patrolCount += b.patrols.length;
      pointCount += b.points.length;
    };
    for (let day = startDay; day <= lastDay; day++) {
      const ymd = ymdFromDayNumber(day);
      const midnight = dayStart(cal, ymd);
      for (const w of workers) {
        const shift = shiftOn(ymd, rota, [], calendar);
        if (!shift || onLeave(w.userId, ymd)) continue;
        const rng = createRandom(`workforce:${options.seed}:${w.userId}:${ymd}`);
        const anchors = anchorsOf.get(`${w.userId}:${ymd}`) ?? [];
        const start = midnight + shift.start * MINUTE;
        const end = midnight + shift.end * MINUTE;
        const busy = anchors.some((a) => a.at >= start && a.at < end);
        if (!busy && rng.next() < 0.02) continue;
        const late = rng.next() < 0.07;
        const clockIn = late ? start + rng.int(6, 40) * MINUTE : start - rng.int(3, 25) * MINUTE;
        const early = rng.next() < 0.04;
        const missingOut = !early && rng.next() < 0.02;
        const clockOut = early ? end - rng.int(10, 60) * MINUTE : end + rng.int(0, 25) * MINUTE;
        const windows: [number, number][] = mode === 'duty'
          ? [[clockIn + rng.int(0, 60_000), clockOut]]
          : [
            [Math.max(clockIn, start) + rng.int(10, 30) * MINUTE, midnight + (11 * 60 + 30) * MINUTE + rng.int(-15, 15) * MINUTE],
            [midnight + (14 * 60 + 30) * MINUTE + rng.int(0, 20) * MINUTE, Math.min(clockOut, end) - rng.int(5, 20) * MINUTE],
          ];
        const inPoint = w.area.randomPoint(rng);
        const grid = locator.locate(inPoint[0], inPoint[1]) ?? w.communityCode;
        const clock = (kind: 'in' | 'out', at: number, p: [number, number]) =>
          batch.clocks.push([demoUuid(rng), w.userId, kind, at, toMicro(p[0]), toMicro(p[1]), rng.int(5, 20), grid, 0, at + rng.int(1, 20) * 1000]);
        clock('in', clockIn, inPoint);
        for (const [s, e] of windows) {
          if (e - s < 20 * MINUTE) continue;
          const walk = walkPatrol(rng, w.area, s, e, anchors, { intervalMs });
          if (walk.points.length === 0) continue;
          const id = nextPatrolId++;
          const filtered = filterTrack(walk.points);
          const offline = rng.next() < 0.05;
          const first = walk.points[0]!;
          const last = walk.points[walk.points.length - 1]!;
          batch.patrols.push([
            id, demoUuid(rng), w.userId, locator.locate(first.lng, first.lat) ?? grid, s, e, 'worker', toMicro(first.lng), toMicro(first.lat),
            Math.round(filtered.distanceM * 10) / 10, walk.points.length, last.at, s + rng.int(1, 5) * 1000, e + rng.int(1, 30) * 1000, e,
          ]);
          for (const p of walk.points) {
            batch.points.push([id, p.at, toMicro(p.lng), toMicro(p.lat), p.accuracyM, offline ? e + rng.int(5, 300) * 1000 : p.at + rng.int(1, 40) * 1000]);
          }
        }
        if (!missingOut) clock('out', clockOut, w.area.randomPoint(rng));
      }
      if (!batch.firstDay) batch.firstDay = ymd;
      batch.lastDay = ymd;
      if (batch.points.length >= BATCH_POINTS) await flush(false);
      options.onProgress?.({ daysDone: day - firstDay + 1, daysTotal, points: pointCount + batch.points.length });
    }
    await flush(true);
  } finally {
    if (sqlite) {
      await sql`pragma synchronous = FULL`.execute(db.primary);
      await sql`pragma cache_size = -65536`.execute(db.primary);
    }
  }
  return { teams: created, patrols: patrolCount, points: pointCount, skipped: false, seconds: (Date.now() - t0) / 1000 };
}

/** The first day of the month of days ending with `last` (the same day number a month before, plus one). */
function monthBefore(last: number): number {
  const [y, m, d] = ymdFromDayNumber(last).split('-').map(Number) as [number, number, number];
  return Math.floor(Date.UTC(y, m - 2, d + 1) / 86_400_000);
}

/**
 * Teams for every community whose full-time worker exists (staff.ts), with
 * four part-time members without accounts, the demo `worker` as the first
 * community's part-time grid worker, and some leave.
 */
async function createTeams(
  db: AppDb, actor: AuditActor,
  o: {
    seed: number; fromYmd: string; untilYmd: string; rota: Rota; calendar: WorkCalendar;
    gridRows: { code: string; level: string; name: string; parent_code: string | null }[];
    /** Whether the worker reported a case that day (no leave then). */
    busy: (userId: number, ymd: string) => boolean;
  },
): Promise<number> {
  const existing = await db.primary.selectFrom('teams').select('community_code').execute();
  const taken = new Set(existing.map((t) => t.community_code));
  const fullTime = await db.primary.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
    .select(['role_assignments.user_id', 'role_assignments.scope_code', 'users.username'])
    .where('role_assignments.role_code', '=', 'grid_worker').where('role_assignments.scope_kind', '=', 'grid').where('users.username', 'like', 'gw%')
    .orderBy('role_assignments.user_id').execute();
  const byCommunity = new Map<string, number>();
  for (const f of fullTime) if (f.scope_code.length === 12 && !byCommunity.has(f.scope_code)) byCommunity.set(f.scope_code, f.user_id);
  const demoWorker = await db.primary.selectFrom('users').innerJoin('grid_workers', 'grid_workers.user_id', 'users.id')
    .select(['users.id', 'grid_workers.grid_code']).where('users.username', '=', 'worker').where('grid_workers.to_date', 'is', null).executeTakeFirst();
  const communities = o.gridRows.filter((g) => g.level === 'community' && byCommunity.has(g.code) && !taken.has(g.code));
  // Leave is decided by the street command centre (staff.ts: st<street>-1), or the demo administrator.
  const deciders = new Map((await db.primary.selectFrom('users').select(['id', 'username']).where('username', 'like', 'st%-1').execute()).map((u) => [u.username, u.id]));
  const admin = (await db.primary.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirst())?.id ?? null;
  if (communities.length === 0) return 0;
  const rng = createRandom(`workforce-teams:${o.seed}`);
  const now = Date.now();
  const rotaJson = JSON.stringify(o.rota);
  await db.transaction(async (tx) => {
    const k = tx as unknown as Kysely<unknown>;
    const maxId = async (table: 'teams' | 'team_members') => Number((await tx.selectFrom(table).select((eb) => eb.fn.max('id').as('m')).executeTakeFirst())?.m ?? 0);
    let teamId = await maxId('teams');
    let memberId = await maxId('team_members');
    const teams: unknown[][] = [];
    const members: unknown[][] = [];
    const gridRows: unknown[][] = [];
    const leave: unknown[][] = [];
    const firstDay = dayNumberFromYmd(o.fromYmd);
    const lastDay = dayNumberFromYmd(o.untilYmd);
    for (const c of communities) {
      teamId++;
      teams.push([teamId, c.code, `${c.name}网格队伍`, rotaJson, now, now, 1]);
      const units = o.gridRows.filter((g) => g.parent_code === c.code).map((g) => g.code);
      const full = byCommunity.get(c.code)!;
      memberId++;
      members.push([memberId, teamId, full, '', 'full_time_worker', null, o.fromYmd, null, now, now, 1]);
      // The full-time worker's grid rows exist already (staff); leave some of their past month off.
      const decider = deciders.get(`st${c.code.slice(6, 9)}-1`) ?? admin ?? full;
      leaveFor(rng, leave, { userId: full, teamId, community: c.code, decider }, firstDay, lastDay, o.calendar, (ymd) => o.busy(full, ymd), now);
      for (const role of PART_TIME_ROLES) {
        memberId++;
        if (role === 'part_time_worker' && demoWorker && demoWorker.grid_code.startsWith(c.code)) {
          members.push([memberId, teamId, demoWorker.id, '', role, null, o.fromYmd, null, now, now, 1]);
          continue;
        }
        members.push([memberId, teamId, null, personName(rng), role, null, o.fromYmd, null, now, now, 1]);
        // The grid leader oversees every unit grid; the others one or two.
        const own = role === 'grid_leader' ? units : rng.shuffle([...units]).slice(0, Math.min(units.length, rng.int(1, 2)));
        for (const g of own) gridRows.push([g, null, memberId, 'part_time', o.fromYmd, null, now, now]);
      }
    }
    await bulkInsert(k, 'teams', ['id', 'community_code', 'name', 'rota', 'created_at', 'updated_at', 'version'], teams);
    await bulkInsert(k, 'team_members', ['id', 'team_id', 'user_id', 'name', 'role_code', 'rota', 'from_date', 'to_date', 'created_at', 'updated_at', 'version'], members);
    await bulkInsert(k, 'grid_workers', ['grid_code', 'user_id', 'member_id', 'role', 'from_date', 'to_date', 'created_at', 'updated_at'], gridRows);
    await bulkInsert(k, 'leave_requests', [
      'client_id', 'user_id', 'team_id', 'community_code', 'kind', 'from_date', 'to_date', 'reason', 'status', 'requested_by', 'requested_at',
      'decided_by', 'decided_at', 'decision_note', 'updated_at', 'version',
    ], leave);
    if (demoWorker) {
      // The demo worker was assigned today by the demo accounts; their month of activity needs the assignment from its start.
      await tx.updateTable('grid_workers').set({ from_date: o.fromYmd }).where('user_id', '=', demoWorker.id).where('from_date', '>', o.fromYmd).execute();
    }
    await appendAudit(tx, actor, { action: 'demo.teams', details: { teams: teams.length, members: members.length, leave: leave.length } }, now);
  });
  return communities.length;
}

/** A worker's leave in the period: now and then an approved block of working days, sometimes a request still pending or refused. */
function leaveFor(
  rng: Random, out: unknown[][], who: { userId: number; teamId: number; community: string; decider: number },
  firstDay: number, lastDay: number, cal: WorkCalendar, busy: (ymd: string) => boolean, now: number,
): void {
  const free = (d: number) => isWorkingDay(cal, ymdFromDayNumber(d)) && !busy(ymdFromDayNumber(d));
  const add = (status: 'approved' | 'pending' | 'refused', from: number, days: number): void => {
    let to = from;
    for (let n = 1; n < days && to < lastDay && free(to + 1); n++) to++;
    const kind = rng.pick(['annual', 'sick', 'personal', 'compensatory', 'other']);
    out.push([
      demoUuid(rng), who.userId, who.teamId, who.community, kind, ymdFromDayNumber(from), ymdFromDayNumber(to), rng.pick(LEAVE_REASONS[kind]!), status, who.userId,
      dayStart(cal, ymdFromDayNumber(from)) - rng.int(1, 5) * 86_400_000, status === 'pending' ? null : who.decider, status === 'pending' ? null : now,
      status === 'refused' ? '近期任务较重，请调整时间' : null, now, status === 'pending' ? 1 : 2,
    ]);
  };
  const roll = rng.next();
  if (roll < 0.3) {
    // Approved leave only on days the worker reported nothing (the demo's cases are theirs): often none in a month.
    for (let i = 0; i < 20; i++) {
      const d = rng.int(firstDay, lastDay);
      if (free(d)) return add('approved', d, rng.int(1, 3));
    }
  } else if (roll < 0.36) {
    add('refused', rng.int(firstDay, lastDay), 1);
  } else if (roll < 0.45) {
    add('pending', rng.int(Math.max(firstDay, lastDay - 6), lastDay), 1);
  }
}
