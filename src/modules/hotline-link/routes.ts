import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { API_KEY, permission } from '../../infra/http/policy.js';
import type { ApiClientService } from '../clients/service.js';
import type { CitizenService } from '../citizens/service.js';
import { VERDICTS } from '../citizens/tables.js';
import type { HotlineLinkService } from './service.js';

const TAGS = ['12345 link'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const KeyHeader = z.object({ 'x-api-key': z.string().max(200).optional() });
const Position = z.object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90), crs: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84') });
const ExternalNo = z.string().trim().regex(/^[A-Za-z0-9._:-]{1,64}$/).describe('the order number in the 12345 system');

const Answer = z.object({
  externalNo: z.string(),
  caseCode: z.string().nullable().describe('null while the order waits for an operator to locate it'),
  status: z.string(),
  statusText: z.object({ 'zh-CN': z.string(), en: z.string() }),
  deadline: z.string().nullable(),
});

const OrderView = z.object({
  id: z.number(), clientName: z.string(), externalNo: z.string(), content: z.string(), address: z.string().nullable(), categoryHint: z.string().nullable(),
  deadline: z.string().nullable(), callerName: z.string().nullable().describe('masked'), callerPhone: z.string().nullable().describe('masked'),
  caseCode: z.string().nullable(), receivedAt: z.string(),
});

/** The 12345 system link (docs/api-clients.md): pushes by API key, and the staff side of the orders. */
export async function hotlineLinkRoutes(app: FastifyInstance, deps: { hotlineLink: HotlineLinkService; apiClients: ApiClientService; citizens: CitizenService }): Promise<void> {
  const { hotlineLink, apiClients } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post('/api/hotline/orders', {
    // Authenticated by API key (scope hotline.push), not by session.
    config: { policy: API_KEY },
    schema: {
      tags: TAGS, summary: 'Push a 12345 work order (X-Api-Key): 201 with a new case, 200 for a duplicate push (same case), 202 when it waits to be located',
      headers: KeyHeader,
      body: z.object({
        externalNo: ExternalNo,
        content: z.string().trim().min(1).max(4000),
        address: z.string().trim().max(500).optional(),
        position: Position.optional(),
        categoryHint: z.string().trim().max(40).optional(),
        deadline: z.string().max(40).optional().describe('the order\'s own deadline, ISO 8601 with offset'),
        caller: z.object({ name: z.string().trim().max(50).optional(), phone: z.string().trim().max(20).optional() }).optional(),
      }).refine((b) => b.position !== undefined || (b.address ?? '') !== '', { message: 'a position or an address is required', path: ['address'] }),
      response: { 200: Answer, 201: Answer, 202: Answer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'hotline.push');
    const result = await hotlineLink.push(client, request.ip, request.body);
    return reply.status(result.status).send(result.body);
  });

  r.get('/api/hotline/orders/:externalNo', {
    config: { policy: API_KEY },
    schema: {
      tags: TAGS, summary: 'The case code and status of a pushed order, in plain words (X-Api-Key); only the client\'s own orders',
      headers: KeyHeader, params: z.object({ externalNo: ExternalNo }),
      response: { 200: Answer, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
    },
  }, async (request) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'hotline.push');
    return hotlineLink.status(client, request.params.externalNo);
  });

  r.post('/api/hotline/orders/:externalNo/verdict', {
    config: { policy: API_KEY },
    schema: {
      tags: TAGS,
      summary: 'The caller\'s verdict on a closed order (X-Api-Key): 满意 / 基本满意 / 不满意, once per case; counted in the 12345 满意率 (docs/kpis.md)',
      headers: KeyHeader, params: z.object({ externalNo: ExternalNo }),
      body: z.object({ verdict: z.enum(VERDICTS as unknown as [string, ...string[]]), comment: z.string().trim().max(500).optional() }),
      response: {
        201: z.object({ verdict: z.string(), comment: z.string().nullable(), source: z.string(), ratedAt: z.string() }),
        401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 429: ErrorBody,
      },
    },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'hotline.push');
    const incidentId = await hotlineLink.caseOf(client, request.params.externalNo);
    const rating = await deps.citizens.recordRating(incidentId, { verdict: request.body.verdict as 'satisfied', comment: request.body.comment ?? null, source: 'hotline' },
      { userId: null, username: `client:${client.name}`, ip: request.ip });
    return reply.status(201).send(rating);
  });

  r.get('/api/hotline/awaiting-location', {
    config: { policy: permission('incidents.register') },
    schema: { tags: TAGS, summary: 'Orders that came without a position and wait for an operator to locate them', response: { 200: z.object({ items: z.array(OrderView) }) } },
  }, async (request) => ({ items: await hotlineLink.awaiting(requirePrincipal(request)) }));

  r.post('/api/hotline/awaiting-location/:id/locate', {
    config: { policy: permission('incidents.register') },
    schema: {
      tags: TAGS, summary: 'Locate an order (a unit grid or a position): its case is created in the intake queue',
      params: IdParams,
      body: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), position: Position.optional() }),
      response: { 201: z.object({ incident: z.object({ id: z.number(), code: z.string() }).loose() }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await hotlineLink.locate(requirePrincipal(request), actorOf(request), request.params.id, request.body)));

  r.get('/api/incidents/:id/hotline-order', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS, summary: 'The 12345 order behind a case (external number, its own deadline, caller masked); null for other channels',
      params: IdParams, response: { 200: z.object({ order: OrderView.nullable() }), 404: ErrorBody },
    },
  }, async (request) => ({ order: await hotlineLink.forIncident(requirePrincipal(request), request.params.id) }));
}
