import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requirePrincipal } from '../../infra/http/app.js';
import { AppError, notFound } from '../../infra/http/errors.js';
import { AUTHENTICATED } from '../../infra/http/policy.js';
import { fileTooLarge, type FileService } from '../../infra/files/files.js';
import { HASH_RE, type FileVariant } from '../../infra/files/store.js';
import type { IncidentAttachments } from './attachments.js';

const TAGS = ['files'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });

/** Permissions whose work takes photos (report, reply, verify / self-resolve). */

const Uploaded = z.object({
  hash: z.string(),
  size: z.number(),
  mime: z.string(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  thumbnailSize: z.number(),
  createdAt: z.string(),
  deduplicated: z.boolean(),
  url: z.string(),
  thumbnailUrl: z.string(),
});

/**
 * Reads a raw upload body up to the limit. Past the limit the rest is read
 * and dropped (up to 4× the limit) so that the client gets the 413 answer
 * rather than a reset connection.
 */
async function readLimited(request: FastifyRequest, payload: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > 4 * limit) throw fileTooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload) {
    size += chunk.length;
    if (size > 4 * limit) break;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) throw fileTooLarge(limit);
  return Buffer.concat(chunks);
}

export interface AttachmentRouteDeps {
  files: FileService;
  attachments: IncidentAttachments;
}

/**
 * Upload: `POST /api/files` with the image itself as the body (Content-Type
 * image/jpeg, image/png, image/webp or application/octet-stream: the type is
 * decided by the content, not by the header). Serving: `GET /api/files/:hash`
 * and `/thumbnail`, to the uploader and to those who may see an incident
 * showing the file; 404 for everyone else.
 */
export async function attachmentRoutes(app: FastifyInstance, deps: AttachmentRouteDeps): Promise<void> {
  const { files, attachments } = deps;
  const limit = files.settings.uploadLimitBytes;

  await app.register(async (scoped) => {
    const parse = async (request: FastifyRequest, payload: AsyncIterable<Buffer>) => readLimited(request, payload, limit);
    scoped.addContentTypeParser(/^image\//, parse);
    scoped.addContentTypeParser('application/octet-stream', parse);
    scoped.withTypeProvider<ZodTypeProvider>().post('/api/files', {
      config: { policy: AUTHENTICATED },
      schema: {
        tags: TAGS,
        summary: 'Upload a photo (JPEG, PNG or WebP, recognised by content; body = the file). Stored once per content hash',
        response: { 200: Uploaded, 201: Uploaded, 403: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    }, async (request, reply) => {
      const principal = requirePrincipal(request);
      if (!attachments.mayUpload(principal)) throw new AppError(403, 'INCIDENT_UPLOAD_FORBIDDEN');
      const body = request.body;
      if (!Buffer.isBuffer(body)) throw new AppError(415, 'FILE_TYPE_NOT_ALLOWED');
      const stored = await files.upload(body, principal.userId);
      return reply.status(stored.deduplicated ? 200 : 201).send({
        hash: stored.hash,
        size: stored.size,
        mime: stored.mime,
        width: stored.width,
        height: stored.height,
        thumbnailSize: stored.thumbnailSize,
        createdAt: stored.createdAt,
        deduplicated: stored.deduplicated,
        url: `/api/files/${stored.hash}`,
        thumbnailUrl: `/api/files/${stored.hash}/thumbnail`,
      });
    });
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const serve = async (request: FastifyRequest, reply: FastifyReply, hash: string, variant: FileVariant) => {
    const principal = requirePrincipal(request);
    if (!HASH_RE.test(hash)) throw notFound('file');
    const info = await files.get(hash);
    if (!info || !(await attachments.canRead(principal, hash))) throw notFound('file');
    const etag = `"${hash}${variant === 'thumbnail' ? '-t' : ''}"`;
    // Content-addressed: the bytes under a hash never change.
    void reply.header('cache-control', 'private, max-age=31536000, immutable').header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.status(304).send();
    const opened = await files.open(hash, variant);
    if (!opened) throw notFound('file');
    const mime = variant === 'thumbnail' ? 'image/webp' : info.mime;
    return reply
      .header('content-type', mime)
      .header('content-length', opened.size)
      .header('content-disposition', `inline; filename="${hash.slice(0, 16)}.${mime.split('/')[1]}"`)
      .send(opened.stream);
  };
  const HashParams = z.object({ hash: z.string().max(64) });

  r.get('/api/files/:hash', {
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'A stored photo, to its uploader and to those who may see an incident showing it', params: HashParams },
  }, async (request, reply) => serve(request, reply, request.params.hash, 'original'));

  r.get('/api/files/:hash/thumbnail', {
    config: { policy: AUTHENTICATED },
    schema: { tags: TAGS, summary: 'A photo thumbnail (WebP, at most 320 px), with the same access as the photo', params: HashParams },
  }, async (request, reply) => serve(request, reply, request.params.hash, 'thumbnail'));
}
