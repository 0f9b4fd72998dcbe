import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { API_KEY, permission } from '../../infra/http/policy.js';
import type { ApiClientService } from '../clients/service.js';
import type { CascadeService } from './service.js';

const TAGS = ['cascade'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const KeyHeader = z.object({ 'x-api-key': z.string().max(200).optional() });
const CaseCode = z.string().trim().regex(/^[A-Za-z0-9._:-]{1,40}$/);
const Role = z.enum(['parent', 'child']).describe('parent: the city platform above (at most one); child: a district platform below');

const PeerView = z.object({
  id: z.number(), role: Role, name: z.string(), baseUrl: z.string(), clientId: z.number(), clientName: z.string().nullable(),
  status: z.enum(['active', 'disabled']), createdAt: z.string(), updatedAt: z.string(),
});
const PeerBody = z.object({
  role: Role,
  name: z.string().trim().min(1).max(100),
  baseUrl: z.string().trim().min(1).max(500).describe('the other platform\'s address, e.g. https://city.example'),
  apiKey: z.string().trim().regex(/^cgk_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/).optional().describe('the key the other platform issued to this one (scope cascade); write-only, kept encrypted'),
  clientId: z.number().int().positive().describe('this platform\'s API client (scope cascade) whose key the other platform calls with'),
  status: z.enum(['active', 'disabled']).optional(),
});
const LinkView = z.object({
  peerId: z.number(), peerName: z.string(), peerRole: Role, role: z.enum(['sender', 'receiver']), peerCode: z.string().nullable(), peerStatus: z.string().nullable(),
  status: z.enum(['pending', 'linked', 'closed', 'returned', 'failed']), lastError: z.string().nullable(), pendingMessages: z.number(), createdAt: z.string(), updatedAt: z.string(),
});
const CaseMessage = z.object({
  code: CaseCode.describe('the sending platform\'s own case code'),
  seq: z.number().int().positive(),
  description: z.string().trim().min(1).max(4000),
  address: z.string().max(500).nullable(),
  position: z.object({ lng: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) }).nullable().describe('WGS84'),
  gridCode: z.string().regex(/^\d{6,15}$/),
  categoryCode: z.string().max(20).nullable(),
  reportedAt: z.string().max(40),
  note: z.string().max(1000).nullable(),
});
const EventMessage = z.object({
  seq: z.number().int().positive().describe('per link, from 1; a sequence already applied changes nothing'),
  kind: z.enum(['status', 'result', 'return']),
  peerCode: CaseCode.describe('the sending platform\'s own code of its case'),
  status: z.string().max(20),
  note: z.string().max(4000).nullable(),
  at: z.string().max(40),
});

/** The cascade between platforms (docs/cascade.md): peers, the case page's link and send, and the peer-to-peer interface. */
export async function cascadeRoutes(app: FastifyInstance, deps: { cascade: CascadeService; apiClients: ApiClientService; wake: () => void }): Promise<void> {
  const { cascade, apiClients } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/cascade/peers', {
    config: { policy: permission('cascade.manage') },
    schema: { tags: TAGS, summary: 'The city platform above and the district platforms below (no keys)', response: { 200: z.object({ items: z.array(PeerView) }) } },
  }, async () => ({ items: await cascade.peers() }));

  r.post('/api/cascade/peers', {
    config: { policy: permission('cascade.manage') },
    schema: {
      tags: TAGS, summary: 'Register a peer platform: its address, the key it issued to this one, and this one\'s API client it calls with',
      body: PeerBody.required({ apiKey: true }), response: { 201: PeerView, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send(await cascade.createPeer(actorOf(request), request.body)));

  r.put('/api/cascade/peers/:id', {
    config: { policy: permission('cascade.manage') },
    schema: {
      tags: TAGS, summary: 'Change a peer platform (a key only when given), or disable it',
      params: IdParams, body: PeerBody, response: { 200: PeerView, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => cascade.updatePeer(actorOf(request), request.params.id, request.body));

  r.get('/api/incidents/:id/cascade', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS, summary: 'The case\'s link with another platform (its code and status there), whether it may be sent and where',
      params: IdParams,
      response: { 200: z.object({ link: LinkView.nullable(), canSend: z.boolean(), targets: z.array(z.object({ id: z.number(), name: z.string(), role: Role })) }), 404: ErrorBody },
    },
  }, async (request) => cascade.forIncident(requirePrincipal(request), request.params.id));

  r.post('/api/incidents/:id/cascade', {
    config: { policy: permission('cascade.send') },
    schema: {
      tags: TAGS, summary: '上报市级 / 下派区级: send the case to the city platform (or a district); its clock stops here until the result or a refusal comes back',
      params: IdParams,
      body: z.object({ version: z.number().int().positive(), peerId: z.number().int().positive().optional(), note: z.string().trim().max(1000).optional() }),
      response: { 200: z.object({ incident: z.object({ id: z.number(), code: z.string(), status: z.string(), version: z.number() }).loose() }), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request) => {
    const incident = await cascade.send(requirePrincipal(request), actorOf(request), request.params.id, request.body);
    return { incident: { ...incident } };
  });

  r.post('/api/cascade/cases', {
    // Called by the peer platform with the key this platform issued to it (scope cascade), not by session.
    config: { policy: API_KEY },
    schema: {
      tags: TAGS, summary: 'A peer platform sends a case (X-Api-Key, scope cascade): 201 with the new case here, 200 with the same case for a repeat',
      headers: KeyHeader, body: CaseMessage,
      response: { 200: z.object({ code: z.string(), status: z.string() }), 201: z.object({ code: z.string(), status: z.string() }), 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 429: ErrorBody },
    },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'cascade');
    const result = await cascade.receiveCase(client, request.ip, request.body);
    return reply.status(result.status).send(result.body);
  });

  r.post('/api/cascade/cases/:code/events', {
    config: { policy: API_KEY },
    schema: {
      tags: TAGS,
      summary: 'The peer handling a case this platform sent reports its status, its result (closes the case here) or its refusal (the case comes back) (X-Api-Key); :code is this platform\'s code',
      headers: KeyHeader, params: z.object({ code: CaseCode }), body: EventMessage,
      response: { 200: z.object({ applied: z.boolean(), code: z.string(), status: z.string() }), 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 429: ErrorBody },
    },
  }, async (request) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'cascade');
    const result = await cascade.receiveEvent(client, request.ip, request.params.code, request.body);
    deps.wake();
    return result;
  });
}
