/**
 * The workforce API. The worker's phone app (docs/workforce.md, "API"):
 * /api/workforce/me, patrols and their points, clock records. The console:
 * a worker's day (patrols, track replay) and attendance.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { DAY_STATUSES } from './rules/attendance.js';
import { todayYmd } from './rules/dates.js';
import { ClientId, ErrorBody, GridPrefix, Iso, MonthZ, YmdZ } from './schemas.js';
import { attendanceFileName, attendanceWorkbook } from './export.js';
import type { Workforce } from './service.js';

const TAGS = ['workforce'];

const Crs = z.enum(['wgs84', 'gcj02', 'bd09']);
const Position = z.object({
  lng: z.number().min(-180).max(180),
  lat: z.number().min(-90).max(90),
  accuracyM: z.number().min(0).max(100_000).optional(),
  crs: Crs.optional(),
});
const TrackPointZ = Position.extend({ at: Iso });

const Patrol = z.object({
  id: z.string(),
  userId: z.number(),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  distanceM: z.number(),
  durationS: z.number().nullable(),
  pointCount: z.number(),
  endReason: z.enum(['worker', 'auto']).nullable(),
  gridCode: z.string(),
});

const Me = z.object({
  userId: z.number(),
  displayName: z.string(),
  grids: z.array(z.object({ code: z.string(), name: z.string(), level: z.string() })),
  team: z.object({ id: z.number(), name: z.string(), communityCode: z.string(), role: z.string(), roleName: z.string() }).nullable(),
  clockToleranceM: z.number(),
  onLeaveToday: z.boolean(),
  shiftToday: z.object({ start: z.string(), end: z.string() }).nullable(),
  clockedIn: z.object({ at: z.string() }).nullable(),
  activePatrol: z.object({ id: z.string(), startedAt: z.string() }).nullable(),
});

const Clock = z.object({ id: z.string(), kind: z.enum(['in', 'out']), at: z.string(), gridCode: z.string(), distanceM: z.number(), receivedAt: z.string() });

const DayTrack = z.object({
  userId: z.number(),
  displayName: z.string(),
  date: z.string(),
  patrols: z.array(Patrol),
  track: z.object({
    type: z.literal('FeatureCollection'),
    features: z.array(z.object({
      type: z.literal('Feature'),
      properties: z.object({
        patrolId: z.string(), startedAt: z.string(), endedAt: z.string().nullable(), distanceM: z.number(),
        times: z.array(z.string()).describe('the time of each vertex'), droppedPoints: z.number().describe('points the jump filter left out'),
      }),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(z.tuple([z.number(), z.number()])) }),
    })),
  }),
  incidents: z.array(z.object({
    id: z.number(), code: z.string(), lng: z.number(), lat: z.number(), reportedAt: z.string(), categoryCode: z.string().nullable(), status: z.string(), description: z.string(),
  })),
  clocks: z.array(z.object({ id: z.string(), kind: z.enum(['in', 'out']), at: z.string(), lng: z.number(), lat: z.number(), gridCode: z.string(), distanceM: z.number() })),
  gridCodes: z.array(z.string()),
});

const Totals = z.object({
  rosteredDays: z.number(), onTimeDays: z.number(), lateDays: z.number(), earlyLeaveDays: z.number(), absentDays: z.number(), leaveDays: z.number(),
  pendingDays: z.number(), missingOutDays: z.number(), lateMinutes: z.number(), patrolCount: z.number(), patrolSeconds: z.number(), distanceM: z.number(),
  casesReported: z.number(), attendanceRate: z.number().nullable(),
});
const Worker = z.object({
  userId: z.number(), displayName: z.string(), memberId: z.number(), teamId: z.number(), teamName: z.string(), roleName: z.string(),
  communityCode: z.string(), communityName: z.string(), streetCode: z.string(), streetName: z.string(), fromDate: z.string(), toDate: z.string().nullable(),
});
const DayRowZ = z.object({
  date: z.string(),
  status: z.enum(DAY_STATUSES as unknown as [string, ...string[]]),
  shift: z.object({ start: z.string(), end: z.string() }).nullable(),
  leave: z.enum(['approved', 'pending']).nullable(),
  firstIn: z.string().nullable(),
  lastOut: z.string().nullable(),
  lateMinutes: z.number(),
  earlyLeaveMinutes: z.number(),
  missingOut: z.boolean(),
  patrolCount: z.number(),
  patrolSeconds: z.number(),
  distanceM: z.number(),
  casesReported: z.number(),
});
const Group = z.object({ code: z.string(), name: z.string(), workers: z.number(), totals: Totals });

function ms(iso: string): number {
  return Date.parse(iso);
}

export async function workforceRoutes(app: FastifyInstance, deps: { workforce: Workforce }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { patrols, attendance, context } = deps.workforce;
  const patrol = permission('workforce.patrol');
  const read = permission('workforce.read');

  // ---- the worker's app -----------------------------------------------------

  r.get('/api/workforce/me', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'The worker\'s own context: grids, team, tolerance, leave and shift today, clock and patrol state (403 without a grid)',
      response: { 200: Me, 403: ErrorBody },
    },
  }, async (request) => attendance.me(requirePrincipal(request)));

  r.post('/api/patrols', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'Start a patrol (201; the same id and content again: 200 with the patrol; 409 PATROL_ALREADY_ACTIVE)',
      body: z.object({ id: ClientId, startedAt: Iso, position: Position.optional() }),
      response: { 200: Patrol, 201: Patrol, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const b = request.body;
    const result = await patrols.start(requirePrincipal(request), actorOf(request), { id: b.id, startedAt: ms(b.startedAt), position: b.position });
    return reply.status(result.status).send(result.patrol);
  });

  r.post('/api/patrols/:id/points', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'Add GPS points to one of the caller\'s patrols (1..500; a point is keyed by its time, so re-sending is harmless; late points are fine while inside the patrol\'s time)',
      params: z.object({ id: ClientId }),
      body: z.object({ points: z.array(TrackPointZ).min(1).max(500) }),
      response: {
        200: z.object({ accepted: z.number(), duplicates: z.number(), outOfRange: z.number().describe('points timed outside the patrol (not stored)') }),
        400: ErrorBody, 404: ErrorBody,
      },
    },
  }, async (request) => patrols.addPoints(
    requirePrincipal(request), actorOf(request), request.params.id,
    request.body.points.map((p) => ({ at: ms(p.at), lng: p.lng, lat: p.lat, accuracyM: p.accuracyM, crs: p.crs })),
  ));

  r.post('/api/patrols/:id/stop', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'Stop one of the caller\'s patrols (again with the same endedAt: 200 the same; another endedAt: 409 PATROL_ALREADY_STOPPED)',
      params: z.object({ id: ClientId }),
      body: z.object({ endedAt: Iso }),
      response: { 200: Patrol, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => patrols.stop(requirePrincipal(request), actorOf(request), request.params.id, ms(request.body.endedAt)));

  r.get('/api/patrols/mine', {
    config: { policy: patrol },
    schema: { tags: TAGS, summary: 'The caller\'s own patrols of a day', querystring: z.object({ date: YmdZ }), response: { 200: z.object({ patrols: z.array(Patrol) }) } },
  }, async (request) => {
    const p = requirePrincipal(request);
    return { patrols: await patrols.listDay(p, p.userId, request.query.date, true) };
  });

  r.post('/api/attendance/clock', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'Clock in or out (打卡) inside or within the tolerance of one of the caller\'s grids (422 CLOCK_OUTSIDE_GRID otherwise)',
      body: z.object({ id: ClientId, kind: z.enum(['in', 'out']), at: Iso, position: Position }),
      response: { 200: Clock, 201: Clock, 400: ErrorBody, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const b = request.body;
    const result = await attendance.clock(requirePrincipal(request), actorOf(request), { id: b.id, kind: b.kind, at: ms(b.at), position: b.position });
    return reply.status(result.status).send(result.record);
  });

  r.get('/api/attendance/mine', {
    config: { policy: patrol },
    schema: {
      tags: TAGS,
      summary: 'The caller\'s own attendance of a month, day by day, and today\'s clock records',
      querystring: z.object({ month: MonthZ }),
      response: { 200: z.object({ month: z.string(), worker: Worker.nullable(), days: z.array(DayRowZ), totals: Totals, clocksToday: z.array(Clock) }) },
    },
  }, async (request) => {
    const p = requirePrincipal(request);
    const month = await attendance.workerMonth(p, p.userId, request.query.month, true);
    const cal = await context.calendar();
    return { ...month, clocksToday: await attendance.ownClocks(p, todayYmd(cal, Date.now())) };
  });

  // ---- the console -------------------------------------------------------------

  const WorkerDay = z.object({ userId: z.coerce.number().int().positive(), date: YmdZ });

  r.get('/api/patrols', {
    config: { policy: read },
    schema: { tags: TAGS, summary: 'A worker\'s patrols of a day', querystring: WorkerDay, response: { 200: z.object({ patrols: z.array(Patrol) }), 404: ErrorBody } },
  }, async (request) => ({ patrols: await patrols.listDay(requirePrincipal(request), request.query.userId, request.query.date) }));

  r.get('/api/patrols/track', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'A worker\'s day for the replay: patrols, the track (one LineString per patrol with per-vertex times), reported cases and clock records',
      querystring: WorkerDay,
      response: { 200: DayTrack, 404: ErrorBody },
    },
  }, async (request) => patrols.dayTrack(requirePrincipal(request), request.query.userId, request.query.date));

  r.get('/api/attendance/day', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'Attendance of every worker in scope on one day',
      querystring: z.object({ date: YmdZ, grid: GridPrefix.optional() }),
      response: { 200: z.object({ date: z.string(), rows: z.array(DayRowZ.extend({ worker: Worker })), counts: z.record(z.string(), z.number()) }) },
    },
  }, async (request) => attendance.day(requirePrincipal(request), request.query.date, request.query.grid));

  r.get('/api/attendance/month', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'Month totals per worker, community and street in scope',
      querystring: z.object({ month: MonthZ, grid: GridPrefix.optional() }),
      response: {
        200: z.object({
          month: z.string(),
          workers: z.array(z.object({ worker: Worker, totals: Totals })),
          communities: z.array(Group),
          streets: z.array(Group),
          total: Totals,
        }),
      },
    },
  }, async (request) => {
    const { detail: _detail, ...report } = await attendance.month(requirePrincipal(request), request.query.month, request.query.grid);
    return report;
  });

  r.get('/api/attendance/worker', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'One worker\'s month, day by day',
      querystring: z.object({ userId: z.coerce.number().int().positive(), month: MonthZ }),
      response: { 200: z.object({ month: z.string(), worker: Worker.nullable(), days: z.array(DayRowZ), totals: Totals }), 404: ErrorBody },
    },
  }, async (request) => attendance.workerMonth(requirePrincipal(request), request.query.userId, request.query.month, false));

  r.get('/api/attendance/export', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'The month as an XLSX workbook (Chinese headers and names): per worker, community, street, and every worker-day',
      querystring: z.object({ month: MonthZ, grid: GridPrefix.optional() }),
    },
  }, async (request, reply) => {
    const report = await attendance.month(requirePrincipal(request), request.query.month, request.query.grid);
    const name = attendanceFileName(request.query.month, Date.now());
    return reply
      .header('content-type', XLSX_MIME)
      .header('content-disposition', `attachment; filename="${name.ascii}"; filename*=UTF-8''${encodeURIComponent(name.utf8)}`)
      .send(await attendanceWorkbook(report));
  });
}

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
