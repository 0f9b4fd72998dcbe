/**
 * The console's workforce administration: teams and members, team roles,
 * the rota and its exceptions, leave, settings, and the worker picker.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { LEAVE_KINDS, LEAVE_STATUSES } from './leave.js';
import { daysOfMonth, todayYmd } from './rules/dates.js';
import { ClientId, ErrorBody, GridPrefix, YmdZ } from './schemas.js';
import type { Workforce } from './service.js';
import { SettingsSchema } from './settings.js';

const TAGS = ['workforce'];
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const MemberParams = IdParams.extend({ memberId: z.coerce.number().int().positive() });
const version = z.number().int().positive();
const ShiftText = z.object({ start: z.string().regex(/^\d{2}:\d{2}$/), end: z.string().regex(/^\d{2}:\d{2}$/) });
const RotaText = z.object({
  weekly: z.array(ShiftText.nullable()).length(7).describe('Sunday first; null is a day off'),
  followCalendar: z.boolean().describe('holidays off and swapped working weekends on, from the working-time calendar'),
});
const Role = z.object({ code: z.string(), name: z.string(), nameEn: z.string(), kind: z.enum(['full_time', 'part_time']), sort: z.number(), status: z.enum(['active', 'retired']) });
const TeamSummary = z.object({
  id: z.number(), name: z.string(), communityCode: z.string(), communityName: z.string(), streetCode: z.string(), streetName: z.string(),
  fullTime: z.number(), partTime: z.number(), complete: z.boolean(), fullTimeNames: z.array(z.string()), version: z.number(),
});
const Member = z.object({
  id: z.number(), userId: z.number().nullable(), username: z.string().nullable(), name: z.string(), roleCode: z.string(), roleName: z.string(),
  kind: z.enum(['full_time', 'part_time']), grids: z.array(z.object({ code: z.string(), name: z.string() })), rota: RotaText.nullable(),
  fromDate: z.string(), toDate: z.string().nullable(), version: z.number(),
});
const TeamDetail = TeamSummary.extend({ rota: RotaText, members: z.array(Member), target: z.object({ fullTime: z.number(), partTime: z.number() }) });
const Exception = z.object({ id: z.number(), memberId: z.number().nullable(), memberName: z.string().nullable(), date: z.string(), shift: ShiftText.nullable(), note: z.string() });
const Leave = z.object({
  id: z.number(), clientId: z.string(), userId: z.number(), userName: z.string(), teamId: z.number(), teamName: z.string(), communityCode: z.string(),
  communityName: z.string(), kind: z.enum(LEAVE_KINDS as unknown as [string, ...string[]]), fromDate: z.string(), toDate: z.string(), days: z.number(),
  reason: z.string(), status: z.enum(LEAVE_STATUSES as unknown as [string, ...string[]]), requestedBy: z.string(), requestedAt: z.string(),
  decidedBy: z.string().nullable(), decidedAt: z.string().nullable(), decisionNote: z.string().nullable(), version: z.number(),
});
const LeaveBody = z.object({
  id: ClientId,
  kind: z.enum(LEAVE_KINDS as unknown as [string, ...string[]]),
  fromDate: YmdZ,
  toDate: YmdZ,
  reason: z.string().trim().min(1).max(500),
});

export async function teamRoutes(app: FastifyInstance, deps: { workforce: Workforce }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { teams, leave, context } = deps.workforce;
  const read = permission('workforce.read');
  const manage = permission('workforce.manage');
  const configure = permission('workforce.configure');

  // ---- settings and roles ----
  r.get('/api/workforce/settings', {
    config: { policy: read },
    schema: { tags: TAGS, summary: 'Attendance and track settings', response: { 200: z.object({ settings: SettingsSchema, version: z.number() }) } },
  }, async () => teams.settingsWithVersion());

  r.put('/api/workforce/settings', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Replace the settings (district-wide: needs workforce.configure at the district)',
      body: z.object({ settings: SettingsSchema, version }),
      response: { 200: z.object({ settings: SettingsSchema, version: z.number() }), 403: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => teams.saveSettings(requirePrincipal(request), actorOf(request), request.body.settings, request.body.version));

  r.get('/api/team-roles', {
    config: { policy: read },
    schema: { tags: TAGS, summary: 'The roles a team member can hold', response: { 200: z.object({ items: z.array(Role) }) } },
  }, async () => ({ items: await teams.roles() }));

  r.put('/api/team-roles/:code', {
    config: { policy: configure },
    schema: {
      tags: TAGS,
      summary: 'Create or update a team role (retiring one that members hold: 409)',
      params: z.object({ code: z.string().regex(/^[a-z][a-z0-9_]{1,31}$/) }),
      body: Role.omit({ code: true }).extend({ name: z.string().trim().min(1).max(50), nameEn: z.string().trim().min(1).max(100), sort: z.number().int().min(0).max(10_000) }),
      response: { 200: Role, 403: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => teams.saveRole(requirePrincipal(request), actorOf(request), request.params.code, request.body));

  // ---- teams ----
  r.get('/api/teams', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'Teams in the caller scope, with their "1+4" shape',
      querystring: z.object({ grid: GridPrefix.optional(), q: z.string().max(50).optional() }),
      response: { 200: z.object({ items: z.array(TeamSummary) }) },
    },
  }, async (request) => ({ items: await teams.list(requirePrincipal(request), request.query) }));

  r.post('/api/teams', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'Create the team of a community grid (one per community)',
      body: z.object({ communityCode: z.string().regex(/^\d{12}$/), name: z.string().trim().max(100).optional() }),
      response: { 201: TeamDetail, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await teams.create(requirePrincipal(request), actorOf(request), request.body)));

  r.get('/api/teams/:id', {
    config: { policy: read },
    schema: { tags: TAGS, summary: 'A team with its members, their grids and the rota', params: IdParams, response: { 200: TeamDetail, 404: ErrorBody } },
  }, async (request) => teams.detail(requirePrincipal(request), request.params.id));

  r.patch('/api/teams/:id', {
    config: { policy: manage },
    schema: {
      tags: TAGS, summary: 'Rename a team', params: IdParams, body: z.object({ name: z.string().trim().min(1).max(100), version }),
      response: { 200: TeamDetail, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => teams.rename(requirePrincipal(request), actorOf(request), request.params.id, request.body));

  r.post('/api/teams/:id/members', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'Add a member (an account, or a name for a part-time member without one) with a role and the unit grids they patrol',
      params: IdParams,
      body: z.object({
        userId: z.number().int().positive().optional(),
        name: z.string().trim().max(100).optional(),
        roleCode: z.string().max(32),
        gridCodes: z.array(z.string().regex(/^\d{15}$/)).max(100),
        fromDate: YmdZ.optional(),
      }),
      response: { 200: TeamDetail, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => teams.addMember(requirePrincipal(request), actorOf(request), request.params.id, request.body));

  r.patch('/api/teams/:id/members/:memberId', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'Change a member\'s role, name (without an account), unit grids or own rota (null: the team\'s)',
      params: MemberParams,
      body: z.object({
        version,
        roleCode: z.string().max(32).optional(),
        name: z.string().trim().max(100).optional(),
        gridCodes: z.array(z.string().regex(/^\d{15}$/)).max(100).optional(),
        rota: RotaText.nullable().optional(),
      }),
      response: { 200: TeamDetail, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => teams.updateMember(requirePrincipal(request), actorOf(request), request.params.id, request.params.memberId, request.body));

  r.delete('/api/teams/:id/members/:memberId', {
    config: { policy: manage },
    schema: { tags: TAGS, summary: 'End a membership (kept in the history) and its grid assignments', params: MemberParams, response: { 200: TeamDetail, 404: ErrorBody } },
  }, async (request) => teams.removeMember(requirePrincipal(request), actorOf(request), request.params.id, request.params.memberId));

  r.get('/api/teams/:id/member-candidates', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'Accounts that may join the team (a role in or over its community, in no team yet)',
      params: IdParams,
      querystring: z.object({ q: z.string().max(50).optional(), limit: z.coerce.number().int().min(1).max(50).default(20) }),
      response: { 200: z.object({ items: z.array(z.object({ userId: z.number(), username: z.string(), displayName: z.string() })) }), 404: ErrorBody },
    },
  }, async (request) => ({ items: await teams.candidates(requirePrincipal(request), request.params.id, request.query.q, request.query.limit) }));

  // ---- rota ----
  r.get('/api/teams/:id/rota', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'The team\'s weekly pattern and its exceptions between two dates (default: this month)',
      params: IdParams,
      querystring: z.object({ from: YmdZ.optional(), to: YmdZ.optional() }),
      response: { 200: z.object({ teamId: z.number(), rota: RotaText, version: z.number(), exceptions: z.array(Exception) }), 404: ErrorBody },
    },
  }, async (request) => {
    const month = daysOfMonth(todayYmd(await context.calendar(), Date.now()).slice(0, 7));
    return teams.rota(requirePrincipal(request), request.params.id, request.query.from ?? month[0]!, request.query.to ?? month[month.length - 1]!);
  });

  r.put('/api/teams/:id/rota', {
    config: { policy: manage },
    schema: {
      tags: TAGS, summary: 'Replace the team\'s weekly pattern', params: IdParams, body: RotaText.extend({ version }),
      response: { 200: TeamDetail, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => teams.putRota(requirePrincipal(request), actorOf(request), request.params.id, request.body));

  r.post('/api/teams/:id/rota/exceptions', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'One date\'s change for the team or one member: another shift, or a day off (shift null)',
      params: IdParams,
      body: z.object({ date: YmdZ, memberId: z.number().int().positive().nullable().optional(), shift: ShiftText.nullable(), note: z.string().max(200).optional() }),
      response: { 201: Exception, 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await teams.addException(requirePrincipal(request), actorOf(request), request.params.id, request.body)));

  r.delete('/api/teams/:id/rota/exceptions/:exceptionId', {
    config: { policy: manage },
    schema: {
      tags: TAGS, summary: 'Remove a rota exception', params: IdParams.extend({ exceptionId: z.coerce.number().int().positive() }),
      response: { 204: z.null(), 404: ErrorBody },
    },
  }, async (request, reply) => {
    await teams.removeException(requirePrincipal(request), actorOf(request), request.params.id, request.params.exceptionId);
    return reply.status(204).send(null);
  });

  // ---- leave ----
  const status = (code: number) => code as 201;
  r.post('/api/leave', {
    config: { policy: permission('workforce.patrol') },
    schema: {
      tags: TAGS,
      summary: 'Ask for leave (own; the same id and content again answers the first, 200)',
      body: LeaveBody,
      response: { 200: Leave, 201: Leave, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const result = await leave.request(requirePrincipal(request), actorOf(request), { ...request.body, kind: request.body.kind as never });
    return reply.status(status(result.status)).send(result.leave);
  });

  r.get('/api/leave/mine', {
    config: { policy: permission('workforce.patrol') },
    schema: { tags: TAGS, summary: 'The caller\'s own leave requests, newest first', response: { 200: z.object({ items: z.array(Leave) }) } },
  }, async (request) => ({ items: await leave.mine(requirePrincipal(request), 100) }));

  r.post('/api/teams/:id/leave', {
    config: { policy: manage },
    schema: {
      tags: TAGS,
      summary: 'File leave for a member of a team the caller manages (approved at once)',
      params: IdParams,
      body: LeaveBody.extend({ userId: z.number().int().positive() }),
      response: { 200: Leave, 201: Leave, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const { userId, ...input } = request.body;
    const result = await leave.fileFor(requirePrincipal(request), actorOf(request), request.params.id, userId, { ...input, kind: input.kind as never });
    return reply.status(status(result.status)).send(result.leave);
  });

  r.get('/api/leave', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'Leave requests in the caller scope, newest first',
      querystring: z.object({
        status: z.enum(LEAVE_STATUSES as unknown as [string, ...string[]]).optional(),
        grid: GridPrefix.optional(),
        from: YmdZ.optional(),
        to: YmdZ.optional(),
        userId: z.coerce.number().int().positive().optional(),
        limit: z.coerce.number().int().min(1).max(500).default(200),
      }),
      response: { 200: z.object({ items: z.array(Leave) }) },
    },
  }, async (request) => {
    const { limit, ...filter } = request.query;
    return { items: await leave.list(requirePrincipal(request), { ...filter, status: filter.status as never }, limit) };
  });

  for (const [path, decision] of [['approve', 'approved'], ['refuse', 'refused']] as const) {
    r.post(`/api/leave/:id/${path}`, {
      config: { policy: manage },
      schema: {
        tags: TAGS,
        summary: `${decision === 'approved' ? 'Approve' : 'Refuse'} a pending request of a team the caller manages (not their own)`,
        params: IdParams,
        body: z.object({ version, note: z.string().max(500).optional() }),
        response: { 200: Leave, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    }, async (request) => leave.decide(requirePrincipal(request), actorOf(request), request.params.id, decision, request.body));
  }

  r.post('/api/leave/:id/cancel', {
    config: { policy: permission('workforce.patrol') },
    schema: {
      tags: TAGS, summary: 'Withdraw one\'s own pending request', params: IdParams, body: z.object({ version }),
      response: { 200: Leave, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => leave.cancel(requirePrincipal(request), actorOf(request), request.params.id, request.body.version));

  // ---- pickers ----
  r.get('/api/workforce/workers', {
    config: { policy: read },
    schema: {
      tags: TAGS,
      summary: 'Workers patrolling grids in the caller scope (for pickers)',
      querystring: z.object({ grid: GridPrefix.optional(), q: z.string().max(50).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: { 200: z.object({ items: z.array(z.object({ userId: z.number(), displayName: z.string(), username: z.string(), communityCode: z.string().nullable(), communityName: z.string().nullable() })) }) },
    },
  }, async (request) => ({ items: await teams.workers(requirePrincipal(request), request.query, request.query.limit) }));
}
