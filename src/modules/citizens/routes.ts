import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePrincipal } from '../../infra/http/app.js';
import { AppError } from '../../infra/http/errors.js';
import { permission, PUBLIC } from '../../infra/http/policy.js';
import { HASH_RE } from '../../infra/files/store.js';
import type { FileService } from '../../infra/files/files.js';
import type { FileVariant } from '../../infra/files/store.js';
import { actorOf } from '../../infra/http/app.js';
import { notFound } from '../../infra/http/errors.js';
import type { PublicMapService } from './public-map.js';
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
const Token = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

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
export async function citizenRoutes(app: FastifyInstance, deps: { citizens: CitizenService; publicMap: PublicMapService; files: FileService }): Promise<void> {
  const { citizens, publicMap, files } = deps;
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

  // ---- the public map ------------------------------------------------------

  const MapItem = z.object({
    code: z.string(), categoryCode: z.string(), categoryName: z.string(), milestone: Milestone, statusText: z.string(),
    reportedAt: z.string().describe('the day (UTC date) only'), lng: z.number(), lat: z.number(),
    photos: z.array(z.string()).describe('hashes of released photos: GET /api/public/photos/:hash(/thumbnail)'),
  });
  r.get('/api/public/map', {
    config: { policy: PUBLIC },
    schema: {
      tags: TAGS,
      summary: 'Recent cases of public categories, positions snapped to the centre of a cell (no reporter, no description, released photos only)',
      response: { 200: z.object({ cellMetres: z.number(), items: z.array(MapItem) }) },
    },
  }, async (request) => ({ cellMetres: publicMap.cellM, items: await publicMap.items(request.locale) }));

  const servePublic = (variant: FileVariant) => async (request: FastifyRequest<{ Params: { hash: string } }>, reply: FastifyReply) => {
    const { hash } = request.params;
    if (!HASH_RE.test(hash) || !(await publicMap.isPublicPhoto(hash))) throw notFound('file');
    const info = await files.get(hash);
    const opened = info ? await files.open(hash, variant) : null;
    if (!info || !opened) throw notFound('file');
    // Public, but a photo can be withdrawn: caches keep it an hour at most.
    return reply.header('cache-control', 'public, max-age=3600')
      .header('content-type', variant === 'thumbnail' ? 'image/webp' : info.mime)
      .header('content-length', opened.size)
      .send(opened.stream);
  };
  const HashParams = z.object({ hash: z.string().max(64) });
  r.get('/api/public/photos/:hash', {
    config: { policy: PUBLIC },
    schema: { tags: TAGS, summary: 'A photo an operator released, on a case of a public category (404 for any other)', params: HashParams },
  }, servePublic('original'));
  r.get('/api/public/photos/:hash/thumbnail', {
    config: { policy: PUBLIC },
    schema: { tags: TAGS, summary: 'The thumbnail of a released photo', params: HashParams },
  }, servePublic('thumbnail'));

  r.get('/api/incident-categories/public', {
    config: { policy: permission('incidents.configure') },
    schema: {
      tags: TAGS,
      summary: 'Which minor categories appear on the public map',
      response: { 200: z.object({ items: z.array(z.object({ code: z.string(), public: z.boolean() })) }) },
    },
  }, async () => ({ items: await publicMap.categoryFlags() }));

  r.put('/api/incident-categories/:code/public', {
    config: { policy: permission('incidents.configure') },
    schema: {
      tags: TAGS,
      summary: 'Show or hide a minor category on the public map',
      params: z.object({ code: z.string().regex(/^\d{4}$/) }),
      body: z.object({ public: z.boolean() }),
      response: { 200: z.object({ code: z.string(), public: z.boolean() }), 404: ErrorBody },
    },
  }, async (request) => publicMap.setCategoryPublic(actorOf(request), request.params.code, request.body.public));

  r.get('/api/incidents/:id/public-photos', {
    config: { policy: permission('incidents.read') },
    schema: {
      tags: TAGS,
      summary: 'The photos of a case released for the public map',
      params: z.object({ id: z.coerce.number().int().positive() }),
      response: { 200: z.object({ hashes: z.array(z.string()) }), 404: ErrorBody },
    },
  }, async (request) => ({ hashes: await publicMap.publicPhotos(requirePrincipal(request), request.params.id) }));

  r.put('/api/incidents/:id/photos/:hash/public', {
    config: { policy: permission('incidents.register') },
    schema: {
      tags: TAGS,
      summary: 'Release (or withdraw) one photo of a case for the public map',
      params: z.object({ id: z.coerce.number().int().positive(), hash: z.string().regex(HASH_RE) }),
      body: z.object({ public: z.boolean() }),
      response: { 200: z.object({ hash: z.string(), public: z.boolean() }), 404: ErrorBody },
    },
  }, async (request) => publicMap.setPhotoPublic(requirePrincipal(request), actorOf(request), request.params.id, request.params.hash, request.body.public));
}
