import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { permission } from '../../infra/http/policy.js';
import { QUESTION_TYPES } from './rules/questions.js';
import type { CampaignService } from './service.js';

const TAGS = ['campaigns'];
const TargetType = z.enum(['place', 'household', 'resident']);
const Status = z.enum(['draft', 'pushed', 'closed']);
const Answer = z.union([z.boolean(), z.number(), z.string().max(2000), z.array(z.string().max(64)).max(9)]);
const Question = z.object({
  key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/),
  label: z.string().trim().min(1).max(200),
  type: z.enum(QUESTION_TYPES),
  required: z.boolean(),
  options: z.array(z.string().trim().min(1).max(100)).max(20).optional(),
  problemAnswers: z.array(z.union([z.string(), z.boolean()])).max(20).optional().describe('yes/no and choice answers that are a finding'),
});
const GridName = z.object({ code: z.string(), name: z.string() });
const Campaign = z.object({
  id: z.number(),
  title: z.string(),
  description: z.string().nullable(),
  targetType: TargetType,
  placeTypes: z.array(z.string()),
  questions: z.array(Question),
  owner: GridName,
  grids: z.array(GridName),
  categoryCode: z.string().nullable(),
  deadline: z.string(),
  status: Status,
  version: z.number(),
  createdAt: z.string(),
  pushedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  progress: z.object({ total: z.number(), done: z.number(), problems: z.number() }).describe('within the caller\'s scope'),
});
const Target = z.object({
  targetId: z.number(),
  gridCode: z.string(),
  label: z.string(),
  detail: z.string().nullable(),
  response: z.object({
    answers: z.record(z.string(), Answer),
    problem: z.boolean(),
    problemNote: z.string().nullable(),
    incident: z.object({ id: z.number(), code: z.string() }).nullable(),
    filledAt: z.string(),
  }).nullable(),
});
const Id = z.object({ id: z.coerce.number().int().positive() });
const Version = z.object({ version: z.number().int().positive() });

/** 中心工作 (docs/campaigns.md). */
export async function campaignRoutes(app: FastifyInstance, deps: { campaigns: CampaignService }): Promise<void> {
  const { campaigns } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/campaigns', {
    config: { policy: permission('campaigns.read') },
    schema: {
      tags: TAGS, summary: 'Campaigns reaching the caller\'s grids (drafts only to their managers), newest first',
      querystring: z.object({ status: Status.optional() }),
      response: { 200: z.object({ items: z.array(Campaign) }) },
    },
  }, async (request) => ({ items: await campaigns.list(request.principal!, request.query) }));

  r.post('/api/campaigns', {
    config: { policy: permission('campaigns.manage') },
    schema: {
      tags: TAGS, summary: 'Draft a campaign: a form, the target kind, the grids it goes to and a deadline',
      body: z.object({
        title: z.string().trim().min(1).max(200),
        description: z.string().max(2000).optional(),
        targetType: TargetType,
        placeTypes: z.array(z.string().min(1).max(40)).max(40).optional(),
        questions: z.array(Question).min(1).max(50),
        gridCodes: z.array(z.string().regex(/^\d{6,15}$/)).min(1).max(500),
        deadline: z.iso.datetime({ offset: true }),
        categoryCode: z.string().min(1).max(20).optional().describe('category of the incidents findings become'),
      }),
      response: { 201: Campaign },
    },
  }, async (request, reply) => reply.status(201).send(await campaigns.create(request.principal!, actorOf(request), request.body)));

  r.get('/api/campaigns/:id', {
    config: { policy: permission('campaigns.read') },
    schema: { tags: TAGS, summary: 'A campaign with its form and progress in the caller\'s scope', params: Id, response: { 200: Campaign } },
  }, async (request) => campaigns.detail(request.principal!, request.params.id));

  r.post('/api/campaigns/:id/push', {
    config: { policy: permission('campaigns.manage') },
    schema: { tags: TAGS, summary: 'Push a draft to its grids', params: Id, body: Version, response: { 200: Campaign } },
  }, async (request) => campaigns.transition(request.principal!, actorOf(request), request.params.id, request.body.version, 'pushed'));

  r.post('/api/campaigns/:id/close', {
    config: { policy: permission('campaigns.manage') },
    schema: { tags: TAGS, summary: 'Close a pushed campaign (no more answers)', params: Id, body: Version, response: { 200: Campaign } },
  }, async (request) => campaigns.transition(request.principal!, actorOf(request), request.params.id, request.body.version, 'closed'));

  r.get('/api/campaigns/:id/progress', {
    config: { policy: permission('campaigns.read') },
    schema: {
      tags: TAGS, summary: 'Targets done / total per unit grid in the caller\'s scope', params: Id,
      response: { 200: z.object({ items: z.array(z.object({ gridCode: z.string(), name: z.string(), total: z.number(), done: z.number(), problems: z.number() })) }) },
    },
  }, async (request) => ({ items: await campaigns.progress(request.principal!, request.params.id) }));

  r.get('/api/campaigns/:id/targets', {
    config: { policy: permission('campaigns.read') },
    schema: {
      tags: TAGS, summary: 'The targets in the caller\'s scope with their answers (200 a page)', params: Id,
      querystring: z.object({ gridCode: z.string().regex(/^\d{6,15}$/).optional(), status: z.enum(['pending', 'done']).optional(), page: z.coerce.number().int().min(1).optional() }),
      response: { 200: z.object({ items: z.array(Target), total: z.number() }) },
    },
  }, async (request) => campaigns.targets(request.principal!, request.params.id, request.query));

  r.post('/api/campaigns/:id/responses', {
    config: { policy: permission('campaigns.fill') },
    schema: {
      tags: TAGS, summary: 'Fill (or refill) the form for one target; a finding becomes an incident in its grid', params: Id,
      body: z.object({ targetId: z.number().int().positive(), answers: z.record(z.string(), Answer), problemNote: z.string().max(2000).optional() }),
      response: { 200: Target },
    },
  }, async (request) => campaigns.respond(request.principal!, actorOf(request), request.params.id, request.body));
}
