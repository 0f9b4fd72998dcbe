import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { SHARE_FIELDS } from '../basedata/share.js';
import { SHARED_DATASETS } from './catalogue.js';
import { API_CLIENT_SCOPES } from './rules/keys.js';
import type { ApiClientService } from './service.js';

const TAGS = ['api clients'];
const MANAGE = 'clients.manage';
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });

const Input = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_CLIENT_SCOPES)).min(1).describe('the interfaces the client may call'),
  scopeCode: z.string().regex(/^\d{6,15}$/).describe('the grid node whose data the client may see or touch'),
  fields: z.array(z.enum(SHARE_FIELDS)).min(1).default(['found']).describe('answer fields of the data-sharing verification'),
  ratePerMinute: z.number().int().min(1).max(10000).default(60),
});

const Client = z.object({
  id: z.number(),
  name: z.string(),
  keyPrefix: z.string().describe('the public part of the key, to tell keys apart; the secret is never shown again'),
  scopes: z.array(z.enum(API_CLIENT_SCOPES)),
  scopeCode: z.string(),
  fields: z.array(z.enum(SHARE_FIELDS)),
  ratePerMinute: z.number(),
  status: z.enum(['active', 'revoked']),
  createdAt: z.number(),
  rotatedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  lastUsedAt: z.number().nullable(),
});
const NewKey = z.object({ id: z.number(), apiKey: z.string().describe('shown once: store it now') });

/** API clients of external systems (docs/api-clients.md): district-wide configuration for administrators. */
export async function apiClientRoutes(app: FastifyInstance, deps: { apiClients: ApiClientService }): Promise<void> {
  const { apiClients } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/clients', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'All API clients, revoked ones included', response: { 200: z.object({ items: z.array(Client) }) } },
  }, async () => ({ items: await apiClients.list() }));

  r.post('/api/clients', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Create an API client; its key is shown once', body: Input, response: { 201: NewKey, 422: ErrorBody } },
  }, async (request, reply) => reply.status(201).send(await apiClients.create(actorOf(request), request.body)));

  r.put('/api/clients/:id', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Change a client\'s name, scopes, grid scope, fields or rate', params: IdParams, body: Input, response: { 200: Client, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody } },
  }, async (request) => apiClients.update(actorOf(request), request.params.id, request.body));

  r.post('/api/clients/:id/rotate', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Issue a new key; the old one stops working at once', params: IdParams, response: { 200: NewKey, 404: ErrorBody, 409: ErrorBody } },
  }, async (request) => apiClients.rotate(actorOf(request), request.params.id));

  r.post('/api/clients/:id/revoke', {
    config: { policy: permission(MANAGE) },
    schema: { tags: TAGS, summary: 'Revoke a client for good (idempotent)', params: IdParams, response: { 200: Client, 404: ErrorBody } },
  }, async (request) => apiClients.revoke(actorOf(request), request.params.id));

  r.get('/api/clients/:id/usage', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'Calls per day (Asia/Shanghai) and scope',
      params: IdParams, querystring: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }),
      response: { 200: z.object({ items: z.array(z.object({ day: z.string(), scope: z.string(), calls: z.number() })) }), 404: ErrorBody },
    },
  }, async (request) => ({ items: await apiClients.usage(request.params.id, request.query.days) }));

  const Words = z.object({ 'zh-CN': z.string(), en: z.string() });
  r.get('/api/share/catalogue', {
    config: { policy: permission(MANAGE) },
    schema: {
      tags: TAGS, summary: 'The catalogue of shared datasets (数据目录): fields, masking, interfaces, and the active clients with access',
      response: {
        200: z.object({
          items: z.array(z.object({
            key: z.string(), name: Words, description: Words,
            access: z.union([z.object({ kind: z.literal('api_key'), scope: z.string() }), z.object({ kind: z.literal('session'), permission: z.string() })]),
            interfaces: z.array(z.object({ method: z.string(), path: z.string(), note: Words })),
            fields: z.array(z.object({ name: z.string(), label: Words, masking: Words.nullable() })),
            formats: z.array(z.string()),
            clients: z.array(z.object({ id: z.number(), name: z.string(), scopeCode: z.string(), fields: z.array(z.string()) })),
          })),
        }),
      },
    },
  }, async () => {
    const active = (await apiClients.list()).filter((c) => c.status === 'active');
    return {
      items: SHARED_DATASETS.map((d) => ({
        ...d,
        clients: d.access.kind === 'api_key'
          ? active.filter((c) => c.scopes.includes((d.access as { scope: (typeof API_CLIENT_SCOPES)[number] }).scope)).map((c) => ({ id: c.id, name: c.name, scopeCode: c.scopeCode, fields: c.fields }))
          : [],
      })),
    };
  });
}
