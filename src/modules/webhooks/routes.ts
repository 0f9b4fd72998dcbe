import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { API_KEY, permission } from '../../infra/http/policy.js';
import type { ApiClientService } from '../clients/service.js';
import { INCIDENT_CHANNELS } from '../incidents/service.js';
import { WEBHOOK_EVENT_TYPES } from './rules/match.js';
import type { WebhookSender } from './sender.js';
import type { WebhookService } from './service.js';

const TAGS = ['webhooks'];
const MANAGE = 'clients.manage';
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const ClientParams = z.object({ id: z.coerce.number().int().positive() });
const Params = z.object({ id: z.coerce.number().int().positive(), sid: z.coerce.number().int().positive() });
const KeyHeaders = z.object({ 'x-api-key': z.string().max(200).optional() });

const Input = z.object({
  url: z.string().trim().min(1).max(500).describe('the receiver; https:// (http:// only where the server allows it)'),
  eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).describe('timeline actions to receive: report, register, dispatch, reply, close, …'),
  channels: z.array(z.enum(INCIDENT_CHANNELS as unknown as [string, ...string[]])).default([]).describe('only cases of these intake channels; empty: all'),
});

const Subscription = z.object({
  id: z.number(),
  clientId: z.number(),
  clientName: z.string(),
  url: z.string(),
  eventTypes: z.array(z.string()),
  channels: z.array(z.string()),
  status: z.enum(['active', 'failing', 'paused']),
  failures: z.number().describe('failed attempts in a row'),
  nextAttemptAt: z.number().nullable(),
  lastError: z.string().nullable(),
  lastSuccessAt: z.number().nullable(),
  position: z.number().describe('the last event id passed in order'),
  createdAt: z.number(),
});
const Created = z.object({ subscription: Subscription, secret: z.string().describe('shown once: store it now') });
const Delivery = z.object({
  id: z.number(),
  kind: z.enum(['live', 'replay']),
  eventIds: z.array(z.number()),
  attempt: z.number(),
  status: z.enum(['delivered', 'failed']),
  responseStatus: z.number().nullable(),
  latencyMs: z.number(),
  error: z.string().nullable(),
  at: z.number(),
});
const Replay = z.union([
  z.object({ eventId: z.number().int().positive().describe('send this one event again now, out of order') }),
  z.object({ fromEventId: z.number().int().positive().describe('deliver again, in order, every wanted event from this id on') }),
]);

/**
 * Webhook subscriptions (docs/webhooks.md): administrators manage every
 * client's under /api/clients/:id/webhooks; a client manages its own with its
 * API key (scope `webhooks`) under /api/webhooks/subscriptions.
 */
export async function webhookRoutes(app: FastifyInstance, deps: { webhooks: WebhookService; apiClients: ApiClientService; sender: WebhookSender }): Promise<void> {
  const { webhooks, apiClients, sender } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { policy: permission(MANAGE) };

  r.get('/api/webhooks', {
    config: admin,
    schema: { tags: TAGS, summary: 'Every webhook subscription, of all clients', response: { 200: z.object({ items: z.array(Subscription) }) } },
  }, async () => ({ items: await webhooks.list() }));

  r.get('/api/clients/:id/webhooks', {
    config: admin,
    schema: { tags: TAGS, summary: 'A client\'s webhook subscriptions', params: ClientParams, response: { 200: z.object({ items: z.array(Subscription) }) } },
  }, async (request) => ({ items: await webhooks.list(request.params.id) }));

  r.post('/api/clients/:id/webhooks', {
    config: admin,
    schema: { tags: TAGS, summary: 'Subscribe a client to incident events; the signing secret is shown once', params: ClientParams, body: Input, response: { 201: Created, 404: ErrorBody, 422: ErrorBody } },
  }, async (request, reply) => reply.status(201).send(await webhooks.create(actorOf(request), request.params.id, request.body)));

  r.put('/api/clients/:id/webhooks/:sid', {
    config: admin,
    schema: { tags: TAGS, summary: 'Change a subscription\'s URL, event types or channels', params: Params, body: Input, response: { 200: Subscription, 404: ErrorBody, 422: ErrorBody } },
  }, async (request) => webhooks.update(actorOf(request), request.params.id, request.params.sid, request.body));

  r.delete('/api/clients/:id/webhooks/:sid', {
    config: admin,
    schema: { tags: TAGS, summary: 'Remove a subscription with its delivery log', params: Params, response: { 204: z.null(), 404: ErrorBody } },
  }, async (request, reply) => {
    await webhooks.remove(actorOf(request), request.params.id, request.params.sid);
    return reply.status(204).send(null);
  });

  r.post('/api/clients/:id/webhooks/:sid/rotate-secret', {
    config: admin,
    schema: { tags: TAGS, summary: 'A new signing secret (shown once); the old one also signs for 24 h', params: Params, response: { 200: z.object({ id: z.number(), secret: z.string() }), 404: ErrorBody } },
  }, async (request) => webhooks.rotateSecret(actorOf(request), request.params.id, request.params.sid));

  r.post('/api/clients/:id/webhooks/:sid/pause', {
    config: admin,
    schema: { tags: TAGS, summary: 'Stop sending; events keep their place', params: Params, response: { 200: Subscription, 404: ErrorBody } },
  }, async (request) => webhooks.pause(actorOf(request), request.params.id, request.params.sid));

  r.post('/api/clients/:id/webhooks/:sid/resume', {
    config: admin,
    schema: { tags: TAGS, summary: 'Send again from where the subscription stopped', params: Params, response: { 200: Subscription, 404: ErrorBody } },
  }, async (request) => webhooks.resume(actorOf(request), request.params.id, request.params.sid));

  r.get('/api/clients/:id/webhooks/:sid/deliveries', {
    config: admin,
    schema: {
      tags: TAGS, summary: 'The delivery log, newest first', params: Params,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), beforeId: z.coerce.number().int().positive().optional() }),
      response: { 200: z.object({ items: z.array(Delivery) }), 404: ErrorBody },
    },
  }, async (request) => ({ items: await webhooks.deliveries(request.params.id, request.params.sid, request.query) }));

  r.post('/api/clients/:id/webhooks/:sid/replay', {
    config: admin,
    schema: {
      tags: TAGS, summary: 'Re-send one event now, or deliver again every event from an id on', params: Params, body: Replay,
      response: { 200: z.object({ subscription: Subscription, delivery: Delivery.nullable() }), 404: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const { id, sid } = request.params;
    const body = request.body;
    if ('eventId' in body) {
      const delivery = await webhooks.resendOne(actorOf(request), id, sid, body.eventId, sender);
      return { subscription: await webhooks.get(id, sid), delivery };
    }
    return { subscription: await webhooks.replayFrom(actorOf(request), id, sid, body.fromEventId), delivery: null };
  });

  // ---- the client itself, with its API key ----
  r.get('/api/webhooks/subscriptions', {
    config: { policy: API_KEY },
    schema: { tags: TAGS, summary: 'The calling client\'s subscriptions (X-Api-Key, scope webhooks)', headers: KeyHeaders, response: { 200: z.object({ items: z.array(Subscription) }), 401: ErrorBody, 403: ErrorBody, 429: ErrorBody } },
  }, async (request) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'webhooks');
    return { items: await webhooks.list(client.id) };
  });

  r.post('/api/webhooks/subscriptions', {
    config: { policy: API_KEY },
    schema: { tags: TAGS, summary: 'Subscribe the calling client (X-Api-Key); the secret is shown once', headers: KeyHeaders, body: Input, response: { 201: Created, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody } },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'webhooks');
    return reply.status(201).send(await webhooks.create({ userId: null, username: `client:${client.id}`, ip: request.ip }, client.id, request.body));
  });

  r.delete('/api/webhooks/subscriptions/:sid', {
    config: { policy: API_KEY },
    schema: { tags: TAGS, summary: 'Remove one of the calling client\'s subscriptions (X-Api-Key)', headers: KeyHeaders, params: z.object({ sid: z.coerce.number().int().positive() }), response: { 204: z.null(), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody } },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'webhooks');
    await webhooks.remove({ userId: null, username: `client:${client.id}`, ip: request.ip }, client.id, request.params.sid);
    return reply.status(204).send(null);
  });
}
