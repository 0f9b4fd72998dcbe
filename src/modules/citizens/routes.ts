import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePrincipal } from '../../infra/http/app.js';
import { AppError } from '../../infra/http/errors.js';
import { permission, PUBLIC } from '../../infra/http/policy.js';
import { HASH_RE } from '../../infra/files/store.js';
import type { CitizenService } from './service.js';
import { RATING_SOURCES, VERDICTS } from './tables.js';

const TAGS = ['citizens'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });

const Challenge = z.object({
  id: z.string().max(64),
  difficulty: z.number().int().min(0).max(64),
  expiresAt: z.number().int(),
  signature: z.string().max(128),
});
const Rating = z.object({
  verdict: z.enum(VERDICTS).describe('satisfied 满意, basically_satisfied 基本满意, unsatisfied 不满意'),
  comment: z.string().nullable(),
  source: z.enum(RATING_SOURCES),
  ratedAt: z.string(),
});
const Milestone = z.string().describe('received, registered, dispatched, handling, handled, checking, checked, rework, closed, rejected, deferred, merged, returned');
const Follow = z.object({
  code: z.string(),
  milestone: Milestone,
  statusText: z.string(),
  description: z.string(),
  address: z.string().nullable(),
  categoryName: z.string().nullable(),
  reportedAt: z.string(),
  closedAt: z.string().nullable(),
  steps: z.array(z.object({ milestone: Milestone, text: z.string(), at: z.string() })),
  canRate: z.boolean(),
  rating: Rating.nullable(),
});
/** The token is sent in the body, never in a URL the server might log. */
const Token = z.string().min(16).max(64).regex(/^[A-Za-z0-9_-]+$/);

/**
 * Reads an upload body up to the public limit; past it the rest is drained
 * (up to twice the limit) so the phone gets the 413 answer.
 */
async function readLimited(request: FastifyRequest, payload: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const tooLarge = () => new AppError(413, 'FILE_TOO_LARGE', { limitBytes: limit });
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > 2 * limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > 2 * limit) break;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw tooLarge();
  return Buffer.concat(chunks);
}

/** The public intake and follow-up (no account), and the rating on the staff's case page (docs/citizens.md). */
export async function citizenRoutes(app: FastifyInstance, deps: { citizens: CitizenService }): Promise<void> {
  const { citizens } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get('/api/public/challenge', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'A proof-of-work challenge: find a nonce whose SHA-256 of "id:nonce" begins with `difficulty` zero bits, and send it with the report',
      response: { 200: Challenge },
    },
  }, async () => citizens.challenge());

  r.get('/api/public/area', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'The streets of the district (outlines and names, GeoJSON WGS84) for placing a report on the public page',
      response: {
        200: z.object({
          type: z.literal('FeatureCollection'),
          features: z.array(z.object({ type: z.literal('Feature'), properties: z.object({ code: z.string(), name: z.string() }), geometry: z.object({ type: z.string(), coordinates: z.unknown() }) })),
        }),
      },
    },
  }, async () => citizens.area());

  await app.register(async (scoped) => {
    const parse = async (request: FastifyRequest, payload: AsyncIterable<Buffer>) => readLimited(request, payload, citizens.limits.maxPhotoBytes);
    scoped.addContentTypeParser(/^image\//, parse);
    scoped.addContentTypeParser('application/octet-stream', parse);
    scoped.withTypeProvider<ZodTypeProvider>().post('/api/public/photos', {
      config: { policy: PUBLIC },
      schema: {
        tags: TAGS,
        summary: 'Upload a photo for a public report (JPEG, PNG or WebP; body = the file); limited per client',
        response: { 201: z.object({ hash: z.string(), size: z.number(), mime: z.string() }), 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody },
      },
    }, async (request, reply) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError(415, 'FILE_TYPE_NOT_ALLOWED');
      return reply.status(201).send(await citizens.uploadPhoto(body, request.ip));
    });
  });

  r.post('/api/public/reports', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'Report a problem without an account: lands as channel citizen in the intake queue; answers the case code and a private follow-up token (shown once)',
      body: z.object({
        description: z.string().trim().min(5).max(1000),
        position: z.object({
          lng: z.number().min(-180).max(180),
          lat: z.number().min(-90).max(90),
          crs: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84').describe('what the phone gave: browsers give WGS84; Chinese map SDKs GCJ-02 or BD-09'),
        }),
        address: z.string().trim().max(200).optional(),
        photos: z.array(z.string().regex(HASH_RE)).max(20).optional().describe('hashes from POST /api/public/photos'),
        name: z.string().trim().max(50).optional(),
        phone: z.string().trim().regex(/^\+?[\d\s-]{5,20}$/).optional(),
        challenge: Challenge.extend({ nonce: z.string().min(1).max(64) }).optional().describe('a solved challenge, once the answer was 428 CITIZEN_CHALLENGE_REQUIRED'),
      }),
      response: {
        201: z.object({ code: z.string(), followToken: z.string(), followUrl: z.string() }),
        422: ErrorBody, 428: ErrorBody, 429: ErrorBody,
      },
    },
  }, async (request, reply) => {
    const b = request.body;
    const created = await citizens.report({
      description: b.description,
      position: b.position,
      address: b.address || undefined,
      photos: b.photos,
      name: b.name || undefined,
      phone: b.phone || undefined,
      challenge: b.challenge,
    }, request.ip);
    // The token travels after '#': browsers do not send it to the server, so no log sees it.
    return reply.status(201).send({ ...created, followUrl: `/report/#t=${created.followToken}` });
  });

  r.post('/api/public/follow', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'The progress of a reported case in plain words, for the holder of its follow-up token',
      body: z.object({ token: Token }),
      response: { 200: Follow, 404: ErrorBody },
    },
  }, async (request) => citizens.follow(request.body.token, request.locale));

  r.post('/api/public/follow/rating', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'Rate a closed case (满意 / 基本满意 / 不满意, with a comment), once',
      body: z.object({ token: Token, verdict: z.enum(VERDICTS), comment: z.string().trim().max(500).optional() }),
      response: { 201: Rating, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody },
    },
  }, async (request, reply) => {
    const b = request.body;
    return reply.status(201).send(await citizens.rate(b.token, { verdict: b.verdict, comment: b.comment }, request.ip));
  });

  r.get('/api/incidents/:id/rating', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'The satisfaction rating of a case (null until rated), to those who may see the case',
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: z.object({ rating: Rating.nullable() }), 404: ErrorBody },
    },
  }, async (request) => ({ rating: await citizens.ratingOf(requirePrincipal(request), request.params.id) }));
}
