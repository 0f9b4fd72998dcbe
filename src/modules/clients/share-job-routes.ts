import { createReadStream, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../infra/http/app.js';
import { AppError } from '../../infra/http/errors.js';
import { API_KEY, permission } from '../../infra/http/policy.js';
import type { ApiClientService } from './service.js';
import type { ShareJobService } from './share-jobs.js';

const TAGS = ['data sharing'];
const ErrorBody = z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) });
const IdParams = z.object({ id: z.coerce.number().int().positive() });
const KeyHeader = z.object({ 'x-api-key': z.string().max(200).optional() });
const FileQuery = z.object({ fileName: z.string().min(1).max(200).default('upload.csv') });
const Job = z.object({
  id: z.number(), clientId: z.number(), fileName: z.string(), status: z.enum(['queued', 'running', 'done', 'failed']),
  totalRows: z.number().describe('rows checked so far'), expectedRows: z.number().nullable().describe('rows in the file, once counted'),
  found: z.number(), notFound: z.number(), invalid: z.number(), errorCode: z.string().nullable(), uploadedByConsole: z.boolean(),
  createdAt: z.number(), finishedAt: z.number().nullable(),
});
const UPLOAD_TYPES = ['text/csv', 'application/octet-stream', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'];

/**
 * Bulk verification jobs (docs/api-clients.md): by API key for the share
 * client itself, and in the console (clients.manage) on a client's behalf.
 */
export async function shareJobRoutes(app: FastifyInstance, deps: { shareJobs: ShareJobService; apiClients: ApiClientService }): Promise<void> {
  const { shareJobs, apiClients } = deps;

  const save = async (body: unknown): Promise<string> => {
    if (!(body instanceof Readable)) throw new AppError(415, 'UNSUPPORTED_MEDIA_TYPE');
    const path = resolve(shareJobs.uploadDir(), `upload-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`);
    await pipeline(body, createWriteStream(path, { mode: 0o600 }));
    return path;
  };
  const sendResult = (reply: FastifyReply, id: number, path: string) => reply.header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="verify-${id}.csv"`).send(createReadStream(path));

  await app.register(async (scoped) => {
    // Uploads arrive as the raw file body, as for the resident import.
    for (const type of UPLOAD_TYPES) scoped.addContentTypeParser(type, (_request, payload, done) => done(null, payload));
    const s = scoped.withTypeProvider<ZodTypeProvider>();

    s.post('/api/share/verify-jobs', {
      config: { policy: API_KEY },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: TAGS, summary: 'Upload a CSV or XLSX of ID numbers (X-Api-Key, raw body); the job runs in the background',
        headers: KeyHeader, querystring: FileQuery, response: { 202: Job, 401: ErrorBody, 403: ErrorBody, 415: ErrorBody, 429: ErrorBody },
      },
    }, async (request, reply) => {
      const client = await apiClients.authenticate(request.headers['x-api-key'], 'share.residents.verify');
      const path = await save(request.body);
      const job = await shareJobs.create(client.id, { userId: null, username: `share:${client.name}`, ip: request.ip }, path, request.query.fileName);
      shareJobs.start(job.id);
      return reply.status(202).send(job);
    });

    s.post('/api/clients/:id/verify-jobs', {
      config: { policy: permission('clients.manage') },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: TAGS, summary: 'Upload a file of ID numbers on behalf of a share client (raw body); the job runs in the background',
        params: IdParams, querystring: FileQuery, response: { 202: Job, 404: ErrorBody, 409: ErrorBody, 415: ErrorBody, 422: ErrorBody },
      },
    }, async (request, reply) => {
      await apiClients.get(request.params.id);
      const path = await save(request.body);
      const job = await shareJobs.create(request.params.id, actorOf(request), path, request.query.fileName);
      shareJobs.start(job.id);
      return reply.status(202).send(job);
    });
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/api/share/verify-jobs/:id', {
    config: { policy: API_KEY },
    schema: { tags: TAGS, summary: 'A job\'s progress (X-Api-Key); another client\'s job reads as 404', headers: KeyHeader, params: IdParams, response: { 200: Job, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody } },
  }, async (request) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'share.residents.verify');
    return shareJobs.get(request.params.id, client.id);
  });

  r.get('/api/share/verify-jobs/:id/result.csv', {
    config: { policy: API_KEY },
    schema: { tags: TAGS, summary: 'The result file (X-Api-Key): row, masked ID number, found / not_found / invalid, community when allowed', headers: KeyHeader, params: IdParams },
  }, async (request, reply) => {
    const client = await apiClients.authenticate(request.headers['x-api-key'], 'share.residents.verify');
    return sendResult(reply, request.params.id, await shareJobs.resultPath(request.params.id, client.id));
  });

  r.get('/api/clients/:id/verify-jobs', {
    config: { policy: permission('clients.manage') },
    schema: { tags: TAGS, summary: 'A client\'s bulk verification jobs, newest first', params: IdParams, response: { 200: z.object({ items: z.array(Job) }), 404: ErrorBody } },
  }, async (request) => ({ items: await shareJobs.list(request.params.id) }));

  r.get('/api/verify-jobs/:id/result.csv', {
    config: { policy: permission('clients.manage') },
    schema: { tags: TAGS, summary: 'The result file of any job, for administrators', params: IdParams },
  }, async (request, reply) => sendResult(reply, request.params.id, await shareJobs.resultPath(request.params.id)));
}
