import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { CADRES_MANAGE, CADRES_READ, type CadreService } from './service.js';
import { CADRE_UNIT_KINDS, CADRE_VISIT_STATUSES } from './tables.js';

const TAGS = ['cadres'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const Created = z.object({ id: z.number() });
const GridCode = z.string().regex(/^\d{9,15}$/);
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).describe('YYYY-MM (Asia/Shanghai)');

const Link = z.object({ id: z.number(), gridCode: z.string(), gridName: z.string().nullable(), fromDate: z.string() });
const Cadre = z.object({
  id: z.number(), name: z.string(), userId: z.number().nullable(), unitKind: z.enum(CADRE_UNIT_KINDS), unitCode: z.string(), unitName: z.string().nullable(),
  title: z.string(), status: z.enum(['active', 'retired']).describe('retired: deactivated'), version: z.number(), retiredOn: z.string().nullable(), retireReason: z.string().nullable(),
  links: z.array(Link),
});
const Visit = z.object({
  id: z.number(), cadreId: z.number(), cadreName: z.string(), gridCode: z.string(), gridName: z.string().nullable(), plannedOn: z.string(),
  status: z.enum(CADRE_VISIT_STATUSES), visitedAt: z.string().nullable(), record: z.string().nullable(),
  findings: z.array(z.object({ id: z.number(), description: z.string(), incidentId: z.number().nullable(), incidentCode: z.string().nullable() })),
});

/** 群工联点: linked cadres and their visits (docs/cadres.md). */
export async function cadreRoutes(app: FastifyInstance, deps: { cadres: CadreService }): Promise<void> {
  const { cadres } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/cadres', {
    config: { policy: permission(CADRES_READ) },
    schema: {
      tags: TAGS, summary: 'Linked cadres of the caller scope (by their unit or a current link)',
      querystring: z.object({ gridCode: GridCode.optional() }),
      response: { 200: z.object({ items: z.array(Cadre) }) },
    },
  }, async (request) => ({ items: await cadres.listCadres(requirePrincipal(request), request.query) }));

  r.post('/api/cadres', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Add a cadre of a district department (district scope) or of a street',
      body: z.object({
        name: z.string().trim().min(1).max(50), userId: z.number().int().positive().nullable().optional(), unitKind: z.enum(CADRE_UNIT_KINDS),
        unitCode: z.string().min(1).max(20), title: z.string().max(100).default(''),
      }),
      response: { 201: Created, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await cadres.createCadre(requirePrincipal(request), actorOf(request), request.body) }));

  r.get('/api/cadres/not-visited', {
    config: { policy: permission(CADRES_READ) },
    schema: {
      tags: TAGS, summary: 'Current links (cadre × grid) with no done visit in the month',
      querystring: z.object({ month: Month, gridCode: GridCode.optional() }),
      response: {
        200: z.object({
          month: z.string(), links: z.number().describe('current links in scope'),
          items: z.array(z.object({
            linkId: z.number(), cadreId: z.number(), cadreName: z.string(), title: z.string(), unitKind: z.enum(CADRE_UNIT_KINDS), unitCode: z.string(),
            gridCode: z.string(), gridName: z.string().nullable(), plannedOn: z.string().nullable().describe('the earliest visit still planned this month'),
          })),
        }),
      },
    },
  }, async (request) => cadres.notVisited(requirePrincipal(request), request.query));

  r.get('/api/cadres/figures', {
    config: { policy: permission(CADRES_READ) },
    schema: {
      tags: TAGS, summary: 'Visits per cadre in a month: done (by visit time), still planned, findings and incidents from them',
      querystring: z.object({ month: Month, gridCode: GridCode.optional() }),
      response: {
        200: z.object({
          month: z.string(), totalDone: z.number(),
          items: z.array(z.object({
            cadreId: z.number(), name: z.string(), unitKind: z.enum(CADRE_UNIT_KINDS), unitName: z.string().nullable(), links: z.number(),
            done: z.number(), planned: z.number(), findings: z.number(), incidents: z.number(),
          })),
        }),
      },
    },
  }, async (request) => cadres.figures(requirePrincipal(request), request.query));

  r.get('/api/cadres/:id', {
    config: { policy: permission(CADRES_READ) },
    schema: { tags: TAGS, summary: 'One cadre with links and visits', params: IdParams, response: { 200: Cadre.extend({ visits: z.array(Visit) }), 404: ErrorBody } },
  }, async (request) => cadres.cadreView(requirePrincipal(request), request.params.id));

  r.put('/api/cadres/:id', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Edit a cadre (name, title, account, unit); version-checked', params: IdParams,
      body: z.object({
        version: z.number().int().positive(), name: z.string().trim().min(1).max(50), userId: z.number().int().positive().nullable().optional(), unitKind: z.enum(CADRE_UNIT_KINDS),
        unitCode: z.string().min(1).max(20), title: z.string().max(100).default(''),
      }),
      response: { 204: z.null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await cadres.updateCadre(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.put('/api/cadres/:id/links', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Relink a cadre: its current links in the caller scope become exactly these grids (dropped links end today), in one transaction', params: IdParams,
      body: z.object({ version: z.number().int().positive(), gridCodes: z.array(GridCode).max(100) }),
      response: { 204: z.null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await cadres.relink(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return reply.status(204).send(null);
  });

  r.post('/api/cadres/:id/deactivate', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Deactivate a cadre: visits stay, planned visits are cancelled, no longer counted in who has not visited', params: IdParams,
      body: z.object({ version: z.number().int().positive(), retiredOn: z.iso.date(), reason: z.string().trim().min(1).max(200) }),
      response: { 200: z.object({ cancelledVisits: z.number() }), 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => cadres.deactivate(requirePrincipal(request), actorOf(request), request.params.id, request.body));

  r.post('/api/cadres/:id/links', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Link the cadre to a community or unit grid of the caller scope', params: IdParams,
      body: z.object({ gridCode: GridCode }),
      response: { 204: z.null(), 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    await cadres.link(requirePrincipal(request), actorOf(request), request.params.id, request.body.gridCode);
    return reply.status(204).send(null);
  });

  r.delete('/api/cadres/:id/links/:linkId', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'End a link (kept with its dates)',
      params: z.object({ id: z.coerce.number().int().positive(), linkId: z.coerce.number().int().positive() }),
      response: { 204: z.null(), 404: ErrorBody },
    },
  }, async (request, reply) => {
    await cadres.unlink(requirePrincipal(request), actorOf(request), request.params.id, request.params.linkId);
    return reply.status(204).send(null);
  });

  r.post('/api/cadres/:id/visits', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Schedule a visit (下沉走访) to a grid the cadre is linked to', params: IdParams,
      body: z.object({ gridCode: GridCode, plannedOn: z.iso.date() }),
      response: { 201: Created, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await cadres.scheduleVisit(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  r.get('/api/cadre-visits', {
    config: { policy: permission(CADRES_READ) },
    schema: {
      tags: TAGS, summary: 'Visits of the caller scope, latest planned first',
      querystring: z.object({
        month: Month.optional(), cadreId: z.coerce.number().int().positive().optional(), status: z.enum(CADRE_VISIT_STATUSES).optional(), gridCode: GridCode.optional(),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: { 200: z.object({ items: z.array(Visit) }) },
    },
  }, async (request) => ({ items: await cadres.listVisits(requirePrincipal(request), request.query) }));

  r.get('/api/cadre-visits/:id', {
    config: { policy: permission(CADRES_READ) },
    schema: { tags: TAGS, summary: 'One visit with its findings', params: IdParams, response: { 200: Visit, 404: ErrorBody } },
  }, async (request) => cadres.visitView(requirePrincipal(request), request.params.id));

  r.post('/api/cadre-visits/:id/record', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Record a planned visit as done, with the problems found', params: IdParams,
      body: z.object({
        visitedAt: z.iso.datetime().optional(), record: z.string().trim().min(1).max(5000),
        findings: z.array(z.string().trim().min(1).max(2000)).max(50).default([]),
      }),
      response: { 200: Visit, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request) => {
    const principal = requirePrincipal(request);
    await cadres.recordVisit(principal, actorOf(request), request.params.id, request.body);
    return cadres.visitView(principal, request.params.id);
  });

  r.post('/api/cadre-visits/:id/cancel', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: { tags: TAGS, summary: 'Cancel a planned visit', params: IdParams, response: { 204: z.null(), 404: ErrorBody, 409: ErrorBody } },
  }, async (request, reply) => {
    await cadres.cancelVisit(requirePrincipal(request), actorOf(request), request.params.id);
    return reply.status(204).send(null);
  });

  r.post('/api/cadre-visits/:id/findings/:findingId/incident', {
    config: { policy: permission(CADRES_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Turn a finding into an incident (channel operator_walk_in) on a unit grid inside the visited grid; needs incidents.report there',
      params: z.object({ id: z.coerce.number().int().positive(), findingId: z.coerce.number().int().positive() }),
      body: z.object({ gridCode: z.string().regex(/^\d{15}$/).optional().describe('unit grid; default the visited grid when it is one'), categoryCode: z.string().max(32).optional() }),
      response: { 201: z.object({ incidentId: z.number(), code: z.string() }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await cadres.findingToIncident(requirePrincipal(request), actorOf(request), request.params.id, request.params.findingId, request.body)));
}
