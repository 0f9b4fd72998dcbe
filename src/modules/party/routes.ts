import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { PARTY_MANAGE, PARTY_READ, type PartyService } from './service.js';
import { PARTY_ACTIVITY_KINDS, PARTY_MEMBER_KINDS, PARTY_ORG_KINDS } from './tables.js';

const TAGS = ['party'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const Created = z.object({ id: z.number() });
const GridCode = z.string().regex(/^\d{9,15}$/);
const DateStr = z.iso.date();
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

const Member = z.object({
  id: z.number(), organizationId: z.number(), residentId: z.number(), name: z.string(),
  idNumber: z.string().describe('masked: first 6 and last 4'), phone: z.string().nullable().describe('masked'),
  residentGridCode: z.string(), kind: z.enum(PARTY_MEMBER_KINDS), post: z.string().nullable(), joinedOn: z.string(), households: z.number().describe('households served (联户)'),
  version: z.number(), endedOn: z.string().nullable().describe('set once removed'), endReason: z.string().nullable(),
});
const Version = z.number().int().positive();
const Reason = z.string().trim().min(1).max(200);
const OrgBody = {
  gridCode: GridCode, parentId: opt(z.number().int().positive()), name: z.string().trim().min(1).max(100), kind: z.enum(PARTY_ORG_KINDS),
  secretary: opt(z.string().max(50)), lng: opt(z.number().min(-180).max(180)), lat: opt(z.number().min(-90).max(90)), foundedOn: opt(DateStr),
};
const Activity = z.object({
  id: z.number(), organizationId: z.number(), gridCode: z.string(), title: z.string(), kind: z.enum(PARTY_ACTIVITY_KINDS), heldAt: z.string(), place: z.string(), summary: z.string(),
  present: z.number(), members: z.number().describe('members of the organisation now'),
});
const OrgBase = {
  id: z.number(), gridCode: z.string(), gridName: z.string().nullable(), parentId: z.number().nullable(), name: z.string(), kind: z.enum(PARTY_ORG_KINDS),
  secretary: z.string().nullable(), lng: z.number().nullable(), lat: z.number().nullable(), foundedOn: z.string().nullable(), version: z.number(),
};
const AreaCounts = z.object({
  total: z.object({ organizations: z.number(), members: z.number() }),
  items: z.array(z.object({ code: z.string(), name: z.string(), organizations: z.number(), members: z.number() })),
});

/** 基层党建: party organisations on the grid (docs/party.md). */
export async function partyRoutes(app: FastifyInstance, deps: { party: PartyService }): Promise<void> {
  const { party } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/party/organizations', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'Party organisations in the caller scope (or under one grid), by grid code',
      querystring: z.object({
        gridCode: GridCode.optional(), kind: z.enum(PARTY_ORG_KINDS).optional(), q: z.string().max(50).optional(),
        page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(500).default(20),
      }),
      response: { 200: z.object({ total: z.number(), items: z.array(z.object({ ...OrgBase, members: z.number() })) }) },
    },
  }, async (request) => party.listOrganizations(requirePrincipal(request), request.query));

  r.post('/api/party/organizations', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Create a party organisation on a street, community or unit grid',
      body: z.object(OrgBody),
      response: { 201: Created, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await party.createOrganization(requirePrincipal(request), actorOf(request), request.body) }));

  r.get('/api/party/organizations/:id', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'One organisation with its child organisations, members (masked) and recent activities', params: IdParams,
      response: {
        200: z.object({
          ...OrgBase, parentName: z.string().nullable(), dissolvedOn: z.string().nullable(), dissolveReason: z.string().nullable(),
          formerMembers: z.array(z.object({ id: z.number(), name: z.string(), endedOn: z.string(), endReason: z.string() })).describe('members removed (history)'),
          children: z.array(z.object({ id: z.number(), name: z.string(), kind: z.enum(PARTY_ORG_KINDS), gridCode: z.string() })),
          members: z.array(Member), activities: z.array(Activity),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => party.organizationView(requirePrincipal(request), request.params.id));

  r.put('/api/party/organizations/:id', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit an organisation (name, kind, grid node, parent…): the hierarchy rule holds, no cycles; version-checked', params: IdParams,
      body: z.object({ ...OrgBody, version: Version }),
      response: { 204: z.null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await party.updateOrganization(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.delete('/api/party/organizations/:id', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Delete an organisation with no members (ever), no child organisations and no activities (409 otherwise: dissolve it)', params: IdParams,
      querystring: z.object({ version: z.coerce.number().int().positive() }),
      response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await party.deleteOrganization(requirePrincipal(request), actorOf(request), request.params.id, request.query.version);
    return reply.status(204).send(null);
  });

  r.post('/api/party/organizations/:id/dissolve', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Dissolve an organisation: its members are transferred to another one, in one transaction (the organisation stays as history)', params: IdParams,
      body: z.object({ version: Version, toOrganizationId: z.number().int().positive(), dissolvedOn: DateStr, reason: Reason }),
      response: { 200: z.object({ transferred: z.number() }), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => party.dissolveOrganization(requirePrincipal(request), actorOf(request), request.params.id, request.body));

  r.post('/api/party/organizations/:id/members', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Add a resident as a member of the organisation (one organisation per member)', params: IdParams,
      body: z.object({ residentId: z.number().int().positive(), kind: z.enum(PARTY_MEMBER_KINDS), post: opt(z.string().max(50)), joinedOn: DateStr }),
      response: { 201: Created, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await party.addMember(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  r.get('/api/party/members/:id', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'One member (masked) with the households served and activities attended', params: IdParams,
      response: {
        200: Member.extend({
          organizationName: z.string().nullable(),
          servedHouseholds: z.array(z.object({ id: z.number(), householdNo: z.string(), gridCode: z.string() })), activitiesAttended: z.number(),
          transfers: z.array(z.object({
            id: z.number(), fromOrganizationId: z.number(), fromOrganizationName: z.string().nullable(), toOrganizationId: z.number(), toOrganizationName: z.string().nullable(),
            transferredOn: z.string(), reason: z.string(),
          })).describe('组织关系转接 history, oldest first'),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => party.memberView(requirePrincipal(request), request.params.id));

  r.put('/api/party/members/:id', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit a member\'s kind, post and date of joining (version-checked)', params: IdParams,
      body: z.object({ version: Version, kind: z.enum(PARTY_MEMBER_KINDS), post: opt(z.string().max(50)), joinedOn: DateStr }),
      response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await party.updateMember(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.post('/api/party/members/:id/transfer', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: '组织关系转接: move the member to another organisation, keeping a transfer row (from, to, date, reason)', params: IdParams,
      body: z.object({ version: Version, toOrganizationId: z.number().int().positive(), transferredOn: DateStr, reason: Reason }),
      response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await party.transferMember(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.post('/api/party/members/:id/remove', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Remove a member (soft: end date and reason; the history stays; 联户 links end)', params: IdParams,
      body: z.object({ version: Version, endedOn: DateStr, reason: Reason }),
      response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => {
    await party.removeMember(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.post('/api/party/members/:id/households', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: '党员联户: the member serves a household (repeating it changes nothing)', params: IdParams,
      body: z.object({ householdId: z.number().int().positive() }),
      response: { 204: z.null(), 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await party.linkHousehold(requirePrincipal(request), actorOf(request), request.params.id, request.body.householdId);
    return reply.status(204).send(null);
  });

  r.delete('/api/party/members/:id/households/:householdId', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'End a member\'s 联户 link to a household',
      params: z.object({ id: z.coerce.number().int().positive(), householdId: z.coerce.number().int().positive() }),
      response: { 204: z.null(), 404: ErrorBody },
    },
  }, async (request, reply) => {
    await party.unlinkHousehold(requirePrincipal(request), actorOf(request), request.params.id, request.params.householdId);
    return reply.status(204).send(null);
  });

  r.post('/api/party/organizations/:id/activities', {
    config: { policy: permission(PARTY_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Record an activity of the organisation with the members present', params: IdParams,
      body: z.object({
        title: z.string().trim().min(1).max(200), kind: z.enum(PARTY_ACTIVITY_KINDS), heldAt: z.iso.datetime(), place: z.string().max(200).default(''),
        summary: z.string().max(5000).default(''), attendeeIds: z.array(z.number().int().positive()).max(2000).default([]),
      }),
      response: { 201: Created, 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await party.createActivity(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  r.get('/api/party/activities/:id', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'One activity with the attendance of every member', params: IdParams,
      response: { 200: Activity.extend({ attendance: z.array(z.object({ memberId: z.number(), name: z.string(), present: z.boolean() })) }), 404: ErrorBody },
    },
  }, async (request) => party.activityDetail(requirePrincipal(request), request.params.id));

  r.get('/api/party/counts', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'Organisations and members per street, or per community (of the caller scope or under one grid)',
      querystring: z.object({ by: z.enum(['street', 'community']).default('street'), gridCode: GridCode.optional() }),
      response: { 200: AreaCounts },
    },
  }, async (request) => party.countsByArea(requirePrincipal(request), request.query));

  r.get('/api/party/map', {
    config: { policy: permission(PARTY_READ) },
    schema: {
      tags: TAGS, summary: 'The 党建 map layer: organisation positions and counts per community',
      querystring: z.object({ gridCode: GridCode.optional() }),
      response: {
        200: z.object({
          organizations: z.array(z.object({ id: z.number(), name: z.string(), kind: z.enum(PARTY_ORG_KINDS), gridCode: z.string(), members: z.number(), lng: z.number().nullable(), lat: z.number().nullable() })),
          communities: z.array(z.object({ code: z.string(), name: z.string(), lng: z.number().nullable(), lat: z.number().nullable(), organizations: z.number(), members: z.number() })),
        }),
      },
    },
  }, async (request) => party.mapLayer(requirePrincipal(request), request.query));
}
