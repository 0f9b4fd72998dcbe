import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { FileService } from '../../infra/files/files.js';
import { HASH_RE } from '../../infra/files/store.js';
import { actorOf, requirePrincipal } from '../../infra/http/app.js';
import { notFound } from '../../infra/http/errors.js';
import { permission } from '../../infra/http/policy.js';
import { LIVELIHOOD_SOURCES, LIVELIHOOD_STATUSES } from './rules/state.js';
import { LIVELIHOOD_MANAGE, LIVELIHOOD_READ, type LivelihoodService } from './service.js';
import { SATISFACTION } from './tables.js';

const TAGS = ['livelihood'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const Created = z.object({ id: z.number() });
const GridCode = z.string().regex(/^\d{9,15}$/);
const Version = z.number().int().positive().describe('the version the client saw (409 when it changed)');
const Photos = z.array(z.string().regex(HASH_RE)).max(9).default([]).describe('hashes of photos uploaded with POST /api/files');
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

const Need = z.object({
  id: z.number(), gridCode: z.string(), gridName: z.string().nullable(), title: z.string(), description: z.string(), source: z.enum(LIVELIHOOD_SOURCES),
  sourceRef: z.string().nullable(), residentId: z.number().nullable(), cadreVisitId: z.number().nullable(),
  meetingDecisionId: z.number().nullable().describe('the joint meeting decision that made this need (docs/meetings.md)'),
  meeting: z.object({ id: z.number(), title: z.string() }).nullable().describe('the meeting of that decision'), status: z.enum(LIVELIHOOD_STATUSES), reason: z.string().nullable(),
  owner: z.string().nullable(), ownerDepartmentCode: z.string().nullable(), budget: z.number().nullable().describe('yuan'), deadline: z.string().nullable(), progress: z.number(),
  collectedAt: z.string(), assessedAt: z.string().nullable(), approvedAt: z.string().nullable(), doneAt: z.string().nullable(), version: z.number(),
});

/** 民生实事: livelihood needs to projects done (docs/livelihood.md). */
export async function livelihoodRoutes(app: FastifyInstance, deps: { livelihood: LivelihoodService; files: FileService }): Promise<void> {
  const { livelihood, files } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/livelihood/needs', {
    config: { policy: permission(LIVELIHOOD_READ) },
    schema: {
      tags: TAGS, summary: 'Needs and projects of the caller scope, newest collected first',
      querystring: z.object({
        status: z.enum(LIVELIHOOD_STATUSES).optional(), gridCode: GridCode.optional(),
        page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(20),
      }),
      response: { 200: z.object({ total: z.number(), items: z.array(Need) }) },
    },
  }, async (request) => livelihood.list(requirePrincipal(request), request.query));

  r.post('/api/livelihood/needs', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Collect a need (from a resident, a visit or a meeting) on a community or unit grid',
      body: z.object({
        gridCode: GridCode, title: z.string().trim().min(1).max(200), description: z.string().max(5000).default(''), source: z.enum(LIVELIHOOD_SOURCES),
        sourceRef: opt(z.string().max(200)), residentId: opt(z.number().int().positive()), cadreVisitId: opt(z.number().int().positive()),
      }),
      response: { 201: Created, 403: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await livelihood.collect(requirePrincipal(request), actorOf(request), request.body) }));

  r.get('/api/livelihood/figures', {
    config: { policy: permission(LIVELIHOOD_READ) },
    schema: {
      tags: TAGS, summary: 'Collected and done per street (or community) and per month, over Shanghai days from..to',
      querystring: z.object({ from: z.iso.date(), to: z.iso.date(), by: z.enum(['street', 'community']).default('street'), gridCode: GridCode.optional() }),
      response: {
        200: z.object({
          from: z.string(), to: z.string(), total: z.object({ collected: z.number(), done: z.number() }),
          byArea: z.array(z.object({ code: z.string(), name: z.string(), collected: z.number(), done: z.number() })),
          byMonth: z.array(z.object({ month: z.string(), collected: z.number(), done: z.number() })),
        }),
        422: ErrorBody,
      },
    },
  }, async (request) => livelihood.figures(requirePrincipal(request), request.query));

  r.get('/api/livelihood/needs/:id', {
    config: { policy: permission(LIVELIHOOD_READ) },
    schema: {
      tags: TAGS, summary: 'One need with its progress updates (photos) and residents\' feedback', params: IdParams,
      response: {
        200: Need.extend({
          updates: z.array(z.object({ id: z.number(), percent: z.number(), note: z.string(), photos: z.array(z.string()), at: z.string(), by: z.string().nullable() })),
          feedback: z.array(z.object({ id: z.number(), residentName: z.string(), satisfaction: z.enum(SATISFACTION), comment: z.string(), at: z.string() })),
        }),
        404: ErrorBody,
      },
    },
  }, async (request) => livelihood.detail(requirePrincipal(request), request.params.id));

  const done = <T>(p: Promise<T>) => p.then(() => null);
  const NoContent = { 204: z.null(), 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

  r.post('/api/livelihood/needs/:id/assess', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Assess a collected need: accept, or reject with a reason', params: IdParams,
      body: z.object({ version: Version, decision: z.enum(['accept', 'reject']), reason: z.string().max(500).default('') }), response: NoContent,
    },
  }, async (request, reply) => reply.status(204).send(await done(livelihood.assess(requirePrincipal(request), actorOf(request), request.params.id, request.body))));

  r.post('/api/livelihood/needs/:id/approve', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Approve an accepted need as a project with owner, budget (yuan) and deadline', params: IdParams,
      body: z.object({ version: Version, owner: z.string().max(100), ownerDepartmentCode: opt(z.string().max(20)), budget: z.number().min(0).max(1e10), deadline: z.string().max(10) }),
      response: NoContent,
    },
  }, async (request, reply) => reply.status(204).send(await done(livelihood.approve(requirePrincipal(request), actorOf(request), request.params.id, request.body))));

  r.post('/api/livelihood/needs/:id/progress', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'A progress update with photos', params: IdParams,
      body: z.object({ version: Version, percent: z.number().int().min(0).max(100), note: z.string().max(5000), photos: Photos }), response: NoContent,
    },
  }, async (request, reply) => reply.status(204).send(await done(livelihood.progress(requirePrincipal(request), actorOf(request), request.params.id, request.body))));

  r.post('/api/livelihood/needs/:id/complete', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Complete the project (done), with a note and photos', params: IdParams,
      body: z.object({ version: Version, note: z.string().max(5000), photos: Photos }), response: NoContent,
    },
  }, async (request, reply) => reply.status(204).send(await done(livelihood.complete(requirePrincipal(request), actorOf(request), request.params.id, request.body))));

  r.post('/api/livelihood/needs/:id/feedback', {
    config: { policy: permission(LIVELIHOOD_MANAGE) },
    schema: {
      tags: TAGS, summary: 'Record a resident\'s feedback on a done project', params: IdParams,
      body: z.object({ residentName: z.string().trim().min(1).max(50), satisfaction: z.enum(SATISFACTION), comment: z.string().max(2000).default('') }),
      response: { 201: Created, 404: ErrorBody, 409: ErrorBody },
    },
  }, async (request, reply) => reply.status(201).send({ id: await livelihood.feedback(requirePrincipal(request), actorOf(request), request.params.id, request.body) }));

  r.get('/api/livelihood/needs/:id/photos/:hash', {
    config: { policy: permission(LIVELIHOOD_READ) },
    schema: {
      tags: TAGS, summary: 'A photo of the project\'s updates (thumbnail=1 for the WebP thumbnail)',
      params: z.object({ id: z.coerce.number().int().positive(), hash: z.string().max(64) }),
      querystring: z.object({ thumbnail: z.enum(['0', '1']).optional() }),
    },
  }, async (request, reply) => {
    const { id, hash } = request.params;
    if (!HASH_RE.test(hash)) throw notFound('file');
    await livelihood.photoOf(requirePrincipal(request), id, hash);
    const info = await files.get(hash);
    const variant = request.query.thumbnail === '1' ? 'thumbnail' : 'original';
    const opened = info ? await files.open(hash, variant) : null;
    if (!info || !opened) throw notFound('file');
    return reply
      .header('cache-control', 'private, max-age=31536000, immutable')
      .header('content-type', variant === 'thumbnail' ? 'image/webp' : info.mime)
      .header('content-length', opened.size)
      .send(opened.stream);
  });
}
