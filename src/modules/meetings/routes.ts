import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { MEETING_LEVELS } from './rules/agenda.js';
import type { MeetingService } from './service.js';

const TAGS = ['meetings'];
const Level = z.enum(MEETING_LEVELS as unknown as ['community', 'street', 'district']);
const Source = z.enum(['escalated', 'overdue', 'returned', 'hotspot', 'free', 'risen']);
const Attendee = z.object({ name: z.string().trim().min(1).max(50), unit: z.string().trim().max(100).optional() });
const Instant = z.iso.datetime({ offset: true }).describe('ISO 8601 instant');
const IncidentRef = z.object({ id: z.number(), code: z.string(), status: z.string() }).nullable();
const NeedRef = z.object({ id: z.number(), title: z.string(), gridCode: z.string(), status: z.string(), reason: z.string().nullable() }).nullable()
  .describe('the 民生实事 need a need decision made (its status drives the decision\'s; a rejected need shows its reason)');

const Meeting = z.object({
  id: z.number(),
  level: Level,
  grid: z.object({ code: z.string(), name: z.string() }),
  title: z.string(),
  heldAt: z.string(),
  location: z.string().nullable(),
  attendees: z.array(z.object({ name: z.string(), unit: z.string().optional() })),
  minutes: z.string().nullable(),
  status: z.enum(['planned', 'closed']),
  version: z.number(),
  itemCount: z.number(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
});
const Decision = z.object({
  id: z.number(),
  itemId: z.number(),
  kind: z.enum(['task', 'incident', 'need']),
  content: z.string(),
  owner: z.string().describe('a task\'s owner; an incident\'s lead department code; a need\'s grid code'),
  deadline: z.string(),
  status: z.enum(['open', 'done']),
  overdue: z.boolean(),
  doneAt: z.string().nullable(),
  incident: IncidentRef,
  need: NeedRef,
  risenItemId: z.number().nullable().describe('the item this decision raised to the next level when it went overdue'),
});
const MeetingDetail = Meeting.extend({
  items: z.array(z.object({
    id: z.number(),
    source: Source,
    title: z.string(),
    note: z.string().nullable(),
    outcome: z.enum(['open', 'decided', 'unresolved']),
    incident: IncidentRef,
    risenFrom: z.object({ itemId: z.number(), meetingId: z.number().nullable(), level: Level, gridCode: z.string(), reason: z.string().nullable() }).nullable(),
    decisions: z.array(Decision),
  })),
});
const Candidate = z.object({
  source: Source,
  incidentId: z.number().nullable(),
  code: z.string().nullable(),
  title: z.string(),
  gridCode: z.string(),
  reasons: z.array(z.string()),
  due: z.string().nullable(),
});
const Id = z.object({ id: z.coerce.number().int().positive() });
const ItemId = z.object({ id: z.coerce.number().int().positive(), itemId: z.coerce.number().int().positive() });

/** 三级联席会议 (docs/meetings.md). */
export async function meetingRoutes(app: FastifyInstance, deps: { meetings: MeetingService }): Promise<void> {
  const { meetings } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/meetings', {
    config: { policy: permission('meetings.read') },
    schema: {
      tags: TAGS, summary: 'Joint meetings in the caller\'s scope, latest first',
      querystring: z.object({ status: z.enum(['planned', 'closed']).optional(), level: Level.optional() }),
      response: { 200: z.object({ items: z.array(Meeting) }) },
    },
  }, async (request) => ({ items: await meetings.list(request.principal!, request.query) }));

  r.post('/api/meetings', {
    config: { policy: permission('meetings.manage') },
    schema: {
      tags: TAGS, summary: 'Plan a meeting of a community, a street or the district (its level follows the grid node); items risen from below join it',
      body: z.object({
        gridCode: z.string().regex(/^\d{6,12}$/),
        title: z.string().trim().min(1).max(200),
        heldAt: Instant,
        location: z.string().trim().max(200).optional(),
        attendees: z.array(Attendee).max(200).default([]),
      }),
      response: { 201: MeetingDetail },
    },
  }, async (request, reply) => reply.status(201).send(await meetings.create(request.principal!, actorOf(request), request.body)));

  r.get('/api/meetings/:id', {
    config: { policy: permission('meetings.read') },
    schema: { tags: TAGS, summary: 'A meeting with its agenda and decisions', params: Id, response: { 200: MeetingDetail } },
  }, async (request) => meetings.detail(request.principal!, request.params.id));

  r.patch('/api/meetings/:id', {
    config: { policy: permission('meetings.manage') },
    schema: {
      tags: TAGS, summary: 'Edit a planned meeting: time, place, attendees, minutes', params: Id,
      body: z.object({
        version: z.number().int().positive(),
        title: z.string().trim().min(1).max(200).optional(),
        heldAt: Instant.optional(),
        location: z.string().trim().max(200).nullable().optional(),
        attendees: z.array(Attendee).max(200).optional(),
        minutes: z.string().max(20000).nullable().optional(),
      }),
      response: { 200: MeetingDetail },
    },
  }, async (request) => meetings.update(request.principal!, actorOf(request), request.params.id, request.body));

  r.get('/api/meetings/:id/candidates', {
    config: { policy: permission('meetings.read') },
    schema: {
      tags: TAGS, summary: 'Hard cases under the meeting\'s node offered for its agenda: escalated, overdue, returned twice or more (and other sources)',
      params: Id, response: { 200: z.object({ items: z.array(Candidate) }) },
    },
  }, async (request) => ({ items: await meetings.candidates(request.principal!, request.params.id) }));

  r.post('/api/meetings/:id/items', {
    config: { policy: permission('meetings.manage') },
    schema: {
      tags: TAGS, summary: 'Add an agenda item: a candidate incident or a free item', params: Id,
      body: z.object({
        source: z.enum(['escalated', 'overdue', 'returned', 'hotspot', 'free']),
        incidentId: z.number().int().positive().optional(),
        title: z.string().trim().max(300).optional(),
        note: z.string().max(2000).optional(),
      }),
      response: { 201: MeetingDetail },
    },
  }, async (request, reply) => reply.status(201).send(await meetings.addItem(request.principal!, actorOf(request), request.params.id, request.body)));

  r.post('/api/meetings/:id/items/:itemId/decisions', {
    config: { policy: permission('meetings.manage') },
    schema: {
      tags: TAGS,
      summary: 'Record a decision on an item: a tracked task, a new incident reported, registered and dispatched to a department, or a new 民生实事 need linked to it',
      params: ItemId,
      body: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('task'), content: z.string().trim().min(1).max(2000), owner: z.string().trim().min(1).max(100), deadline: Instant }),
        z.object({
          kind: z.literal('incident'), content: z.string().trim().min(1).max(2000), deadline: Instant,
          categoryCode: z.string().min(1).max(20), departmentCode: z.string().min(1).max(20),
          gridCode: z.string().regex(/^\d{15}$/).optional().describe('the unit grid; defaults to the item\'s incident\'s'),
        }),
        z.object({
          kind: z.literal('need'), content: z.string().trim().min(1).max(2000).describe('what the meeting decided; the need\'s description'), deadline: Instant,
          gridCode: z.string().regex(/^\d{12}(\d{3})?$/).optional().describe('the community or unit grid; defaults to the item\'s incident\'s'),
          title: z.string().trim().min(1).max(200).optional().describe('the need\'s title; defaults to the item\'s'),
        }),
      ]),
      response: { 201: MeetingDetail },
    },
  }, async (request, reply) => reply.status(201).send(await meetings.decide(request.principal!, actorOf(request), request.params.id, request.params.itemId, request.body)));

  r.post('/api/meetings/:id/close', {
    config: { policy: permission('meetings.manage') },
    schema: {
      tags: TAGS, summary: 'Close the meeting: items without a decision (or named) are unresolved and rise to the next level\'s agenda', params: Id,
      body: z.object({ version: z.number().int().positive(), minutes: z.string().max(20000).optional(), unresolvedItemIds: z.array(z.number().int().positive()).max(500).optional() }),
      response: { 200: MeetingDetail },
    },
  }, async (request) => meetings.close(request.principal!, actorOf(request), request.params.id, request.body));

  r.post('/api/meetings/decisions/:id/done', {
    config: { policy: permission('meetings.manage') },
    schema: { tags: TAGS, summary: 'Mark a task decision done', params: Id, response: { 200: Decision } },
  }, async (request) => meetings.completeTask(request.principal!, actorOf(request), request.params.id));
}
